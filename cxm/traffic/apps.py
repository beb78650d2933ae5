from django.apps import AppConfig


class TrafficConfig(AppConfig):
    name = "cxm.traffic"
    label = "traffic"
