from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "cxm.feedback"
    label = "feedback"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from cxm.feedback.models import FeedbackSetup

        # Devices are cached with their chain's choices (cxm.devices.tokens): a change of the
        # choices (the repeat interval) reaches this process's terminals at once.
        for signal in (post_save, post_delete):
            signal.connect(_forget_devices, sender=FeedbackSetup, dispatch_uid=f"fb-{signal}")


def _forget_devices(sender, **kwargs) -> None:
    from cxm.devices.tokens import forget_devices

    forget_devices()
