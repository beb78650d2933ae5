"""The chain's replicators at a glance: who reported when, which version, how far behind."""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cxm.replication.models import Replicator
from cxm.replication.services import SILENCE


@admin.register(Replicator)
class ReplicatorAdmin(admin.ModelAdmin):
    list_display = [
        "reported_by",
        "chain",
        "provider",
        "version",
        "last_heartbeat",
        "silent",
        "lag",
        "errors",
        "outbox_pending",
    ]
    list_filter = ["chain", "provider", "version"]
    readonly_fields = [f.name for f in Replicator._meta.fields]
    ordering = ["-last_heartbeat"]

    def has_add_permission(self, request) -> bool:
        return False  # replicators appear by reporting; nobody types them in

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(boolean=True, description=_("silent"))
    def silent(self, obj: Replicator) -> bool:
        return obj.last_heartbeat < timezone.now() - SILENCE

    @admin.display(description=_("lag"), ordering="lag_seconds")
    def lag(self, obj: Replicator) -> str:
        if obj.lag_seconds is None:
            return "—"
        minutes = obj.lag_seconds // 60
        return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"
