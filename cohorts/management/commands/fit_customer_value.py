"""manage.py fit_customer_value: fit BG/NBD + Gamma-Gamma and store the predictions."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand

from cohorts.value_fit import fit_customer_value


class Command(BaseCommand):
    help = (
        "Fit the customer-value model on every customer's history (from the "
        "roll-ups) and store each customer's P(alive) and 12-month prediction."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        fit = fit_customer_value(progress=sys.stderr.isatty())
        if fit is None:
            self.stdout.write(
                "Nothing fitted: the model needs customers with a repeat order in "
                "the roll-ups (refresh them first), and the stored fit is kept."
            )
            return
        self.stdout.write(
            f"Fitted {fit.customers:,} customers as of {fit.as_of} in "
            f"{fit.fit_seconds:.1f} s: r={fit.r:.3f} alpha={fit.alpha:.3f} "
            f"a={fit.a:.3f} b={fit.b:.3f}; p={fit.p:.3f} q={fit.q:.3f} "
            f"gamma={fit.gamma:.3f}"
        )
        holdout = fit.holdout
        self.stdout.write(
            f"Holdout check: {holdout['predicted_orders']:,.1f} repeat orders "
            f"predicted, {holdout['actual_orders']:,} placed, in the "
            f"{holdout['holdout_weeks']} weeks after {holdout['calibration_end']}."
            if holdout
            else f"No holdout check: {fit.holdout_unavailable}"
        )
