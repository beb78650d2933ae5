from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "cxm.api"
    label = "api"
