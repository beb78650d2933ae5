from django.apps import AppConfig


class TrustConfig(AppConfig):
    name = "cxm.trust"
    label = "trust"
    verbose_name = "Trust: audit, login throttling, health, backups"

    def ready(self) -> None:
        from cxm.trust import audit, throttle

        audit.connect()
        throttle.connect()
