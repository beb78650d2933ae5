"""Customers' personal data (152-ФЗ, GDPR). A contact is kept only with consent (the survey
import refuses one without), and then:

- shown in full only to the people who handle the incident it belongs to — the managers who
  may act on it (its store's manager, the region's manager, the chain admin), on the incident's
  own page and API record — and masked everywhere else: lists, exports, alerts, the admin;
- exported for one customer on request, and erased on request (the answer stays, anonymous);
- forgotten CXM_CONTACT_RETENTION_DAYS after the customer's answer (the worker's periodic
  tick, or `cxm forget_contacts`), each run written to the audit log.

Answers without a contact are anonymous: nothing ties them to a person (no IP address, no
cookie identity — the survey's cooldown cookie says only "answered").
"""

import hashlib
import hmac
import re
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from cxm.feedback.models import SurveyResponse
from cxm.incidents.models import Delivery, Incident
from cxm.org.models import Role
from cxm.org.scope import scope_for
from cxm.trust.models import AuditAction, AuditEntry

# Who handles incidents in their scope (cxm/incidents/services.ACTORS): they see the contact.
HANDLERS = (Role.CHAIN_ADMIN, Role.REGIONAL_MANAGER, Role.STORE_MANAGER)
ERASED = "(erased)"


def normalised(contact: str) -> str:
    """Phones compare by digits (+7 and a leading 8 are the same), e-mails case-blind."""
    digits = re.sub(r"\D", "", contact)
    if "@" in contact or len(digits) < 7:
        return contact.strip().casefold()
    return "7" + digits[1:] if len(digits) == 11 and digits[0] == "8" else digits


def contact_key(contact: str) -> str:
    """A keyed hash of the contact, for joining one customer's complaints into one incident
    without writing the contact into the incident's key."""
    message = f"contact:{normalised(contact)}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:40]


def masked(contact: str) -> str:
    """Enough to tell two contacts apart, not enough to call: +7 ••• ••• •• 89, a•••@mail.ru."""
    if not contact:
        return ""
    if "@" in contact:
        name, _, domain = contact.strip().rpartition("@")
        return f"{name[:1]}•••@{domain}"
    digits = re.sub(r"\D", "", contact)
    return f"••• {digits[-2:]}" if len(digits) > 4 else "•••"


def may_see_contact(user, incident: Incident) -> bool:
    scope = scope_for(user)
    return scope.role in HANDLERS and incident.store_id in scope.store_ids


def contact_for(user, incident: Incident) -> str:
    """The incident's contact as this user may see it on the incident itself."""
    return incident.contact if may_see_contact(user, incident) else masked(incident.contact)


def _holding(rows: QuerySet, contact: str) -> list:
    wanted = normalised(contact)
    return [r for r in rows.exclude(contact="") if normalised(r.contact) == wanted]


def customer_data(chain_id: int, contact: str) -> dict[str, list[dict[str, Any]]]:
    answers = SurveyResponse.objects.filter(chain_id=chain_id).select_related("store")
    incidents = Incident.objects.filter(chain_id=chain_id).select_related("store")
    return {
        "survey_responses": [
            {
                "at": r.at.isoformat(),
                "store": r.store.code,
                "nps": r.nps,
                "answers": r.answers,
                "comment": r.comment,
                "contact": r.contact,
                "contact_consent": r.contact_consent,
            }
            for r in _holding(answers, contact)
        ],
        "incidents": [
            {
                "opened_at": i.opened_at.isoformat(),
                "store": i.store.code,
                "title": i.title,
                "detail": i.detail,
                "status": i.status,
                "contact": i.contact,
            }
            for i in _holding(incidents, contact)
        ],
    }


@transaction.atomic
def erase_customer(chain_id: int, contact: str, actor=None) -> int:
    """Removes the contact everywhere it is stored; returns how many rows held it."""
    answers = _holding(SurveyResponse.objects.filter(chain_id=chain_id), contact)
    incidents = _holding(Incident.objects.filter(chain_id=chain_id), contact)
    _forget(answers, incidents)
    _audit(
        chain_id,
        "erased on request",
        {"survey_responses": len(answers), "incidents": len(incidents)},
        actor,
    )
    return len(answers) + len(incidents)


def forget_expired_contacts(now: datetime | None = None, days: int | None = None) -> int:
    """Removes contacts left more than `days` (CXM_CONTACT_RETENTION_DAYS) ago — counted from
    the customer's answer, or the incident's last signal, whatever the incident's status.
    Returns how many rows held one; 0 days keeps contacts."""
    days = settings.CXM_CONTACT_RETENTION_DAYS if days is None else days
    if days <= 0:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=days)
    answers = SurveyResponse.objects.exclude(contact="").filter(at__lt=cutoff)
    incidents = Incident.objects.exclude(contact="").filter(last_signal_at__lt=cutoff)
    chains = set(answers.values_list("chain_id", flat=True))
    chains |= set(incidents.values_list("chain_id", flat=True))
    removed = 0
    for chain_id in sorted(chains):
        with transaction.atomic():
            old_answers = list(answers.filter(chain_id=chain_id).select_for_update())
            old_incidents = list(incidents.filter(chain_id=chain_id).select_for_update())
            _forget(old_answers, old_incidents)
            _audit(
                chain_id,
                f"older than {days} days removed",
                {"survey_responses": len(old_answers), "incidents": len(old_incidents)},
            )
        removed += len(old_answers) + len(old_incidents)
    return removed


def _forget(answers: list[SurveyResponse], incidents: list[Incident]) -> None:
    SurveyResponse.objects.filter(pk__in=[r.pk for r in answers]).update(
        contact="", contact_consent=False
    )
    for incident in incidents:
        # Alerts written before contacts were left out of them may still hold it.
        for delivery in Delivery.objects.filter(incident=incident, body__contains=incident.contact):
            delivery.body = delivery.body.replace(incident.contact, ERASED)
            delivery.save(update_fields=["body"])
    Incident.objects.filter(pk__in=[i.pk for i in incidents]).update(contact="")
    # The key joined the customer's next complaint to this incident; it no longer may.
    for incident in incidents:
        if incident.key.startswith("contact:"):
            Incident.objects.filter(pk=incident.pk).update(key=f"erased:{incident.pk}")


def _audit(chain_id: int, what: str, counts: dict[str, int], actor=None) -> None:
    """One entry per run and chain: how many rows held a contact before (and 0 after), never
    the contact itself."""
    AuditEntry.objects.create(
        actor=actor,
        actor_name=actor.get_username() if actor else "",
        chain_id=chain_id,
        action=AuditAction.DELETE,
        model="trust.CustomerContact",
        object_id="-",
        object_repr=f"customer contacts {what}",
        changes={f"{name}.contact": [n, 0] for name, n in counts.items()},
    )
