from django.apps import AppConfig


class DemandConfig(AppConfig):
    name = "demand"

    def ready(self) -> None:
        # Stored forecasts are refit after each committed roll-up refresh. The
        # receiver's module imports statsforecast only when it fits.
        from ecomanalytics.rollups.hooks import rollups_refreshed

        from .stored_forecasts import refit_after_refresh

        rollups_refreshed.connect(
            refit_after_refresh, dispatch_uid="demand.stored_forecasts"
        )
