"""After an import of data transcripts are linked to (consultations, receipts, presses,
survey answers, checklists), link the chain's recent store-days in the worker — only those
whose data changed (cxm.speech.linking). New transcripts are linked by their own import."""

from django.db import connection, transaction
from django.dispatch import receiver

from cxm.imports.registry import import_finished

LINKED_KINDS = {"receipts", "consultations", "presses", "survey_responses", "checklists"}


@receiver(import_finished)
def link_after_import(sender, kind: str, chain, result, **kwargs) -> None:
    if kind not in LINKED_KINDS or not (result.accepted or result.updated):
        return
    from cxm.speech.tasks import enqueue_link

    if not _has_transcripts(chain.pk):
        return  # a chain without speech analytics has nothing to link
    chain_id = chain.pk
    transaction.on_commit(lambda: enqueue_link(chain_id))


def _has_transcripts(chain_id: int) -> bool:
    # Asked after every single press and survey answer: written out, as composing the ORM
    # query cost several times running it (the press endpoint's profile).
    from cxm.speech.models import Transcript

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {Transcript._meta.db_table} WHERE chain_id = %s LIMIT 1", [chain_id]
        )
        return cursor.fetchone() is not None
