from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "cxm.staff"
    label = "staff"
