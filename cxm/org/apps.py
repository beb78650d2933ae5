from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "cxm.org"
    label = "org"
    verbose_name = "Organisation"
