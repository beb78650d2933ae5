from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmotionsConfig(AppConfig):
    name = "cxm.emotions"
    label = "emotions"
    verbose_name = _("Emotions")

    def ready(self) -> None:
        # The Smile-Index joins the correlation workbench's series (cxm.analytics).
        from cxm.emotions.reports import register_series

        register_series()
