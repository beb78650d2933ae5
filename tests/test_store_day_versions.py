"""Every write of facts counts in its store-day's version of that kind (cxm.rollups.versions),
which is what matching and linking ask to know what changed: a write path that forgets to
count fails here. Every import kind of the contract is listed with the kind of facts it
writes, so a new one must say it too."""

from datetime import date

import pytest

from cxm.feedback.importers import insert_survey_answer, survey_answer_row
from cxm.imports.records import read_payload
from cxm.imports.registry import IMPORTERS, run_import
from cxm.org.models import Seller, Store
from cxm.rollups import versions
from cxm.rollups.models import StoreDayVersion
from cxm.rollups.visitors import drain_backlog
from cxm.staff.services import define_template
from tests.factories import count, receipt

DAY = date(2026, 3, 2)


def _at(clock: str) -> str:
    return f"2026-03-02T{clock}+03:00"


def _record(prefix: str, n: int, **fields) -> dict:
    """Record n of a kind in MSK-1 on 2 March, its moment at 1n:00 (in the field `at`, or
    `started_at` for a consultation or transcript)."""
    moment = "started_at" if prefix in "ct" else "at"
    return {"id": f"{prefix}{n}", "store": "MSK-1", moment: _at(f"1{n}:00:00"), **fields}


def _press(n: int) -> dict:
    return _record("p", n, button="good")


def _answer(n: int) -> dict:
    return _record("q", n, nps=9)


def _consultation(n: int) -> dict:
    return _record("c", n, seller="MSK-1-S1")


def _checklist(n: int) -> dict:
    return _record("k", n, seller="MSK-1-S1", template="std", answers={"greet": "yes"})


def _transcript(n: int) -> dict:
    ended = _at(f"1{n}:05:00")
    return _record("t", n, seller="MSK-1-S1", ended_at=ended, text="Возьмите чехол.")


# Per import kind that writes facts: the kind of facts it writes and two writes of the same
# store-day (MSK-1, 2 March), each a list of records — a single press takes its own path.
WRITES: dict[str, tuple[str, list[list[dict]]]] = {
    "receipts": (
        versions.SALES,
        [[receipt(1, when="2026-03-02T10:00:00")], [receipt(2, when="2026-03-02T11:00:00")]],
    ),
    "traffic": (
        versions.TRAFFIC,
        [[count(start=_at("10:00:00"))], [count(start=_at("11:00:00"))]],
    ),
    "consultations": (versions.CONSULTATIONS, [[_consultation(1)], [_consultation(2)]]),
    "presses": (versions.FEEDBACK, [[_press(1), _press(2)], [_press(3)]]),
    "survey_responses": (versions.FEEDBACK, [[_answer(1)], [_answer(2)]]),
    "checklists": (versions.FEEDBACK, [[_checklist(1)], [_checklist(2)]]),
    "transcripts": (versions.SPEECH, [[_transcript(1)], [_transcript(2)]]),
}
# The kinds that write nothing matching or linking reads (the organisation; emotions).
NOT_READ = {"stores", "sellers", "emotions"}


def _versions() -> dict[str, int]:
    row = StoreDayVersion.objects.filter(store__code="MSK-1", day=DAY).first()
    return {kind: getattr(row, kind) if row else 0 for kind in versions.KINDS}


def test_every_import_kind_says_what_it_writes():
    assert set(WRITES) | NOT_READ == set(IMPORTERS)


@pytest.mark.parametrize("kind", sorted(WRITES))
def test_each_write_counts_in_its_kind_of_the_store_day(kind, chain):
    define_template(chain, "std", "Стандарт", [{"code": "greet", "factor": "Приветствие"}])
    written, writes = WRITES[kind]
    for records in writes:
        before = _versions()
        result = run_import(kind, chain, read_payload(records))
        assert result.accepted == len(records), result.rejected
        # Visitor counts count when the tick (or a reader) sums them into the store-hours,
        # which is what is derived from them reads (cxm.rollups.visitors).
        drain_backlog()
        after = _versions()
        assert after[written] > before[written], (kind, records)
        # Matching is not redone for a press; linking not for a receipt's traffic alone.
        assert {k: v for k, v in after.items() if k != written} == {
            k: v for k, v in before.items() if k != written
        }


def test_an_answer_from_the_survey_page_counts_in_feedback(chain):
    store = Store.objects.get(code="MSK-1")
    before = _versions()
    assert insert_survey_answer(survey_answer_row(chain, _answer(1), store, None))
    after = _versions()
    assert after[versions.FEEDBACK] == before[versions.FEEDBACK] + 1
    assert after[versions.SALES] == before[versions.SALES]


def test_deleting_a_seller_counts_in_the_kinds_it_changes(chain):
    # A seller with consultations or checklists cannot be deleted (PROTECT); one with
    # receipts and presses can: these lose their seller (SET_NULL).
    assert run_import("receipts", chain, read_payload(WRITES["receipts"][1][0])).accepted == 1
    press = _press(1) | {"seller": "MSK-1-S1"}
    assert run_import("presses", chain, read_payload([press])).accepted == 1
    before = _versions()
    Seller.objects.get(code="MSK-1-S1").delete()
    after = _versions()
    for kind in (versions.SALES, versions.FEEDBACK):
        assert after[kind] > before[kind], kind
