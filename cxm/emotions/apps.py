from django.apps import AppConfig


class EmotionsConfig(AppConfig):
    name = "cxm.emotions"
    label = "emotions"

    def ready(self) -> None:
        # The Smile-Index joins the correlation workbench's series (cxm.analytics).
        from cxm.emotions.reports import register_series

        register_series()
