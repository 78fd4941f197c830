from django.apps import AppConfig


class CohortsConfig(AppConfig):
    name = "cohorts"

    def ready(self) -> None:
        # Refit the customer-value model after each committed roll-up refresh
        # (sent only when settings.FIT_MODELS_ON_REFRESH).
        from ecomanalytics.rollups.hooks import rollups_committed, rollups_refreshed

        from .stored_customer_types import (
            store_after_refresh as store_customer_types,
        )
        from .stored_ltv import store_after_refresh as store_cohort_sales
        from .stored_rfm import store_after_refresh
        from .value_fit import fit_after_refresh

        # Store the RFM groups after every committed refresh, fits or not.
        rollups_committed.connect(store_after_refresh, dispatch_uid="cohorts.rfm")
        rollups_committed.connect(
            store_cohort_sales, dispatch_uid="cohorts.cohort_sales"
        )
        rollups_committed.connect(
            store_customer_types, dispatch_uid="cohorts.customer_types"
        )

        rollups_refreshed.connect(
            fit_after_refresh, dispatch_uid="cohorts.customer_value"
        )
