from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "cxm.imports"
    label = "imports"
