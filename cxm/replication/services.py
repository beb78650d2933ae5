"""Recording heartbeats and finding replicators that went silent."""

from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from cxm.org.models import Chain, Register
from cxm.replication.models import Replicator

# A replicator polls every minute by default; this long without a word is an incident.
SILENCE = timedelta(minutes=30)


def record_heartbeat(chain: Chain, reporter: str, beat: dict) -> Replicator:
    """Store a replicator's heartbeat. Only counters travel here, never credentials.
    Registers of other chains are dropped: a replicator reports on its chain only."""
    own = set(Register.objects.filter(store__chain=chain).values_list("kkt_reg_id", flat=True))
    registers = [r for r in beat["registers"] if r["kkt_reg_id"] in own]
    lags = [r["lag_seconds"] for r in registers if r.get("lag_seconds") is not None]
    replicator, _ = Replicator.objects.update_or_create(
        instance=beat["replicator_id"],
        chain=chain,
        defaults={
            "reported_by": reporter,
            "version": beat["version"],
            "provider": beat["provider"],
            "last_heartbeat": timezone.now(),
            "lag_seconds": max(lags) if lags else None,
            "errors": sum(r.get("errors") or 0 for r in registers),
            "outbox_pending": beat["outbox_pending"],
            "registers": registers,
        },
    )
    return replicator


def silent_replicators(now=None, silence: timedelta = SILENCE) -> QuerySet[Replicator]:
    """Replicators whose last heartbeat is older than `silence`: the event organizer turns
    each into an incident."""
    return Replicator.objects.filter(last_heartbeat__lt=(now or timezone.now()) - silence)
