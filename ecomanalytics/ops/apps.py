from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "ecomanalytics.ops"
    label = "ops"
    verbose_name = "Operations"
