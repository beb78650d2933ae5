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
    chain_id = chain.pk
    transaction.on_commit(lambda: _queue_evaluation(chain_id))


# chain id → the evaluation this process last found waiting in the queue. While no worker has
# taken it, it will read what was just committed: asking for it by id is far cheaper than
# searching the queue, and a terminal's presses or a survey's answers come many a second.
_waiting: dict[int, object] = {}


def _queue_evaluation(chain_id: int) -> None:
    from cxm.incidents.tasks import enqueue_once, evaluate, still_waiting

    seen = _waiting.get(chain_id)
    if seen is not None and still_waiting(seen):
        return
    _waiting[chain_id] = enqueue_once(evaluate, chain_id)
