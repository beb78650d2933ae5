"""After an import of data transcripts are linked to (consultations, receipts, presses,
survey answers, checklists), link the chain's recent store-days in the worker — only those
whose data changed (cxm.speech.linking). New transcripts are linked by their own import."""

from django.db import transaction
from django.dispatch import receiver

from cxm.imports.registry import import_finished

LINKED_KINDS = {"receipts", "consultations", "presses", "survey_responses", "checklists"}


@receiver(import_finished)
def link_after_import(sender, kind: str, chain, result, **kwargs) -> None:
    if kind not in LINKED_KINDS or not (result.accepted or result.updated):
        return
    from cxm.speech.models import Transcript
    from cxm.speech.tasks import enqueue_link

    if not Transcript.objects.filter(chain=chain).exists():
        return  # a chain without speech analytics has nothing to link
    chain_id = chain.pk
    transaction.on_commit(lambda: enqueue_link(chain_id))
