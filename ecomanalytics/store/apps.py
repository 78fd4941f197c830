from django.apps import AppConfig


class StoreConfig(AppConfig):
    name = "ecomanalytics.store"
    label = "store"
    verbose_name = "Shop data"
