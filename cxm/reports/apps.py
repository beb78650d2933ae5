from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "cxm.reports"
    label = "reports"
