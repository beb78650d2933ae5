from django.apps import AppConfig


class DevicesConfig(AppConfig):
    name = "cxm.devices"
    label = "devices"
    verbose_name = "Devices"
