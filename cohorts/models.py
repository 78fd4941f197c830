"""Stored customer-value fits: the fitted models and each customer's predictions.

Written by cohorts.value_fit (the fit_customer_value command, or after each roll-up
refresh), never in a request; the API reads them.
"""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from ecomanalytics.store.models import Customer


class CustomerValueFit(models.Model):
    """One fit of BG/NBD and Gamma-Gamma on every customer's history up to as_of."""

    fitted_at = models.DateTimeField()
    as_of = models.DateField()  # the history's last local day
    data_version = models.CharField(max_length=64)
    customers = models.PositiveIntegerField()  # customers with a revenue order
    repeat_buyers = models.PositiveIntegerField()  # those Gamma-Gamma was fitted on
    r = models.FloatField()
    alpha = models.FloatField()
    a = models.FloatField()
    b = models.FloatField()
    bg_nbd_log_likelihood = models.FloatField()
    p = models.FloatField()
    q = models.FloatField()
    gamma = models.FloatField()
    gamma_gamma_log_likelihood = models.FloatField()
    fit_seconds = models.FloatField()
    # The holdout check (cohorts.value_holdout): its dict, or null and the reason.
    holdout = models.JSONField(null=True)
    holdout_unavailable = models.TextField(blank=True, default="")
    # The unfiltered answer's per-cohort, per-RFM-group and P(alive) aggregates,
    # summed at fit time by the same queries a filtered request runs
    # (cohorts.stored_value.whole_shop_summary); null for fits stored before them.
    whole_shop = models.JSONField(null=True, encoder=DjangoJSONEncoder)

    class Meta:
        get_latest_by = "fitted_at"

    def __str__(self) -> str:
        return f"customer value fit of {self.fitted_at:%Y-%m-%d %H:%M}"


class CustomerValue(models.Model):
    """A customer's history summary (weeks) and the fit's 12-month predictions; other
    horizons are computed from the fit's parameters and the stored summary."""

    fit = models.ForeignKey(CustomerValueFit, on_delete=models.CASCADE)
    customer = models.ForeignKey(
        Customer, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    repeat_orders = models.PositiveIntegerField()  # x
    last_order_week = models.FloatField()  # t_x: weeks from first to last order
    age_weeks = models.FloatField()  # T: weeks from the first order to as_of
    average_order_value = models.DecimalField(max_digits=14, decimal_places=2)
    probability_alive = models.FloatField()
    expected_orders = models.FloatField()  # over the next 12 months
    predicted_revenue = models.DecimalField(max_digits=16, decimal_places=2)
    # The customer's RFM group as of the fit's as_of (cohorts.rfm_scoring).
    rfm_group = models.CharField(max_length=32, default="")

    class Meta:
        indexes = [
            models.Index(fields=["fit", "-predicted_revenue", "customer"]),
            models.Index(fields=["fit", "customer"]),
        ]

    def __str__(self) -> str:
        return f"customer {self.customer_id}: {self.predicted_revenue}"


class CohortHorizonValue(models.Model):
    """A fit's totals for one first-order cohort over the next `months` months (1..36),
    computed at fit time (cohorts.value_horizons) for every customer of the cohort."""

    fit = models.ForeignKey(CustomerValueFit, on_delete=models.CASCADE)
    cohort = models.DateField()  # the first of the month
    months = models.PositiveSmallIntegerField()
    customers = models.PositiveIntegerField()
    mean_probability_alive = models.FloatField()
    expected_orders = models.FloatField()  # Σ over the cohort
    predicted_revenue = models.DecimalField(max_digits=18, decimal_places=2)  # Σ

    class Meta:
        indexes = [models.Index(fields=["fit", "months", "cohort"])]

    def __str__(self) -> str:
        return f"{self.cohort:%Y-%m} over {self.months} months"


class TopCustomerHorizon(models.Model):
    """One of a fit's top customers by predicted revenue over `months` months."""

    fit = models.ForeignKey(CustomerValueFit, on_delete=models.CASCADE)
    months = models.PositiveSmallIntegerField()
    rank = models.PositiveSmallIntegerField()  # 1 = the highest
    customer = models.ForeignKey(
        Customer, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    probability_alive = models.FloatField()
    expected_orders = models.FloatField()
    predicted_revenue = models.DecimalField(max_digits=16, decimal_places=2)

    class Meta:
        indexes = [models.Index(fields=["fit", "months", "rank"])]

    def __str__(self) -> str:
        return f"#{self.rank} over {self.months} months: customer {self.customer_id}"
