"""Caching of metric responses: keys, ETags and conditional requests.

A metric's data is cached (Django's cache: local memory, or Redis with REDIS_URL) under
a key made of the endpoint, the normalised query parameters and the data version, for
settings.METRICS_CACHE_SECONDS (0 disables it). New data moves the version
(store/data_version.py), so old entries are never read again and simply expire.
JSON and CSV share an entry: the cache holds the response data, not the bytes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.conf import settings

CACHE_KEY_PREFIX = "ecomanalytics:metric:"
CACHE_CONTROL = "private, max-age=0, must-revalidate"
# Parameters that choose the representation, not the numbers.
REPRESENTATION_PARAMETERS = frozenset({"format"})


def cache_seconds() -> int:
    return int(getattr(settings, "METRICS_CACHE_SECONDS", 300))


def normalise_parameters(parameters: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """Sorted (name, value) pairs, representation parameters left out."""
    return sorted(
        (name, value)
        for name, value in parameters.items()
        if name not in REPRESENTATION_PARAMETERS
    )


def metric_cache_key(
    *,
    endpoint: str,
    parameters: Iterable[tuple[str, Any]],
    version: int,
    today: date,
) -> str:
    """A fixed-length key: endpoint, parameters, data version and the shop's today.

    Today is part of the key because partial periods and unfinished retention months
    depend on it: an entry cached before midnight must not answer after it.
    """
    material = json.dumps(
        [endpoint, list(parameters), version, today],
        default=str,
        separators=(",", ":"),
    )
    return CACHE_KEY_PREFIX + hashlib.sha256(material.encode()).hexdigest()


def etag_for(content: bytes, version: int) -> str:
    """A strong ETag: the hash of the body and the data version it was computed from."""
    digest = hashlib.sha256(f"{version}:".encode() + content).hexdigest()
    return f'"{digest[:40]}"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an If-None-Match header names this ETag (weak comparison, RFC 9110)."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    candidates = (tag.strip() for tag in if_none_match.split(","))
    return etag.removeprefix("W/") in (tag.removeprefix("W/") for tag in candidates)
