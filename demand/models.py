"""Stored forecasts: fitted at the end of a roll-up refresh, read by the requests.

One row per series: scope (the shop, a category, a product, or the shop under one
filter: source, device or country, keyed by its value) x metric (revenue,
units) x grain (month, week). A row keeps everything the forecast endpoint answers
(model, backtest scores, history, points with their intervals), the fingerprint of
the history it was fitted on (a refresh refits only the series whose history
changed) and the data version it was fitted at.
"""

from django.db import models


class StoredForecast(models.Model):
    # shop, category, product; source, device, country: the shop under that filter
    scope = models.CharField(max_length=8)
    key = models.CharField(max_length=128, blank=True)  # category name, sku; "" shop
    metric = models.CharField(max_length=8)  # revenue, units
    grain = models.CharField(max_length=5)  # month, week
    # The product's place among the top products by revenue at the fit (0: none).
    rank = models.PositiveSmallIntegerField(default=0)
    model = models.CharField(max_length=16)
    # [{"model", "one_step": {mase, smape, coverage_80, coverage_95, mae},
    #   "at_horizon": {...}}], the chosen model first.
    scores = models.JSONField(default=list)
    history_start = models.DateField(null=True)  # the first period of history
    history = models.JSONField(default=list)  # the values, one per period
    caveat = models.TextField(blank=True)
    # [{"step", "mean", "lower_80", "upper_80", "lower_95", "upper_95"}]
    points = models.JSONField(default=list)
    revenue_measure = models.CharField(max_length=16)
    history_fingerprint = models.CharField(max_length=64)
    data_version = models.BigIntegerField()
    fitted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "key", "metric", "grain"],
                name="demand_stored_forecast_series",
            )
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key} {self.metric}/{self.grain} ({self.model})"
