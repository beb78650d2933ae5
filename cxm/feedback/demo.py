"""The demo's customer voice: simulated presses and survey answers imported through the
contract, like any integrator's files."""

from collections.abc import Callable

from cxm.demo.simulator import SimulatedChain
from cxm.demo.simulator.feedback import BANK, VoiceTruth, simulate_voice
from cxm.feedback.models import FeedbackSetup, ReviewClick, SurveyResponse
from cxm.imports.records import ImportResult, read_payload
from cxm.imports.registry import run_import
from cxm.org.models import Chain, Store


def load_voice(
    chain: Chain, simulated: SimulatedChain, progress: Callable[[str], None]
) -> dict[str, ImportResult]:
    FeedbackSetup.objects.update_or_create(chain=chain, defaults={"bank": BANK})
    records, truth = simulate_voice(simulated)
    results = {}
    for kind, items in records.items():
        progress(f"importing {kind}…")
        results[kind] = run_import(kind, chain, read_payload(items))
        progress(
            f"{kind}: {results[kind].accepted} accepted, {len(results[kind].rejected)} rejected"
        )
    _review_mobilisation(chain, truth)
    return results


def _review_mobilisation(chain: Chain, truth: VoiceTruth) -> None:
    """What the survey pages would have recorded: every QR answer was shown the review links;
    the simulated customers' clicks on them, dated like their answers."""
    answers = SurveyResponse.objects.filter(chain=chain, channel="qr")
    answers.update(review_invited=True)
    days = dict(answers.values_list("external_id", "day"))
    stores = {s.code: s for s in Store.objects.filter(chain=chain)}
    ReviewClick.objects.bulk_create(
        ReviewClick(store=stores[store], platform=platform, promoter=promoter, day=days[answer])
        for store, platform, promoter, answer in truth.clicks
    )
