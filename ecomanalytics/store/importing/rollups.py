"""Telling the roll-ups about an import, once it has committed.

The importers write with bulk SQL, which sends no model signals, so the roll-ups'
own refresh-on-save does not run: the importers send store.loads.rows_loaded once
the import has committed, from the first local day it touched.

The refresh runs after the commit, and a large one takes minutes. Before it starts,
the import says what it committed (to the command's output, or the log), so an
import stopped during the refresh (Ctrl-C, kill -9, a deploy) leaves no doubt: its
rows are in, and the next refresh, whatever starts it, rebuilds their days too
(rollups.state.unrolled_since).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction

from ..loads import rows_loaded, rows_loading

logger = logging.getLogger("ecomanalytics.import")


@dataclass
class CommitNotice:
    """Where an import says it committed, and whether it has."""

    write: Callable[[str], None]
    committed: bool = False


_notice: ContextVar[CommitNotice | None] = ContextVar("import_notice", default=None)


@contextmanager
def commit_notices(write: Callable[[str], None]) -> Iterator[CommitNotice]:
    """Send the "committed" line of the imports run inside to `write`."""
    notice = CommitNotice(write)
    token = _notice.set(notice)
    try:
        yield notice
    finally:
        _notice.reset(token)


def committed_line(counts: Mapping[str, int]) -> str:
    done = ", ".join(
        f"{name.replace('_', ' ')} {value:,}" for name, value in counts.items() if value
    )
    line = f"Committed ({done or 'no changes'})."
    if not settings.ROLLUPS_ENABLED:
        return line
    return (
        f"{line} Refreshing the roll-ups: if this is interrupted, the imported rows "
        "stay, and the next refresh (manage.py refresh_rollups, or the next import) "
        "catches up."
    )


def refresh_rollups_after_commit(
    since: datetime | None,
    *,
    everything: bool,
    counts: Mapping[str, int] | None = None,
) -> None:
    """After commit: announce the load from since's local day (all when everything).

    counts (the import's, read at commit time) go into the line said before the
    refresh starts.
    """
    if since is None and not everything:
        return

    def announce() -> None:
        line = committed_line(counts or {})
        notice = _notice.get()
        if notice is None:
            logger.info(line)
        else:
            notice.committed = True
            notice.write(line)
        rows_loaded.send(
            sender=refresh_rollups_after_commit,
            using="default",
            since=None if everything else since,
            build=False,
        )

    # Still inside the import's transaction: whatever the roll-ups note now commits
    # with the imported rows.
    rows_loading.send(sender=refresh_rollups_after_commit, using="default")
    transaction.on_commit(announce)
