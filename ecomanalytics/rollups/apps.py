from django.apps import AppConfig


class RollupsConfig(AppConfig):
    name = "ecomanalytics.rollups"
    label = "rollups"
    verbose_name = "Metric roll-ups"

    def ready(self) -> None:
        # Admin edits of the shop's data refresh the days they touch.
        from .signals import connect_refresh_signals

        connect_refresh_signals()
