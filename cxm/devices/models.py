"""Devices in a store — feedback terminals, consultation buttons, visitor counters — each
with its own bearer token that writes events for that one store and reads nothing."""

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from cxm.org.models import Store, hash_token

DEVICE_TOKEN_PREFIX = "cxmd_"


class DeviceKind(models.TextChoices):
    FEEDBACK_TERMINAL = "terminal", _("feedback terminal")
    CONSULTATION_BUTTON = "button", _("consultation button")
    VISITOR_COUNTER = "counter", _("visitor counter")
    OTHER = "other", _("other device")


class DeviceToken(models.Model):
    """Only the token's SHA-256 is stored; the raw value is shown once, at issue."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="device_tokens")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=DeviceKind.choices, default=DeviceKind.OTHER)
    prefix = models.CharField(max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # Silent devices (a broken terminal or counter) are found by this.
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["store", "kind"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.store.code}, {self.prefix}…)"

    @classmethod
    def issue(cls, store: Store, name: str, kind: str) -> tuple["DeviceToken", str]:
        raw = DEVICE_TOKEN_PREFIX + secrets.token_urlsafe(32)
        prefix = raw[len(DEVICE_TOKEN_PREFIX) :][:8]
        token = cls.objects.create(
            store=store, name=name, kind=kind, prefix=prefix, key_hash=hash_token(raw)
        )
        return token, raw
