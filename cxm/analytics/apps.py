from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "cxm.analytics"
    label = "analytics"
