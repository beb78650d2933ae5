"""The simulated chain's staff data, put in through the import contract like an
integrator's files: the service standard, then consultations, then checklists."""

from collections.abc import Callable

from cxm.demo.simulator import SimulatedChain
from cxm.demo.simulator.staff import (
    STANDARD_ITEMS,
    TEMPLATE_CODE,
    TEMPLATE_NAME,
    StaffSimulation,
)
from cxm.imports.records import ImportResult, Record
from cxm.imports.registry import run_import
from cxm.org.models import Chain
from cxm.staff.services import define_template


def load_staff(
    chain: Chain, simulated: SimulatedChain, progress: Callable[[str], None] = lambda _: None
) -> dict[str, ImportResult]:
    define_template(chain, TEMPLATE_CODE, TEMPLATE_NAME, STANDARD_ITEMS)
    staff = StaffSimulation(simulated)
    results = {}
    for kind, items in (
        ("consultations", staff.iter_consultations()),
        ("checklists", staff.iter_checklists()),
    ):
        progress(f"importing {kind}…")
        records = (Record(f"{kind} {n}", item) for n, item in enumerate(items, start=1))
        results[kind] = run_import(kind, chain, records)
        progress(
            f"{kind}: {results[kind].accepted} accepted, {len(results[kind].rejected)} rejected"
        )
    return results
