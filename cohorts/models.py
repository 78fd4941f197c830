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


class LevelSnapshot(models.Model):
    """What a refresh stores for no filter and each single filter value
    (cohorts.snapshots); it answers while the roll-ups are those of
    rollups_refreshed_at."""

    computed_at = models.DateTimeField()
    rollups_refreshed_at = models.DateTimeField()  # RollupState.refreshed_at
    levels = models.PositiveIntegerField()  # the filter values stored, + 1
    seconds = models.FloatField()

    class Meta:
        abstract = True


class RfmSnapshot(LevelSnapshot):
    """RFM groups as of the data's last day, computed after a roll-up refresh
    (cohorts.stored_rfm) for the whole shop and each single filter value."""

    as_of = models.DateField()

    def __str__(self) -> str:
        return f"RFM as of {self.as_of}"


class RfmGroupFigures(models.Model):
    """One RFM group at one level (no filter: dimension and value blank; else one
    filter = value): rfm_scoring.group_stats's row, or the prospects' count."""

    snapshot = models.ForeignKey(RfmSnapshot, on_delete=models.CASCADE)
    dimension = models.CharField(max_length=16, blank=True)  # a filter's name
    value = models.CharField(max_length=128, blank=True)
    group = models.CharField(max_length=32)
    customers = models.PositiveIntegerField()
    revenue = models.DecimalField(max_digits=18, decimal_places=2)
    # Null for the prospects.
    median_last_day = models.DateField(null=True)
    median_frequency = models.PositiveIntegerField(null=True)
    median_monetary = models.DecimalField(max_digits=16, decimal_places=2, null=True)

    class Meta:
        indexes = [models.Index(fields=["snapshot", "dimension", "value"])]

    def __str__(self) -> str:
        return f"{self.dimension}={self.value} {self.group}: {self.customers}"


class RfmGridCount(models.Model):
    """Customers in one (R score, FM score) cell at one level (as RfmGroupFigures)."""

    snapshot = models.ForeignKey(RfmSnapshot, on_delete=models.CASCADE)
    dimension = models.CharField(max_length=16, blank=True)
    value = models.CharField(max_length=128, blank=True)
    r_score = models.PositiveSmallIntegerField()
    fm_score = models.PositiveSmallIntegerField()
    customers = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["snapshot", "dimension", "value"])]

    def __str__(self) -> str:
        return f"{self.dimension}={self.value} R{self.r_score} FM{self.fm_score}"


class RfmCustomerScore(models.Model):
    """One customer's R, F, M and scores at one level of a snapshot (as
    RfmGroupFigures): the RFM customer list pages through these rows instead of
    scoring every customer, and the level's group figures and grid are summed from
    them. A customer is at most once per level, so a dimension holds each customer
    once (category: once per category of the acquisition)."""

    snapshot = models.ForeignKey(RfmSnapshot, on_delete=models.CASCADE)
    dimension = models.CharField(max_length=16, blank=True)
    value = models.CharField(max_length=128, blank=True)
    customer_id = models.BigIntegerField()  # store.Customer's pk, as the summary
    last_day = models.DateField()
    frequency = models.PositiveIntegerField()
    monetary = models.DecimalField(max_digits=16, decimal_places=2)
    r_score = models.PositiveSmallIntegerField()
    f_score = models.PositiveSmallIntegerField()
    m_score = models.PositiveSmallIntegerField()
    fm_score = models.PositiveSmallIntegerField()
    rfm_group = models.CharField(max_length=32)

    class Meta:
        # One per sort column, with and without a group: a page is an index range.
        indexes = [
            models.Index(
                fields=[*level, column, "customer_id"],
                name=f"rfm_score_{'group_' if level[3:] else ''}{column}",
            )
            for level in (
                ("snapshot", "dimension", "value"),
                ("snapshot", "dimension", "value", "rfm_group"),
            )
            for column in ("last_day", "frequency", "monetary")
        ]

    def __str__(self) -> str:
        return f"customer {self.customer_id}: {self.rfm_group}"


class CustomerValueLevel(models.Model):
    """A fit's per-cohort, per-RFM-group and P(alive) aggregates for one filter value
    (source, device, country or category of the acquisition), as whole_shop holds
    them for no filter: summed at fit time over the customers a filtered request
    keeps (cohorts.value_levels)."""

    fit = models.ForeignKey(CustomerValueFit, on_delete=models.CASCADE)
    dimension = models.CharField(max_length=16)  # a filter's name
    value = models.CharField(max_length=128)
    summary = models.JSONField(encoder=DjangoJSONEncoder)

    class Meta:
        indexes = [models.Index(fields=["fit", "dimension", "value"])]

    def __str__(self) -> str:
        return f"{self.dimension}={self.value}"


class SalesTermsCell(models.Model):
    """A stored cell's sales terms (ecomanalytics.money.SALES_TERMS), summed."""

    gross_sales = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    discounts = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    returns = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    shipping = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    taxes = models.DecimalField(max_digits=18, decimal_places=2, default=0)

    class Meta:
        abstract = True


class CohortSalesSnapshot(LevelSnapshot):
    """The lifetime-value inputs (cohort sizes and each cohort's sales per month) of
    no filter and each single filter value, stored after a roll-up refresh
    (cohorts.stored_ltv)."""

    def __str__(self) -> str:
        return f"cohort sales of {self.rollups_refreshed_at}"


class CohortSalesCell(SalesTermsCell):
    """One level's cohort: its size (month NULL) or its sales terms in one month."""

    snapshot = models.ForeignKey(CohortSalesSnapshot, on_delete=models.CASCADE)
    dimension = models.CharField(max_length=16, blank=True)  # blank: no filter
    value = models.CharField(max_length=128, blank=True)
    cohort = models.DateField()  # the first-order month's first day
    month = models.DateField(null=True)
    customers = models.PositiveIntegerField(null=True)  # size rows only

    class Meta:
        indexes = [models.Index(fields=["snapshot", "dimension", "value"])]

    def __str__(self) -> str:
        return f"{self.dimension}={self.value} {self.cohort} {self.month}"


class CustomerTypeSnapshot(LevelSnapshot):
    """New vs returning per day, week and month, and the window's returning customer
    rate, of no filter and each single filter value over all the CustomerDay rows,
    stored after a roll-up refresh (cohorts.stored_customer_types)."""

    # The CustomerDay rows' first and last day (NULL without any): a bucket whose
    # rows all lie in a request's window is answered from its stored cell.
    first_day = models.DateField(null=True)
    last_day = models.DateField(null=True)

    def __str__(self) -> str:
        return f"new vs returning of {self.rollups_refreshed_at}"


class CustomerTypeCell(SalesTermsCell):
    """One level's customer type in one bucket (rollup.customer_type_totals's row
    over the whole data), or with granularity blank the level's returning counts
    over the whole data (rollup.returning_counts: customers, repeat_customers)."""

    snapshot = models.ForeignKey(CustomerTypeSnapshot, on_delete=models.CASCADE)
    dimension = models.CharField(max_length=16, blank=True)  # blank: no filter
    value = models.CharField(max_length=128, blank=True)
    granularity = models.CharField(max_length=5, blank=True)  # day, week, month
    bucket = models.DateField(null=True)  # the bucket's first day
    new = models.BooleanField(default=False)
    customers = models.PositiveIntegerField()
    repeat_customers = models.PositiveIntegerField(null=True)  # returning counts only
    orders = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["snapshot", "dimension", "value", "granularity"])
        ]

    def __str__(self) -> str:
        return f"{self.dimension}={self.value} {self.granularity} {self.bucket}"
