"""The simulated chain's transcripts and emotion observations, put in through the import
contract like an integrator's files."""

from collections.abc import Callable

from cxm.demo.simulator import SimulatedChain
from cxm.demo.simulator.speech import SpeechSimulation
from cxm.imports.records import ImportResult, Record
from cxm.imports.registry import run_import
from cxm.org.models import Chain


def load_speech(
    chain: Chain,
    simulated: SimulatedChain,
    progress: Callable[[str], None] = lambda _: None,
    simulation: SpeechSimulation | None = None,
) -> dict[str, ImportResult]:
    simulation = simulation or SpeechSimulation(simulated)
    records: dict[str, list[Record]] = {"transcripts": [], "emotions": []}
    for kind, item in simulation.iter_records():
        records[kind].append(Record(f"{kind} {len(records[kind]) + 1}", item))
    results = {}
    for kind, batch in records.items():
        progress(f"importing {kind}…")
        results[kind] = run_import(kind, chain, batch)
        progress(
            f"{kind}: {results[kind].accepted} accepted, {len(results[kind].rejected)} rejected"
        )
    return results
