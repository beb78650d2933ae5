"""Speech tied to the customer's feedback and kept linked store-day by store-day: the press,
survey answer and checklist after each conversation, worked by hand on a small day; ИЭЛ
and NPS of contacts with and without an offer; the links shown where the transcript is;
reasons customers leave per product category; and linking that redoes only the store-days
whose data changed — on import, in the worker, never on every page view."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cxm.imports.records import read_payload
from cxm.imports.registry import run_import
from cxm.org.models import Store
from cxm.speech import linking
from cxm.speech.linking import link_stale
from cxm.speech.models import LinkState, Transcript
from cxm.speech.tasks import link_chain
from cxm.staff.services import define_template
from tests.factories import bearer
from tests.test_speech_reports import DAY, day  # noqa: F401 (the `day` fixture)

DAY_DATE = date(2026, 3, 2)
STANDARD = [
    {"code": "greet", "factor": "Приветствие", "points": 1, "weight": 1},
    {"code": "offer", "factor": "Аксессуары", "points": 1, "weight": 1},
]


def _press(pid, at, button, **extra):
    return {"id": pid, "store": "MSK-1", "at": f"2026-03-02T{at}+03:00", "button": button} | extra


@pytest.fixture
def feedback(day, chain):  # noqa: F811 (the imported fixture)
    """The day of test_speech_reports with what customers said after each conversation:
    t1 (case offered, receipt 1 at 10:15) — «excellent» at the till and NPS 10 for its
    receipt; t2 (no offer, «больше ничего?», receipt 2 at 11:12) — «bad» with the seller's
    photo; t3 (failed, ended 12:04) — «poor» two minutes later, an NPS 2 answer without a
    receipt, and a mystery shopper's checklist of MSK-1-S2 at 12:20. Noise: a press an hour
    after everything, another seller's press, a repeat."""
    define_template(chain, "std", "Стандарт", STANDARD)
    records = {
        "presses": [
            _press("p1", "10:15:40", "excellent"),
            _press("p1-again", "10:15:42", "excellent"),  # a repeat: counted nowhere
            _press("p2", "11:13:00", "bad", seller="MSK-1-S1"),
            _press("p-other", "11:13:30", "good", seller="MSK-1-S2"),  # nobody's contact
            _press("p3", "12:06:00", "poor"),
            _press("p-late", "14:00:00", "good"),
        ],
        "survey_responses": [
            {
                "id": "q1",
                "store": "MSK-1",
                "at": "2026-03-02T10:40:00+03:00",
                "nps": 10,
                "receipt": {"fn": "9999078900001234", "fd": 1},
            },
            {"id": "q3", "store": "MSK-1", "at": "2026-03-02T12:10:00+03:00", "nps": 2},
        ],
        "checklists": [
            {
                "id": "visit-1",
                "store": "MSK-1",
                "seller": "MSK-1-S2",
                "at": "2026-03-02T12:20:00+03:00",
                "template": "std",
                "answers": {"greet": "yes", "offer": "no"},
            }
        ],
    }
    for kind, rows in records.items():
        result = run_import(kind, chain, read_payload(rows))
        assert not result.rejected, result.rejected
    return day


def _links() -> dict[str, tuple]:
    return {
        t.code: (
            t.press.external_id if t.press else None,
            t.survey.external_id if t.survey else None,
            t.checklist.code if t.checklist else None,
        )
        for t in Transcript.objects.select_related("press", "survey", "checklist")
    }


def test_each_conversation_is_tied_to_the_feedback_after_it(feedback, client):
    client.get("/api/v1/reports/speech", DAY, **bearer(feedback["admin"]))
    assert _links() == {
        "t1": ("p1", "q1", None),  # the till's press after its receipt; the receipt's answer
        "t2": ("p2", None, None),  # the press with its seller's photo
        "t3": ("p3", "q3", "visit-1"),  # after the conversation that ended without a sale
    }


def test_ИЭЛ_and_NPS_with_and_without_an_offer_worked_by_hand(feedback, client):
    report = client.get("/api/v1/reports/speech", DAY, **bearer(feedback["admin"])).json()
    splits = {r["split"]: r for r in report["feedback"]}
    offer = splits["offer"]  # t1 (offered) against t2 (not): the receipts expecting one
    assert offer["with"] == {
        "contacts": 1,
        "presses": 1,
        "iel": 100.0,
        "survey_answers": 1,
        "nps": 100.0,
        "checklists": 0,
        "compliance": None,
    }
    assert (offer["without"]["contacts"], offer["without"]["iel"]) == (1, -100.0)
    assert offer["without"]["nps"] is None
    # No empathy heard anywhere: all three contacts on the "without" side.
    empathy = splits["empathy"]["without"]
    assert empathy["contacts"] == 3 and empathy["iel"] == pytest.approx(100 * (1 - 2) / 3)
    assert empathy["nps"] == 0.0  # one promoter, one detractor
    assert (empathy["checklists"], empathy["compliance"]) == (1, 0.5)
    assert splits["empathy"]["with"]["contacts"] == 0


def test_the_links_are_shown_where_the_transcript_is(feedback, client):
    rows = client.get("/api/v1/reports/missed-offers", DAY, **bearer(feedback["admin"])).json()
    assert rows["rows"][0]["links"] == {
        "consultation": "c2",
        "press": "bad",
        "survey_nps": None,
        "survey_declined": False,
        "checklist": None,
        "checklist_score": None,
    }
    client.force_login(feedback["admin"])
    html = client.get("/speech/", DAY).content.decode()
    assert '<span data-link="press">' in html and '<span data-link="consultation">' in html
    assert 'data-table="feedback"' in html


def test_leave_reasons_per_store_and_product_category(feedback, client):
    report = client.get("/api/v1/reports/leave-reasons", DAY, **bearer(feedback["admin"])).json()
    # t3: «Этот пылесос мощный. Дороговато, я подумаю.» — an appliance.
    assert [(r["store"], r["category"], r["reason"], r["share"]) for r in report["rows"]] == [
        ("MSK-1", "Бытовая техника", "price", 1.0),
        ("MSK-1", "Бытовая техника", "think", 1.0),
    ]
    price = next(r for r in report["categories"] if r["reason"] == "price")
    assert price["category"] == "Бытовая техника" and "Дороговато" in price["examples"][0]
    assert report["trend"]["grain"] == "week"
    assert [(r["period"], r["reason"], r["mentions"]) for r in report["trend"]["rows"]] == [
        ("2026-03-02", "price", 1),
        ("2026-03-02", "think", 1),
    ]
    client.force_login(feedback["admin"])
    page = client.get("/speech/leave-reasons/", DAY)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-category="Бытовая техника" data-code="price"' in html
    twin = client.get("/speech/leave-reasons/", DAY | {"format": "json"}).json()
    assert twin["trend"]["periods"] == ["2026-03-02"] and twin["failed_conversations"] == 1


def test_only_the_store_days_whose_data_changed_are_linked_again(feedback, chain):
    stores = list(Store.objects.values_list("pk", flat=True))
    day_ = DAY_DATE
    # The transcripts' import linked their store-day already: nothing stale.
    assert LinkState.objects.filter(day=day_).count() == 1
    assert link_stale(stores, day_, day_).store_days == 1  # the feedback arrived since
    assert link_stale(stores, day_, day_).store_days == 0
    # Another store's transcript on another day: linked on its import, alone.
    other = {
        "id": "n1",
        "store": "NSK-1",
        "seller": "NSK-1-S1",
        "started_at": "2026-03-03T10:00:00+07:00",
        "ended_at": "2026-03-03T10:05:00+07:00",
        "text": "Возьмите чехол.",
    }
    assert run_import("transcripts", chain, read_payload([other])).accepted == 1
    assert LinkState.objects.count() == 2
    assert link_stale(stores, day_, day_ + timedelta(days=1)).store_days == 0
    # A late press of MSK-1 on 2 March makes that store-day stale, and only it.
    run_import("presses", chain, read_payload([_press("p9", "16:00:00", "good")]))
    run = link_stale(stores, day_, day_ + timedelta(days=1))
    assert (run.store_days, run.transcripts) == (1, 3)


def test_pages_read_the_stored_links_without_linking_again(feedback, client, monkeypatch):
    client.force_login(feedback["admin"])
    assert client.get("/speech/", DAY).status_code == 200  # links what the feedback changed

    def refuse(*args, **kwargs):
        raise AssertionError("linked again although nothing changed")

    monkeypatch.setattr(linking, "_link_store_days", refuse)
    assert client.get("/speech/", DAY).status_code == 200
    assert client.get("/speech/leave-reasons/", DAY).status_code == 200
    api = client.get("/api/v1/reports/speech", DAY, **bearer(feedback["admin"]))
    assert api.status_code == 200


def test_an_import_of_data_around_transcripts_links_in_the_worker(
    feedback, chain, django_capture_on_commit_callbacks
):
    link_stale(list(Store.objects.values_list("pk", flat=True)), *[DAY_DATE] * 2)
    with django_capture_on_commit_callbacks(execute=True):
        run_import("presses", chain, read_payload([_press("p9", "16:00:00", "good")]))
        run_import("presses", chain, read_payload([_press("p10", "16:30:00", "good")]))
    queued = DBTaskResult.objects.filter(task_path=link_chain.module_path)
    assert queued.count() == 1  # one job links whatever arrived
    # The job links the recent days' stale store-days; 2 March is older than that, so a
    # report links it when it first reads it.
    assert link_chain.call(chain.pk)["store_days"] == 0
    assert link_stale([Store.objects.get(code="MSK-1").pk], DAY_DATE, DAY_DATE).store_days == 1


def test_an_open_sale_window_is_checked_again_when_it_closes(chain, personas):
    now = timezone.now()
    store = Store.objects.get(code="MSK-1")
    record = {
        "id": "now",
        "store": "MSK-1",
        "seller": "MSK-1-S1",
        "started_at": (now - timedelta(minutes=10)).isoformat(),
        "ended_at": (now - timedelta(minutes=5)).isoformat(),
        "text": "Возьмите чехол.",
    }
    assert run_import("transcripts", chain, read_payload([record])).accepted == 1
    row = Transcript.objects.get(code="now")
    assert row.failed is None  # the seller may still sell within the sale window
    state = LinkState.objects.get(store=store, day=row.day)
    assert state.recheck_at == row.ended_at + linking.sale_limit() + timedelta(minutes=1)
    assert link_stale([store.pk], row.day, row.day).store_days == 0
    LinkState.objects.filter(pk=state.pk).update(recheck_at=now - timedelta(seconds=1))
    assert link_stale([store.pk], row.day, row.day).store_days == 1


def test_feedback_during_a_conversation_is_its_when_none_came_after(chain):
    record = {
        "id": "alone",
        "store": "MSK-1",
        "seller": "MSK-1-S1",
        "started_at": "2026-03-02T10:00:00+03:00",
        "ended_at": "2026-03-02T10:10:00+03:00",
        "text": "Этот телефон хорош.",
    }
    presses = [_press("before", "09:59:00", "good"), _press("during", "10:05:00", "like")]
    assert not run_import("presses", chain, read_payload(presses)).rejected
    assert run_import("transcripts", chain, read_payload([record])).accepted == 1
    row = Transcript.objects.select_related("press").get(code="alone")
    assert row.failed is True and row.press.external_id == "during"
