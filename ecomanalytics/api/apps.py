from django.apps import AppConfig


class MetricsApiConfig(AppConfig):
    """Installed for its management command (write_metric_docs); it has no models."""

    name = "ecomanalytics.api"
    label = "metrics_api"
