"""The demo's customer voice: simulated presses and survey answers imported through the
contract, like any integrator's files."""

from collections.abc import Callable

from cxm.demo.simulator import SimulatedChain
from cxm.demo.simulator.feedback import BANK, simulate_voice
from cxm.feedback.models import FeedbackSetup
from cxm.imports.records import ImportResult, read_payload
from cxm.imports.registry import run_import
from cxm.org.models import Chain


def load_voice(
    chain: Chain, simulated: SimulatedChain, progress: Callable[[str], None]
) -> dict[str, ImportResult]:
    FeedbackSetup.objects.update_or_create(chain=chain, defaults={"bank": BANK})
    records, _ = simulate_voice(simulated)
    results = {}
    for kind, items in records.items():
        progress(f"importing {kind}…")
        results[kind] = run_import(kind, chain, read_payload(items))
        progress(
            f"{kind}: {results[kind].accepted} accepted, {len(results[kind].rejected)} rejected"
        )
    return results
