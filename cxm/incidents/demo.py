"""The demo's organizer: the planted unhappy customers imported through the contract, the
stores' feedback terminals with their tokens (one of them silent), the rules run once so
the pages open with incidents, and the worker's periodic tick queued."""

from collections.abc import Callable

from django.db.models import Max
from django.utils import timezone

from cxm.demo.simulator.incidents import IncidentTruth, simulate_incidents
from cxm.devices.models import DeviceKind, DeviceToken
from cxm.feedback.models import Press
from cxm.imports.records import ImportResult, read_payload
from cxm.imports.registry import run_import
from cxm.incidents.organizer import schedule
from cxm.incidents.services import evaluate_chain
from cxm.incidents.tasks import enqueue_once, tick
from cxm.org.models import Chain, Store


def install_terminals(chain: Chain, truth: IncidentTruth) -> None:
    """A terminal per store, last heard at its store's latest press; the silent store gets a
    second terminal that stopped at the planted moment."""
    latest = dict(
        Press.objects.filter(chain=chain).values_list("store_id").annotate(last=Max("at"))
    )
    for store in Store.objects.filter(chain=chain):
        if store.pk in latest:
            token, _raw = DeviceToken.issue(store, "Терминал у кассы", DeviceKind.FEEDBACK_TERMINAL)
            DeviceToken.objects.filter(pk=token.pk).update(last_used_at=latest[store.pk])
        if store.code == truth.silent_store:
            token, _raw = DeviceToken.issue(
                store, truth.silent_terminal, DeviceKind.FEEDBACK_TERMINAL
            )
            DeviceToken.objects.filter(pk=token.pk).update(last_used_at=truth.silent_since)


def load_incidents(
    chain: Chain, simulated, progress: Callable[[str], None]
) -> dict[str, ImportResult]:
    answers, truth = simulate_incidents(simulated)
    progress("importing unhappy customers' answers…")
    result = run_import("survey_responses", chain, read_payload(answers))
    install_terminals(chain, truth)
    tally = evaluate_chain(chain)
    progress(f"incidents: {tally['opened']} opened, {tally['joined']} joined")
    schedule(chain, timezone.localdate())
    enqueue_once(tick)
    return {"unhappy_answers": result}
