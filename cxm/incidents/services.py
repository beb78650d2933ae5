"""State changes of incidents, each through a named function that pages, the API, the worker
and tests share: open or join, comment, move along the status flow, escalate, recover."""

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cxm.incidents.models import OPEN_STATUSES, Event, Incident, Outcome, Rule, Status
from cxm.incidents.notify import alert
from cxm.incidents.rules import DETECTORS, Signal, ensure_default_rules
from cxm.org.models import Chain, Membership, Role, Store
from cxm.org.scope import scope_for

# Who may act on incidents in their scope; analysts read, sellers and replicators see none.
ACTORS = (Role.CHAIN_ADMIN, Role.REGIONAL_MANAGER, Role.STORE_MANAGER)
READERS = (*ACTORS, Role.ANALYST)
# Moves each status allows; dismissing needs a reason, verifying a regional manager or admin.
FLOW: dict[str, tuple[str, ...]] = {
    Status.NEW: (Status.IN_PROGRESS, Status.RESOLVED, Status.DISMISSED),
    Status.IN_PROGRESS: (Status.RESOLVED, Status.DISMISSED),
    Status.RESOLVED: (Status.VERIFIED, Status.IN_PROGRESS),
    Status.VERIFIED: (),
    Status.DISMISSED: (Status.IN_PROGRESS,),
}
VERIFIERS = (Role.CHAIN_ADMIN, Role.REGIONAL_MANAGER)


def visible_incidents(user) -> QuerySet[Incident]:
    """The one place that decides which incidents a user sees: those of their stores, for
    the roles that work with incidents."""
    return Incident.objects.filter(store_id__in=visible_store_ids(user))


def visible_store_ids(user) -> frozenset[int]:
    """The stores whose incidents the user sees (none for sellers and replicators)."""
    scope = scope_for(user)
    return scope.store_ids if scope.role in READERS else frozenset()


def require_actor(user, incident: Incident) -> None:
    scope = scope_for(user)
    if scope.role not in ACTORS or incident.store_id not in scope.store_ids:
        raise PermissionDenied("this incident is outside what you may edit")


def store_manager(store: Store):
    membership = (
        Membership.objects.filter(role=Role.STORE_MANAGER, store=store)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return membership.user if membership else None


def regional_manager(store: Store):
    membership = (
        Membership.objects.filter(role=Role.REGIONAL_MANAGER, region_id=store.region_id)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return membership.user if membership else None


def _log(incident: Incident, kind: str, at: datetime, text: str = "", author=None) -> None:
    Event.objects.create(incident=incident, kind=kind, at=at, text=text, author=author)


@transaction.atomic
def open_or_join(rule: Rule, signal: Signal, now: datetime) -> tuple[Incident, bool]:
    """A signal opens an incident owned by the store's manager, or joins the open incident of
    the same store and key. Returns the incident and whether it is new."""
    incident = (
        Incident.objects.open()
        .filter(store_id=signal.store_id, rule=rule, key=signal.key)
        .select_for_update()
        .first()
    )
    if incident is not None:
        incident.signals += 1
        incident.last_signal_at = max(incident.last_signal_at, signal.at)
        incident.contact = incident.contact or signal.contact
        incident.save(update_fields=["signals", "last_signal_at", "contact"])
        if signal.detail:
            _log(incident, Event.Kind.SIGNAL, now, signal.detail)
        return incident, False
    store = Store.objects.get(pk=signal.store_id)
    incident = Incident.objects.create(
        chain_id=rule.chain_id,
        store=store,
        rule=rule,
        key=signal.key,
        title=signal.title,
        detail=signal.detail,
        contact=signal.contact,
        owner=store_manager(store) or regional_manager(store),
        opened_at=now,
        due_at=now + timedelta(hours=rule.sla_hours),
        last_signal_at=signal.at,
    )
    _log(incident, Event.Kind.OPENED, now, signal.title)
    alert(incident, _("New incident"))
    return incident, True


def _recover(rule: Rule, firing: set[tuple[int, str]], now: datetime) -> int:
    """Close the rule's open incidents whose signal no longer fires (the metric recovered)."""
    recovered = 0
    for incident in Incident.objects.open().filter(rule=rule):
        if (incident.store_id, incident.key) in firing:
            continue
        incident.status, incident.closed_at = Status.RESOLVED, now
        incident.save(update_fields=["status", "closed_at"])
        _log(incident, Event.Kind.RECOVERED, now, _("The metric recovered."))
        recovered += 1
    return recovered


def evaluate_chain(chain: Chain, now: datetime | None = None) -> dict[str, int]:
    """Run every enabled rule of the chain once; then escalate what is overdue."""
    now = now or timezone.now()
    tally = {"opened": 0, "joined": 0, "recovered": 0}
    for rule in ensure_default_rules(chain):
        if not rule.enabled:
            continue
        with transaction.atomic():
            findings = DETECTORS[rule.kind](rule, now)
            for signal in findings.signals:
                _incident, new = open_or_join(rule, signal, now)
                tally["opened" if new else "joined"] += 1
            if rule.auto_close and findings.firing is not None:
                tally["recovered"] += _recover(rule, findings.firing, now)
    tally["escalated"] = escalate_overdue(chain, now)
    _assign_unowned(chain)
    return tally


def _assign_unowned(chain: Chain) -> None:
    """A manager appointed after an incident opened takes over the ones nobody owns."""
    for incident in Incident.objects.open().filter(chain=chain, owner=None).select_related("store"):
        owner = (
            regional_manager(incident.store)
            if incident.escalated
            else store_manager(incident.store) or regional_manager(incident.store)
        )
        if owner is not None:
            Incident.objects.filter(pk=incident.pk).update(owner=owner)


def escalate_overdue(chain: Chain, now: datetime | None = None) -> int:
    """Open incidents past their deadline go to the regional manager, once."""
    now = now or timezone.now()
    escalated = 0
    overdue = Incident.objects.open().filter(chain=chain, due_at__lt=now, escalated=False)
    for incident in overdue.select_related("store"):
        with transaction.atomic():
            incident.escalated = True
            incident.owner = regional_manager(incident.store) or incident.owner
            incident.save(update_fields=["escalated", "owner"])
            _log(incident, Event.Kind.ESCALATED, now, str(incident.owner or ""))
            alert(incident, _("Overdue incident escalated"))
        escalated += 1
    return escalated


def add_comment(incident: Incident, user, text: str) -> Event:
    require_actor(user, incident)
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write a comment.")})
    event = Event.objects.create(
        incident=incident, kind=Event.Kind.COMMENT, at=timezone.now(), author=user, text=text
    )
    return event


def change_status(
    incident: Incident, user, status: str, *, reason: str = "", outcome: str = ""
) -> Incident:
    """Move an incident along new → in progress → resolved → verified (or dismissed with a
    reason), recording the call-back outcome when given."""
    require_actor(user, incident)
    if status not in FLOW.get(incident.status, ()):
        raise ValidationError(
            {"status": _("%(old)s cannot become %(new)s") % {"old": incident.status, "new": status}}
        )
    if status == Status.DISMISSED and not reason.strip():
        raise ValidationError({"reason": _("Say why the incident is dismissed.")})
    if status == Status.VERIFIED and scope_for(user).role not in VERIFIERS:
        raise PermissionDenied("a regional manager or the chain admin verifies")
    if outcome and outcome not in Outcome.values:
        raise ValidationError({"outcome": _("Unknown outcome %(o)s") % {"o": outcome}})
    now = timezone.now()
    incident.status = status
    incident.dismiss_reason = reason.strip() if status == Status.DISMISSED else ""
    incident.outcome = outcome or incident.outcome
    incident.closed_at = None if status in OPEN_STATUSES else (incident.closed_at or now)
    incident.save(update_fields=["status", "dismiss_reason", "outcome", "closed_at"])
    text = " · ".join(t for t in (status, reason.strip(), outcome) if t)
    _log(incident, Event.Kind.STATUS, now, text, user)
    return incident
