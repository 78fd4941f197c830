"""gunicorn's sync worker, answering its own request limits with JSON.

gunicorn refuses a request line longer than `limit_request_line` (414) and headers
beyond `limit_request_fields` / `limit_request_field_size` (431) itself, before
Django sees the request, with a small HTML page. This worker answers those two in
the API's error shape instead, `{"detail": ..., "status": 414}`, naming the limit,
so a client that reads JSON errors gets one. Every other error is gunicorn's own.
Set in gunicorn.conf.py (worker_class), which every gunicorn of the project reads.
"""

from __future__ import annotations

import json
from typing import Any

from gunicorn import util
from gunicorn.http.errors import LimitRequestHeaders, LimitRequestLine
from gunicorn.workers.sync import SyncWorker


def limit_answer(exc: BaseException, cfg: Any) -> tuple[int, str, str] | None:
    """(status, reason, detail) of a request over gunicorn's limits, else None."""
    if isinstance(exc, LimitRequestLine):
        return (
            414,
            "URI Too Long",
            "The request line (method, path and query string) is longer than the "
            f"{cfg.limit_request_line:,} bytes this server accepts; send fewer or "
            "shorter parameters.",
        )
    if isinstance(exc, LimitRequestHeaders):
        return (
            431,
            "Request Header Fields Too Large",
            f"The request headers are over this server's limits: at most "
            f"{cfg.limit_request_fields} header fields of at most "
            f"{cfg.limit_request_field_size:,} bytes each ({exc}).",
        )
    return None


def json_error(status: int, reason: str, detail: str) -> bytes:
    body = json.dumps({"detail": detail, "status": status}).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode("latin-1")
    return head + body


class JsonLimitsSyncWorker(SyncWorker):
    def handle_error(self, req: Any, client: Any, addr: Any, exc: Exception) -> None:
        answer = limit_answer(exc, self.cfg)
        if answer is None:
            super().handle_error(req, client, addr, exc)
            return
        status, reason, detail = answer
        self.log.warning(
            "Request over gunicorn's limits from ip=%s: %s",
            (addr or ("",))[0],
            exc,
        )
        try:
            util.write_nonblock(client, json_error(status, reason, detail))
        except OSError:
            self.log.debug("Failed to send the limit error.")
