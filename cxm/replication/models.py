"""The on-premises OFD replicators as CXM sees them: the last heartbeat of each, its version
and how far behind the OFD it is. The replicator itself lives in replicator/ (no Django)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cxm.org.models import Chain


class Replicator(models.Model):
    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="replicators")
    # The id the replicator chose at `init`: one row per installation, whatever its token.
    # Unique within a chain only, so that no chain can take over another's row.
    instance = models.CharField(_("instance id"), max_length=64)
    reported_by = models.CharField(_("token user"), max_length=150)
    version = models.CharField(max_length=40)
    provider = models.CharField(max_length=40)
    last_heartbeat = models.DateTimeField(_("last heartbeat"))
    lag_seconds = models.PositiveIntegerField(_("lag, s"), null=True, blank=True)
    errors = models.PositiveIntegerField(default=0)
    outbox_pending = models.PositiveIntegerField(_("waiting in outbox"), default=0)
    registers = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["chain", "instance"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "instance"], name="replicator_unique_instance")
        ]

    def __str__(self) -> str:
        return f"{self.reported_by} ({self.instance[:8]})"
