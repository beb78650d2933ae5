from django.apps import AppConfig


class DevicesConfig(AppConfig):
    name = "cxm.devices"
    label = "devices"
    verbose_name = "Devices"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from cxm.devices.models import DeviceToken
        from cxm.org.models import Chain, Store

        # A revoked or deleted token, a changed store or chain: not from the cache any more.
        for signal in (post_save, post_delete):
            signal.connect(_forget_device, sender=DeviceToken, dispatch_uid=f"devices-{signal}")
            for model in (Store, Chain):
                signal.connect(
                    _forget_devices, sender=model, dispatch_uid=f"devices-{model}-{signal}"
                )


def _forget_device(sender, instance, **kwargs) -> None:
    from cxm.devices.tokens import forget_devices

    forget_devices(instance.key_hash)


def _forget_devices(sender, **kwargs) -> None:
    from cxm.devices.tokens import forget_devices

    forget_devices()
