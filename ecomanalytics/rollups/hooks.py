"""What runs after the roll-ups are refreshed: the model fits of the metric apps.

The metric apps sit above the roll-ups, so the refresh cannot call them. It sends
`rollups_refreshed` once its transaction has committed and the data version is bumped;
an app that stores fitted models (customer value, forecasts) connects a receiver in its
AppConfig.ready() and refits from the fresh roll-ups and raw tables.

Receivers run only when settings.FIT_MODELS_ON_REFRESH is true (the default). The test
settings turn it off so that the hundreds of tests that refresh do not each fit every
model; a test of a fit turns it on, or calls the fit itself. `rollups_committed`
runs always: its receivers store aggregates the metrics read in place of the
roll-ups (cohorts' RFM groups), cheap next to a fit and wrong if left behind.

Keyword arguments sent: since (the first local day refreshed, None for a full
refresh), using (the database alias), progress (True when a terminal watches).
"""

from __future__ import annotations

import logging
from datetime import date

from django.conf import settings
from django.dispatch import Signal

rollups_refreshed = Signal()
# Sent after every committed refresh, whatever FIT_MODELS_ON_REFRESH: for the metric
# apps' stored aggregates that are no model fit and must follow the roll-ups (the
# RFM groups of cohorts.stored_rfm). Same keyword arguments.
rollups_committed = Signal()
logger = logging.getLogger("ecomanalytics.rollups")


def models_fit_on_refresh() -> bool:
    return bool(getattr(settings, "FIT_MODELS_ON_REFRESH", True))


def announce_refresh(*, since: date | None, using: str, progress: bool) -> None:
    """Tell the model fits. A fit that fails is logged, never raised: the refresh
    (and the import that ran it) has committed, and the metrics answer without the
    model; the previous fit stays until one succeeds."""
    signals = [rollups_committed]
    if models_fit_on_refresh():
        signals.append(rollups_refreshed)
    answers = [
        answer
        for signal in signals
        for answer in signal.send_robust(
            sender=None, since=since, using=using, progress=progress
        )
    ]
    for receiver, answer in answers:
        if isinstance(answer, Exception):
            logger.error(
                "%s failed after the refresh",
                getattr(receiver, "__qualname__", receiver),
                exc_info=answer,
            )
