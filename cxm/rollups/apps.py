from django.apps import AppConfig


class RollupsConfig(AppConfig):
    name = "cxm.rollups"
    label = "rollups"

    def ready(self) -> None:
        from cxm.rollups import (
            lookups,
            signals,  # noqa: F401  (connects the seller-deletion handlers)
        )

        lookups.register()
