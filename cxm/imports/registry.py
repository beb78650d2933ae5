"""The import kinds of the public contract (DESIGN.md §2) and the one function that runs
any of them — used by `cxm import`, the API and the simulator."""

from collections.abc import Callable, Iterable

from cxm.feedback.importers import import_presses, import_survey_responses
from cxm.imports.records import ImportResult, Record
from cxm.org.importers import import_sellers, import_stores
from cxm.org.models import Chain, Store
from cxm.sales.importers import import_receipts
from cxm.staff.importers import import_checklists, import_consultations
from cxm.traffic.importers import import_traffic

Importer = Callable[..., ImportResult]

IMPORTERS: dict[str, Importer] = {
    "stores": import_stores,
    "sellers": import_sellers,
    "receipts": import_receipts,
    "traffic": import_traffic,
    "presses": import_presses,
    "survey_responses": import_survey_responses,
    "consultations": import_consultations,
    "checklists": import_checklists,
}


def run_import(
    kind: str, chain: Chain, records: Iterable[Record], *, default_store: Store | None = None
) -> ImportResult:
    try:
        importer = IMPORTERS[kind]
    except KeyError:
        raise ValueError(f"unknown import kind {kind!r}; one of {', '.join(IMPORTERS)}") from None
    return importer(chain, records, default_store=default_store)
