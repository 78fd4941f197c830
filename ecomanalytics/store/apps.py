from django.apps import AppConfig


class StoreConfig(AppConfig):
    name = "ecomanalytics.store"
    label = "store"
    verbose_name = "Shop data"

    def ready(self) -> None:
        # Admin edits and other ORM writes invalidate cached metric responses.
        from .signals import connect_data_version_signals

        connect_data_version_signals()
