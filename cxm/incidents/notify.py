"""Who is told what: an alert for each new or escalated incident to the subscribers whose
scope holds its store; digests. Every message is a Delivery, sent by the worker one at a
time, so a slow or broken channel delays nothing but itself."""

import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cxm.incidents.channels import ChannelError, sender
from cxm.incidents.models import Attempt, Delivery, Incident, Subscription
from cxm.org.scope import scope_for

RECEIVING_ROLES = ("chain_admin", "regional_manager", "store_manager", "analyst")


def subscribers(store_id: int, flag: str) -> list[Subscription]:
    """Active subscriptions with `flag` on whose user may see the store."""
    found = []
    for sub in Subscription.objects.filter(active=True, **{flag: True}).select_related("user"):
        scope = scope_for(sub.user)
        if scope.role in RECEIVING_ROLES and store_id in scope.store_ids:
            found.append(sub)
    return found


def incident_text(incident: Incident) -> str:
    lines = [
        f"{incident.store.code} {incident.store.name}",
        incident.title,
        incident.detail,
        _("Deadline: %(due)s") % {"due": f"{timezone.localtime(incident.due_at):%Y-%m-%d %H:%M}"},
        _("Owner: %(owner)s") % {"owner": incident.owner or "—"},
    ]
    if incident.contact:
        # Messages travel and are kept: the contact stays on the incident's page (docs/security.md).
        lines.append(_("The customer left a contact: it is on the incident's page."))
    return "\n".join(line for line in lines if line)


def alert(incident: Incident, headline: str) -> list[Delivery]:
    """Queue an alert about the incident to everyone subscribed to its store."""
    subject = f"CXM · {headline} #{incident.pk}: {incident.title}"[:300]
    key = f"alert:{incident.pk}:{incident.escalated}"
    made = [
        queue(sub, Delivery.Kind.ALERT, key, subject, incident_text(incident), incident)
        for sub in subscribers(incident.store_id, "alerts")
    ]
    return [d for d in made if d is not None]


def queue(
    sub: Subscription,
    kind: str,
    key: str,
    subject: str,
    body: str,
    incident: Incident | None = None,
) -> Delivery | None:
    """A delivery, once per subscription and key (re-running a digest sends nothing twice);
    the worker picks it up after the surrounding transaction commits."""
    try:
        with transaction.atomic():
            delivery = Delivery.objects.create(
                subscription=sub,
                kind=kind,
                key=key,
                subject=subject,
                body=body,
                incident=incident,
            )
    except IntegrityError:
        return None
    from cxm.incidents.tasks import deliver

    transaction.on_commit(lambda: deliver.enqueue(delivery.pk))
    return delivery


def backoff(attempt: int) -> timedelta:
    """The wait before retry number `attempt` (1, 2, …): doubling from the base."""
    return timedelta(seconds=settings.CXM_NOTIFY_BACKOFF_SECONDS * 2 ** (attempt - 1))


def attempt(delivery: Delivery, now: datetime | None = None) -> datetime | None:
    """Try the delivery once and record it. Returns when to try again, or None when it was
    sent or has used up its attempts."""
    sub = delivery.subscription
    started = time.monotonic()
    error = ""
    try:
        sender(sub.channel)(sub.address, delivery.subject, delivery.body)
    except ChannelError as exc:
        error = str(exc)
    now = now or timezone.now()
    Attempt.objects.create(
        delivery=delivery,
        at=now,
        ok=not error,
        error=error[:500],
        seconds=time.monotonic() - started,
    )
    delivery.attempts += 1
    retry_at = None
    if not error:
        delivery.state, delivery.sent_at = Delivery.State.SENT, now
    elif delivery.attempts >= settings.CXM_NOTIFY_MAX_ATTEMPTS:
        delivery.state = Delivery.State.FAILED
    else:
        retry_at = now + backoff(delivery.attempts)
    delivery.next_attempt_at = retry_at
    delivery.save(update_fields=["state", "sent_at", "attempts", "next_attempt_at"])
    return retry_at
