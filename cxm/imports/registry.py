"""The import kinds of the public contract (DESIGN.md §2) and the one function that runs
any of them — used by `cxm import`, the API and the simulator."""

from collections.abc import Callable, Iterable

from django.dispatch import Signal

from cxm.emotions.importers import import_emotions
from cxm.feedback.importers import import_presses, import_survey_responses
from cxm.imports.records import ImportResult, Record
from cxm.org.importers import import_sellers, import_stores
from cxm.org.models import Chain, Store
from cxm.sales.importers import import_receipts
from cxm.speech.importers import import_transcripts
from cxm.staff.importers import import_checklists, import_consultations
from cxm.traffic.importers import import_traffic

Importer = Callable[..., ImportResult]

# Sent after every import with `kind`, `chain` and `result`: apps that react to new data
# (the incident rules) listen here instead of every importer calling them.
import_finished = Signal()

IMPORTERS: dict[str, Importer] = {
    "stores": import_stores,
    "sellers": import_sellers,
    "receipts": import_receipts,
    "traffic": import_traffic,
    "presses": import_presses,
    "survey_responses": import_survey_responses,
    "consultations": import_consultations,
    "checklists": import_checklists,
    "transcripts": import_transcripts,
    "emotions": import_emotions,
}


def run_import(
    kind: str, chain: Chain, records: Iterable[Record], *, default_store: Store | None = None
) -> ImportResult:
    try:
        importer = IMPORTERS[kind]
    except KeyError:
        raise ValueError(f"unknown import kind {kind!r}; one of {', '.join(IMPORTERS)}") from None
    result = importer(chain, records, default_store=default_store)
    import_finished.send(sender=run_import, kind=kind, chain=chain, result=result)
    return result
