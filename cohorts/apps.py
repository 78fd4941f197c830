from django.apps import AppConfig


class CohortsConfig(AppConfig):
    name = "cohorts"

    def ready(self) -> None:
        # Refit the customer-value model after each committed roll-up refresh
        # (sent only when settings.FIT_MODELS_ON_REFRESH).
        from ecomanalytics.rollups.hooks import rollups_refreshed

        from .value_fit import fit_after_refresh

        rollups_refreshed.connect(
            fit_after_refresh, dispatch_uid="cohorts.customer_value"
        )
