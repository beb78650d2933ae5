from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "cxm.incidents"
    label = "incidents"
    verbose_name = "Event organizer"

    def ready(self) -> None:
        from cxm.incidents import signals  # noqa: F401  (connects the after-import hook)
