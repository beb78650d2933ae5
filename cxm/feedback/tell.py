"""Tell the store first: after an unhappy answer (NPS 0–6) the thank-you page asks the customer
to write to the store — and, only with their explicit consent, to leave a contact to be called
back on. The message opens (or joins) an incident of the event organizer under the chain's
`detractor` rule, as the rule's own signals do (`cxm.incidents.services.open_or_join`): the
store's manager owns it, with the rule's deadline, escalation and alerts. The store's public
review links stay on the page, smaller — never hidden.

Nothing about the request is kept: no IP address, no browser; the contact only with consent,
and then only in the incident (where docs/security.md says who may see it)."""

import re
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cxm.feedback.importers import MAX_CONTACT
from cxm.feedback.models import SurveyResponse
from cxm.metrics.nps import DETRACTOR_MAX

MAX_MESSAGE = 1000
_TELL_SALT = "cxm.feedback.tell"
# A tag, comment or declaration: `<b>`, `</p>`, `<!--`, `<?xml`, `< script`. A lone "<" in
# "price < 1000" is text.
_MARKUP = re.compile(r"<\s*[A-Za-z/!?]")


class TellError(ValueError):
    """The message cannot be taken; `problems` maps each field to what is wrong with it."""

    def __init__(self, problems: dict[str, str]):
        super().__init__(", ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


@dataclass(frozen=True)
class Message:
    text: str
    contact: str  # empty unless the customer consented


def tell_token(answer: SurveyResponse) -> str:
    """What the thank-you page's form carries: the answer, signed (it cannot be guessed)."""
    return signing.dumps(answer.pk, salt=_TELL_SALT)


def answer_for(token: str) -> SurveyResponse | None:
    """The unhappy answer behind a form's token, or None for a forged or foreign one."""
    try:
        pk = signing.loads(token, salt=_TELL_SALT)
    except (signing.BadSignature, TypeError, ValueError):
        return None
    answer = (
        SurveyResponse.objects.filter(pk=pk, declined=False, nps__lte=DETRACTOR_MAX)
        .select_related("store", "store__chain")
        .first()
    )
    return answer


def checked_message(text: str, contact: str, consent: bool) -> Message:
    """The message as it will be kept; raises TellError naming each field's problem:
    `required`, `too_long`, `markup` (HTML is refused, not stored escaped: the store reads
    this as a letter) or, for a contact without the consent box ticked, `consent`."""
    text, contact = (text or "").strip(), (contact or "").strip()
    problems: dict[str, str] = {}
    if not text:
        problems["message"] = "required"
    elif len(text) > MAX_MESSAGE:
        problems["message"] = "too_long"
    elif _MARKUP.search(text):
        problems["message"] = "markup"
    if len(contact) > MAX_CONTACT:
        problems["contact"] = "too_long"
    elif _MARKUP.search(contact):
        problems["contact"] = "markup"
    elif contact and not consent:
        problems["contact"] = "consent"
    if problems:
        raise TellError(problems)
    printable = "".join(ch for ch in text if ch.isprintable() or ch in "\n\t")
    return Message(printable, contact)


def tell_store(answer: SurveyResponse, message: Message):
    """Open (or join) the store's incident for this answer; returns it, or None when this
    answer has already told the store (a second send, a double click)."""
    from cxm.incidents.models import Incident, RuleKind
    from cxm.incidents.rules import Signal, ensure_default_rules
    from cxm.incidents.services import open_or_join
    from cxm.trust.personal import contact_key

    chain = answer.store.chain
    rules = [r for r in ensure_default_rules(chain) if r.kind == RuleKind.DETRACTOR]
    # The chain's `detractor` rule even when switched off: the customer was told the store
    # would read this.
    rule = next((r for r in rules if r.code == "detractor"), rules[0])
    # The rule keys an answer by its contact's hash when it has one, else by the answer: join
    # whichever of the two is open for this store, as the rule's own signal would.
    keys = [f"answer:{answer.external_id}"]
    if message.contact:
        keys.append(f"contact:{contact_key(message.contact)}")
    now = timezone.now()
    with transaction.atomic():
        first = SurveyResponse.objects.filter(pk=answer.pk, store_told_at__isnull=True).update(
            store_told_at=now
        )
        if not first:
            return None
        joined = (
            Incident.objects.open()
            .filter(store_id=answer.store_id, rule=rule, key__in=keys)
            .values_list("key", flat=True)
            .first()
        )
        with translation.override(settings.LANGUAGE_CODE):  # the store's language, not the page's
            title = _("Message from an unhappy customer (NPS %(nps)s)") % {"nps": answer.nps}
        signal = Signal(
            answer.store_id, joined or keys[-1], title, now, message.text, message.contact
        )
        incident, _new = open_or_join(rule, signal, now)
    return incident
