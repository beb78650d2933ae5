"""After an import of data a rule reads, evaluate the chain's rules in the worker (once,
however many imports arrive before it runs)."""

from django.db import transaction
from django.dispatch import receiver

from cxm.imports.registry import import_finished

WATCHED_KINDS = {
    "presses",
    "survey_responses",
    "consultations",
    "traffic",
    "receipts",
    "checklists",
}


@receiver(import_finished)
def evaluate_after_import(sender, kind: str, chain, result, **kwargs) -> None:
    if kind not in WATCHED_KINDS or not (result.accepted or result.updated):
        return
    from cxm.incidents.tasks import enqueue_once, evaluate

    chain_id = chain.pk
    transaction.on_commit(lambda: enqueue_once(evaluate, chain_id))
