"""What the trust app keeps: the audit log of administrative changes, and recent failed logins
and requests to the public endpoints (by keyed hash only — neither the user name, the device
token nor the IP address is stored in clear)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cxm.org.models import Chain


class AuditAction(models.TextChoices):
    CREATE = "create", _("created")
    UPDATE = "update", _("changed")
    DELETE = "delete", _("deleted")


class AuditEntry(models.Model):
    """One change of an audited object: who, when, what (changed fields before → after)."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept as text too: the log must still say who after the user is deleted.
    actor_name = models.CharField(max_length=150, blank=True)
    # No database constraint: the log outlives a deleted chain (and is written while the
    # chain's own rows are being deleted).
    chain = models.ForeignKey(
        Chain, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False
    )
    action = models.CharField(max_length=10, choices=AuditAction.choices)
    model = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200)
    changes = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["chain", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name or '-'} {self.action} {self.model}"


class LoginFailure(models.Model):
    """A failed login, counted against the keyed hash of the user name and of the IP."""

    key = models.CharField(max_length=64, db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.key[:8]}… {self.at:%Y-%m-%d %H:%M}"


class RateCount(models.Model):
    """Requests of one client to one group of public endpoints in one window (fixed windows,
    cxm/trust/throttle.py). The client is a keyed hash of its device token or IP address."""

    key = models.CharField(max_length=64)
    # The window's end, in seconds since the epoch: rows past it are forgotten.
    until = models.BigIntegerField(db_index=True)
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "until"], name="rate_count_unique_window")
        ]

    def __str__(self) -> str:
        return f"{self.key[:8]}… {self.hits} until {self.until}"
