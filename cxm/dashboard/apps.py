from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "cxm.dashboard"
    label = "dashboard"
