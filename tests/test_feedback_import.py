"""`presses` and `survey_responses` through the import contract: `run_import`, the HTTP API
and device push — bad records named by position and field, good ones kept, re-sends harmless."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from cxm.feedback.models import FeedbackSetup, Press, SurveyResponse
from cxm.imports.records import read_payload
from cxm.imports.registry import run_import
from cxm.org.models import Chain, Region, Store
from cxm.rollups.models import ServiceDay
from cxm.rollups.refresh import rebuild
from tests.factories import bearer, device_bearer, press, receipt
from tests.test_feedback_hotpath import _service_rows


def answer(n: int, **extra) -> dict:
    record = {"id": f"s{n}", "store": "MSK-1", "at": "2026-03-02T12:05:00+03:00", "nps": 9}
    return {**record, **extra}


def rejections(result) -> list[tuple[str, str]]:
    return [(r.position, r.field) for r in result.rejected]


def test_presses_are_kept_once_and_bad_ones_named(chain):
    records = [
        press(1),
        press(2, "2026-03-02T12:01:00+03:00", button="bad", seller="MSK-1-S1"),
        press(3, button="superb"),
        press(4, store="XX-9"),
        press(5, seller="MSK-2-S1"),  # works in another store
        press(6, button="poor", reason="because"),
        press(7, reason="wait"),  # a follow-up answer after a positive press
        press(8, "2026-03-02T12:02:00+03:00", button="poor", reason="wait"),
    ]
    result = run_import("presses", chain, read_payload(records))
    assert result.accepted == 3
    assert rejections(result) == [
        ("item 3", "button"),
        ("item 4", "store"),
        ("item 5", "seller"),
        ("item 6", "reason"),
        ("item 7", "reason"),
    ]
    assert Press.objects.get(external_id="p8").reason == "wait"
    again = run_import("presses", chain, read_payload(records[:2]))
    assert (again.accepted, again.duplicates) == (0, 2)
    assert Press.objects.get(external_id="p2").seller.code == "MSK-1-S1"


def test_an_id_that_another_chain_holds_is_no_duplicate(chain):
    other = Chain.objects.create(code="other", name="Чужая сеть")
    region = Region.objects.create(chain=other, name="Запад")
    Store.objects.create(chain=other, region=region, code="OTH-1", name="Чужой магазин")
    records = [press(n, f"2026-03-02T12:0{n}:00+03:00") for n in (1, 2)]
    theirs = run_import("presses", other, read_payload([{**r, "store": "OTH-1"} for r in records]))
    assert theirs.accepted == 2
    ours = run_import("presses", chain, read_payload(records))
    assert (ours.accepted, ours.duplicates) == (2, 0)
    again = run_import("presses", chain, read_payload(records))
    assert (again.accepted, again.duplicates) == (0, 2)


def test_repeat_presses_within_the_interval_count_nowhere(chain):
    FeedbackSetup.objects.create(chain=chain, press_repeat_seconds=5)
    flood = [press(i, f"2026-03-02T12:00:{i:02d}+03:00", terminal="till-1") for i in range(12)]
    other_terminal = press(99, "2026-03-02T12:00:01+03:00", terminal="till-2")
    result = run_import("presses", chain, read_payload([*flood, other_terminal]))
    assert result.accepted == 13
    counted = Press.objects.filter(repeat=False).order_by("at")
    assert [p.external_id for p in counted] == ["p0", "p99", "p5", "p10"]
    # A press queued offline arrives late; it lies within 5 s of a counted one: a repeat.
    late = run_import(
        "presses", chain, read_payload([press(50, "2026-03-02T11:59:57+03:00", terminal="till-1")])
    )
    assert late.accepted == 1 and Press.objects.get(external_id="p50").repeat


def test_a_partly_re_sent_batch_keeps_its_new_presses_and_counts_each_press_once(chain):
    FeedbackSetup.objects.create(chain=chain, press_repeat_seconds=5)
    first = [press(n, f"2026-03-02T12:0{n}:00+03:00", terminal="till-1") for n in (1, 2, 3)]
    with CaptureQueriesContext(connection) as queries:
        assert run_import("presses", chain, read_payload(first)).accepted == 3
    # New presses are written without asking which of their ids are stored.
    assert not [q for q in queries if _asks_stored_ids(q["sql"])]
    # p3 and p1 again; p4 three seconds after the stored p3 (a repeat); p5 counted.
    second = [
        first[2],
        press(4, "2026-03-02T12:03:03+03:00", terminal="till-1"),
        press(5, "2026-03-02T12:05:00+03:00", terminal="till-1"),
        first[0],
    ]
    again = run_import("presses", chain, read_payload(second))
    assert (again.accepted, again.duplicates, again.rejected) == (2, 2, [])
    assert Press.objects.count() == 5
    assert [p.external_id for p in Press.objects.filter(repeat=True)] == ["p4"]
    added = _service_rows()
    rebuild()
    assert _service_rows() == added
    assert ServiceDay.objects.aggregate(Sum("positive_presses"), Sum("repeat_presses")) == {
        "positive_presses__sum": 4,
        "repeat_presses__sum": 1,
    }


def test_a_file_sent_again_is_read_back_batch_by_batch_not_written_twice(chain, monkeypatch):
    monkeypatch.setattr("cxm.feedback.importers.SHORT_ROWS_BATCH", 2)
    records = [press(n, f"2026-03-02T12:0{n}:00+03:00") for n in range(1, 7)]
    assert run_import("presses", chain, read_payload(records)).accepted == 6
    later = [press(n, f"2026-03-02T13:0{n}:00+03:00") for n in (7, 8)]
    with CaptureQueriesContext(connection) as queries:
        again = run_import("presses", chain, read_payload([*records[:4], *later]))
    assert (again.accepted, again.duplicates, again.rejected) == (2, 4, [])
    assert Press.objects.count() == 8
    # The first batch is refused by the unique ids and read back; after it each batch is read
    # back before it is written: the second is not written at all, the third (new) is. Each
    # write asks for the stored neighbours of its presses first.
    written = [q for q in queries if '"feedback_press"."terminal"' in q["sql"]]
    read_back = [q for q in queries if _asks_stored_ids(q["sql"])]
    assert (len(written), len(read_back)) == (2, 3)


def test_survey_answers_are_checked_field_by_field(chain):
    records = [
        answer(1, answers={"rsqs_personal_courtesy": 5}, comment="<script>alert(1)</script>"),
        answer(2, nps=11),
        answer(3, answers={"made_up": 4}),
        answer(4, comment="x" * 1001),
        answer(5, contact="+7 900 000-00-00"),
        answer(6, declined=True, nps=None),
        answer(7, declined=True, nps=3),
        answer(8, answers={"sq_empathy": 6}),
        answer(9, channel="fax"),
    ]
    result = run_import("survey_responses", chain, read_payload(records))
    assert result.accepted == 2
    assert rejections(result) == [
        ("item 2", "nps"),
        ("item 3", "answers.made_up"),
        ("item 4", "comment"),
        ("item 5", "contact"),
        ("item 7", "nps"),
        ("item 8", "answers.sq_empathy"),
        ("item 9", "channel"),
    ]
    kept = SurveyResponse.objects.get(external_id="s1")
    assert kept.comment == "<script>alert(1)</script>"  # plain text; pages escape it
    assert SurveyResponse.objects.get(external_id="s6").nps is None


def test_an_answer_is_tied_to_its_receipt_once(chain):
    assert not run_import("receipts", chain, read_payload([receipt(7)])).rejected
    tied = {"fn": "9999078900001234", "fd": 7}
    records = [
        answer(1, receipt=tied),
        answer(2, receipt=tied),
        answer(3, receipt={"fn": "9999078900001234", "fd": 8}),
        answer(4, receipt=tied, store="MSK-2"),
    ]
    result = run_import("survey_responses", chain, read_payload(records))
    assert result.accepted == 1
    assert rejections(result) == [
        ("item 2", "receipt"),
        ("item 3", "receipt"),
        ("item 4", "receipt"),
    ]
    kept = SurveyResponse.objects.get()
    assert kept.receipt.fiscal_document_number == 7
    assert kept.seller.code == "MSK-1-S1"  # the receipt's seller


def test_the_api_imports_feedback_within_the_managers_scope(client, personas):
    headers = bearer(personas["manager"])  # manager of MSK-2
    mine = client.post(
        "/api/v1/imports/survey_responses",
        json.dumps([answer(1, store="MSK-2")]),
        content_type="application/json",
        **headers,
    )
    assert mine.status_code == 200 and mine.json()["accepted"] == 1
    theirs = client.post(
        "/api/v1/imports/presses",
        json.dumps([press(1)]),
        content_type="application/json",
        **headers,
    )
    assert theirs.status_code == 403 and not Press.objects.exists()


def test_a_terminal_pushes_its_stores_presses(client, chain):
    headers = device_bearer("MSK-1", "terminal")
    unnamed = press(1)
    del unnamed["store"]
    pushed = client.post(
        "/api/v1/devices/events/presses", [unnamed], content_type="application/json", **headers
    )
    assert pushed.status_code == 200 and Press.objects.get().store.code == "MSK-1"
    foreign = client.post(
        "/api/v1/devices/events/presses",
        [press(2, store="MSK-2")],
        content_type="application/json",
        **headers,
    )
    assert foreign.status_code == 403


def test_cxm_import_reads_a_file_of_presses(chain, tmp_path):
    path = tmp_path / "presses.jsonl"
    path.write_text(
        "\n".join(json.dumps(press(i, f"2026-03-02T12:0{i}:00+03:00")) for i in range(3))
    )
    out = StringIO()
    call_command("import", "presses", str(path), stdout=out)
    assert "3 accepted" in out.getvalue()
    assert Press.objects.count() == 3


@pytest.mark.parametrize("kind", ["presses", "survey_responses"])
def test_an_outsider_cannot_import_into_another_chain(client, personas, kind):
    record = press(1) if kind == "presses" else answer(1)
    response = client.post(
        f"/api/v1/imports/{kind}",
        json.dumps([record]),
        content_type="application/json",
        **bearer(personas["outsider"]),
    )
    # The outsider's import goes to their own chain, where store MSK-1 does not exist.
    assert response.status_code == 422
    assert response.json()["rejections"][0]["field"] == "store"


def _asks_stored_ids(sql: str) -> bool:
    """The stored-id look-up (cxm.imports.bulk.stored_keys) of presses."""
    return sql.startswith('SELECT "feedback_press"."external_id" AS "external_id", ')
