"""The two endpoints under load (bench/feedback_load.py) — a terminal's press push and the QR
survey — take shortcuts: a device is looked up once and kept briefly, one press is written
without asking first, a survey page reads its receipt in one statement, an evaluation of the
incident rules is not searched for again while it waits. Each shortcut keeps the rules."""

import json

import pytest
from django.db import connection
from django.db.models import Sum
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from cxm.devices.models import DeviceToken
from cxm.devices.tokens import issue_device_token, revoke_device_token
from cxm.feedback.models import FeedbackSetup, Press, SurveyResponse
from cxm.feedback.survey import receipt_link, record_answer, resolve_target
from cxm.imports.records import read_payload
from cxm.imports.registry import run_import
from cxm.incidents.tasks import evaluate
from cxm.org.models import Store
from cxm.rollups.models import ServiceDay
from cxm.rollups.refresh import rebuild
from cxm.sales.models import Receipt
from tests.factories import receipt

PRESSES = "/api/v1/devices/events/presses"


@pytest.fixture
def terminal(chain) -> dict[str, str]:
    _, raw = issue_device_token(Store.objects.get(code="MSK-1"), "till 1", "terminal")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def push(client, headers, *presses):
    return client.post(PRESSES, json.dumps(list(presses)), "application/json", **headers)


def press(n: int, second: int, button: str = "excellent") -> dict:
    return {"id": f"p{n}", "at": f"2026-03-02T12:00:{second:02d}+03:00", "button": button}


def _statements(queries, table: str) -> int:
    return sum(f'"{table}"' in q["sql"] for q in queries)


def test_a_terminal_is_looked_up_once_and_a_revoked_one_is_refused_at_once(client, terminal):
    assert push(client, terminal, press(1, 0)).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert push(client, terminal, press(2, 30)).status_code == 200
    assert _statements(queries.captured_queries, "devices_devicetoken") == 0
    assert _statements(queries.captured_queries, "feedback_feedbacksetup") == 0
    token = DeviceToken.objects.get()
    revoke_device_token(token.prefix, [token.store_id])
    assert push(client, terminal, press(3, 59)).status_code == 401


def test_a_changed_repeat_interval_reaches_a_known_terminal_at_once(client, chain, terminal):
    assert push(client, terminal, press(1, 0)).status_code == 200  # the terminal is now known
    FeedbackSetup.objects.create(chain=chain, press_repeat_seconds=60)
    assert push(client, terminal, press(2, 30)).status_code == 200
    assert Press.objects.get(external_id="p2").repeat  # 30 s after the last: within 60 s


def test_one_press_at_a_time_is_flagged_as_a_batch_would_be(client, chain, terminal):
    # The default interval is 10 s: 0 s counted, 4 s a repeat, 12 s counted (12 − 0 ≥ 10),
    # 3 s — arriving late, from an offline queue — a repeat of the press at 0 s.
    for n, second in enumerate((0, 4, 12, 3)):
        assert push(client, terminal, press(n, second)).status_code == 200
    one_by_one = dict(Press.objects.values_list("external_id", "repeat"))
    assert one_by_one == {"p0": False, "p1": True, "p2": False, "p3": True}
    Press.objects.all().delete()
    batch = [press(n, second) | {"store": "MSK-1"} for n, second in enumerate((0, 4, 12, 3))]
    assert not run_import("presses", chain, read_payload(batch)).rejected
    assert dict(Press.objects.values_list("external_id", "repeat")) == one_by_one


def test_a_press_sent_twice_is_kept_once(client, terminal):
    assert push(client, terminal, press(1, 0)).json()["accepted"] == 1
    again = push(client, terminal, press(1, 0)).json()
    assert (again["accepted"], again["duplicates"]) == (0, 1)
    assert Press.objects.count() == 1


@pytest.fixture
def sold(chain):
    assert not run_import("receipts", chain, read_payload([receipt(7)])).rejected
    return Receipt.objects.get()


def test_the_survey_page_reads_its_receipt_store_and_chain_in_one_statement(client, sold):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(receipt_link(sold)).status_code == 200
    reads = [q["sql"] for q in queries.captured_queries if '"sales_receipt"' in q["sql"]]
    assert len(reads) == 1 and '"org_store"' in reads[0] and '"org_chain"' in reads[0]
    assert _statements(queries.captured_queries, "org_store") == 1


def test_two_phones_answering_one_receipt_at_once_keep_one_answer(sold):
    params = receipt_link(sold).split("?", 1)[1]
    first, second = (resolve_target(QueryDict(params)) for _ in range(2))  # both see it open
    form = {"at": "2026-03-02T13:00:00+03:00", "nps": "9"}
    assert record_answer(first, form, declined=False).answer is not None
    late = record_answer(second, form | {"nps": "2"}, declined=False)
    assert late.answer is None and late.result.rejected[0].field == "receipt"
    assert SurveyResponse.objects.get().nps == 9


def _waiting_evaluations() -> list:
    return list(
        DBTaskResult.objects.filter(
            status=TaskResultStatus.READY, task_path=evaluate.module_path
        ).values_list("id", flat=True)
    )


def test_one_evaluation_waits_for_many_pushes_and_a_taken_one_is_replaced(
    client, terminal, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        push(client, terminal, press(1, 0))
    with django_capture_on_commit_callbacks(execute=True):
        push(client, terminal, press(2, 20))
    (waiting,) = _waiting_evaluations()
    DBTaskResult.objects.filter(id=waiting).update(status=TaskResultStatus.RUNNING)  # a worker
    with django_capture_on_commit_callbacks(execute=True):
        push(client, terminal, press(3, 40))
    (fresh,) = _waiting_evaluations()
    assert fresh != waiting  # what came after the worker began is evaluated again


def _service_rows() -> set:
    columns = [f.attname for f in ServiceDay._meta.concrete_fields if f.attname != "id"]
    return set(ServiceDay.objects.values_list(*columns))


def test_one_press_or_answer_at_a_time_adds_to_its_service_row_as_a_rebuild_counts_it(
    client, chain, terminal
):
    buttons = ("excellent", "poor", "neutral", "like", "dislike", "bad")
    for n, button in enumerate(buttons):
        assert push(client, terminal, press(n, 10 * n, button)).status_code == 200
    assert push(client, terminal, press(99, 1, "bad")).status_code == 200  # a repeat of p0
    for n, (nps, declined) in enumerate([(10, False), (8, False), (3, False), (None, True)]):
        assert not run_import("receipts", chain, read_payload([receipt(20 + n)])).rejected
        sold = Receipt.objects.latest("id")
        target = resolve_target(QueryDict(receipt_link(sold).split("?", 1)[1]))
        form = {"at": "2026-03-02T13:00:00+03:00"} | ({} if nps is None else {"nps": str(nps)})
        assert record_answer(target, form, declined=declined).answer is not None
    added = _service_rows()
    rebuild()
    assert _service_rows() == added
    totals = ServiceDay.objects.aggregate(
        *(Sum(c) for c in ("positive_presses", "negative_presses", "neutral_presses")),
        *(Sum(c) for c in ("repeat_presses", "promoters", "passives", "detractors", "declined")),
    )
    assert list(totals.values()) == [2, 3, 1, 1, 1, 1, 1, 1]
