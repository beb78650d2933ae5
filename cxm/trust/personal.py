"""One customer's personal data (152-ФЗ, GDPR): everything stored under their contact — survey
answers and the incidents opened from them — exported on request, and erased on request (the
contact is removed; the answer stays as an anonymous one)."""

import re
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from cxm.feedback.models import SurveyResponse
from cxm.incidents.models import Incident


def normalised(contact: str) -> str:
    """Phones compare by digits (+7 and a leading 8 are the same), e-mails case-blind."""
    digits = re.sub(r"\D", "", contact)
    if "@" in contact or len(digits) < 7:
        return contact.strip().casefold()
    return "7" + digits[1:] if len(digits) == 11 and digits[0] == "8" else digits


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
def erase_customer(chain_id: int, contact: str) -> int:
    """Removes the contact everywhere it is stored; returns how many rows held it."""
    answers = _holding(SurveyResponse.objects.filter(chain_id=chain_id), contact)
    incidents = _holding(Incident.objects.filter(chain_id=chain_id), contact)
    SurveyResponse.objects.filter(pk__in=[r.pk for r in answers]).update(
        contact="", contact_consent=False
    )
    Incident.objects.filter(pk__in=[i.pk for i in incidents]).update(contact="")
    return len(answers) + len(incidents)
