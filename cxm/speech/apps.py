from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SpeechConfig(AppConfig):
    name = "cxm.speech"
    label = "speech"
    verbose_name = _("Speech")

    def ready(self) -> None:
        # The offer rate joins the correlation workbench's series (cxm.analytics).
        from cxm.speech import signals  # noqa: F401  (links after the imports it reads)
        from cxm.speech.reports import register_series

        register_series()
