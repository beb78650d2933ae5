from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "cxm.sales"
    label = "sales"
