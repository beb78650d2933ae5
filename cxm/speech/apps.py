from django.apps import AppConfig


class SpeechConfig(AppConfig):
    name = "cxm.speech"
    label = "speech"

    def ready(self) -> None:
        # The offer rate joins the correlation workbench's series (cxm.analytics).
        from cxm.speech.reports import register_series

        register_series()
