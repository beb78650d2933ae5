"""Speech figures worked out by hand on a small day: transcripts tied to consultations and
receipts, `cxm report speech|missed-offers|leave-reasons` and their API twins, the page
with the missed offer highlighted, and each persona's scope."""

import json

import pytest
from django.core.management import call_command

from cxm.imports.records import read_payload
from cxm.imports.registry import run_import
from cxm.speech.models import Transcript
from tests.factories import bearer, receipt

DAY = {"from": "2026-03-02", "to": "2026-03-02"}


def _one_item(fd: int, when: str, total: int) -> dict:
    single = receipt(fd, when=when, total=total)
    single["items"] = [
        {"name": "Смартфон Xiaomi Redmi 13", "price": total, "quantity": 1, "sum": total}
    ]
    return single


@pytest.fixture
def day(chain, personas):
    """MSK-1 on 2 March. MSK-1-S1: an open question and a case offered, then a receipt of
    1 500 ₽ with a phone; later «больше ничего?» and a single phone of 1 000 ₽. MSK-1-S2:
    a customer who found it too dear and went to think; no sale."""
    receipts = [receipt(1, when="2026-03-02T10:15:00"), _one_item(2, "2026-03-02T11:12:00", 100000)]
    consultations = [
        ("c1", "MSK-1-S1", "10:00", "10:12"),
        ("c2", "MSK-1-S1", "11:00", "11:10"),
        ("c3", "MSK-1-S2", "12:00", "12:05"),
    ]
    transcripts = [
        (
            "t1",
            "MSK-1-S1",
            "10:00:30",
            "10:11:00",
            "Здравствуйте! Для каких задач выбираете "
            "телефон? Этот хорош. Давайте подберём к нему чехол.",
        ),
        (
            "t2",
            "MSK-1-S1",
            "11:00:10",
            "11:09:00",
            "Вот этот телефон, оплата на кассе. Больше ничего?",
        ),
        ("t3", "MSK-1-S2", "12:00:05", "12:04:00", "Этот пылесос мощный. Дороговато, я подумаю."),
    ]
    for kind, records in (
        ("receipts", receipts),
        (
            "consultations",
            [
                {
                    "id": i,
                    "store": "MSK-1",
                    "seller": s,
                    "started_at": f"2026-03-02T{a}:00+03:00",
                    "ended_at": f"2026-03-02T{b}:00+03:00",
                }
                for i, s, a, b in consultations
            ],
        ),
        (
            "transcripts",
            [
                {
                    "id": i,
                    "store": "MSK-1",
                    "seller": s,
                    "started_at": f"2026-03-02T{a}+03:00",
                    "ended_at": f"2026-03-02T{b}+03:00",
                    "text": text,
                }
                for i, s, a, b, text in transcripts
            ],
        ),
    ):
        result = run_import(kind, chain, read_payload(records))
        assert not result.rejected, result.rejected
    return personas


def test_transcripts_are_tied_to_their_consultation_and_receipt(day, client):
    client.get("/api/v1/reports/speech", DAY, **bearer(day["admin"]))
    links = {
        t.code: (
            t.consultation.code,
            t.receipt.fiscal_document_number if t.receipt else None,
            t.failed,
        )
        for t in Transcript.objects.select_related("consultation", "receipt")
    }
    assert links == {"t1": ("c1", 1, False), "t2": ("c2", 2, False), "t3": ("c3", None, True)}


def test_speech_figures_worked_by_hand(day, client):
    report = client.get("/api/v1/reports/speech", DAY, **bearer(day["admin"])).json()
    rows = {r["seller"]: r for r in report["rows"]}
    s1 = rows["MSK-1-S1"]
    assert (s1["transcripts"], s1["offers_expected"], s1["offers_made"]) == (2, 2, 1)
    assert s1["cross_sell_offer_rate"] == 0.5
    assert s1["right_form_rate"] == 1.0
    assert s1["engagement_opening_rate"] == 0.5
    assert (s1["single_item_receipts"], s1["promo_offer_rate"]) == (1, 0.0)
    assert (s1["average_ticket_with_offer"], s1["average_ticket_without_offer"]) == (1500, 1000)
    assert rows["MSK-1-S2"]["cross_sell_offer_rate"] is None
    phones = next(r for r in report["by_category"] if r["category"] == "Смартфоны")
    assert phones["offers_expected"] == 2 and phones["cross_sell_offer_rate"] == 0.5


def test_the_missed_offer_is_listed_with_its_wrong_form_marked(day, client):
    rows = client.get("/api/v1/reports/missed-offers", DAY, **bearer(day["admin"])).json()["rows"]
    assert [(r["transcript"], r["receipt"]["fd"], r["wrong_form"]) for r in rows] == [
        ("t2", 2, True)
    ]
    mark = rows[0]["marks"][0]
    assert rows[0]["excerpt"][mark["start"] : mark["end"]] == "Больше ничего"


def test_leave_reasons_with_their_excerpts(day, client):
    report = client.get("/api/v1/reports/leave-reasons", DAY, **bearer(day["admin"])).json()
    assert report["failed_conversations"] == 1
    reasons = {r["reason"]: r for r in report["reasons"]}
    assert set(reasons) == {"price", "think"}
    assert reasons["price"]["reason_name"] == "Цена"
    assert "Дороговато" in reasons["price"]["examples"][0]
    assert report["rows"][0]["store"] == "MSK-1" and report["rows"][0]["share"] == 1.0


def test_the_command_line_prints_the_same_report_as_the_api(day, client, capsys):
    args = ["--from", DAY["from"], "--to", DAY["to"], "--chain", "default", "--format", "json"]
    call_command("report", "speech", *args)
    printed = json.loads(capsys.readouterr().out)
    served = client.get("/api/v1/reports/speech", DAY, **bearer(day["admin"])).json()
    assert printed == served


def test_a_seller_sees_only_their_own_speech(day, client):
    report = client.get("/api/v1/reports/speech", DAY, **bearer(day["seller"])).json()
    assert [r["seller"] for r in report["rows"]] == ["MSK-1-S1"]
    other = client.get(
        "/api/v1/reports/speech", DAY | {"seller": "MSK-1-S2"}, **bearer(day["seller"])
    )
    assert other.status_code == 403
    assert client.get("/api/v1/reports/speech", DAY, **bearer(day["outsider"])).json()["rows"] == []


def test_the_page_highlights_what_was_said_instead_of_the_offer(day, client):
    client.force_login(day["admin"])
    page = client.get("/speech/", DAY)
    assert page.status_code == 200
    html = page.content.decode()
    assert '<mark class="wrong_form">Больше ничего</mark>' in html
    twin = client.get("/speech/", DAY | {"format": "json"}).json()
    assert twin["missed_count"] == 1 and twin["total"]["transcripts"] == 3


def test_a_rule_the_admin_adds_is_heard_after_reanalysis(day, chain):
    from cxm.speech.admin import SpeechRuleForm
    from cxm.speech.analysis import reanalyse
    from cxm.speech.models import SpeechRule

    t3 = Transcript.objects.get(code="t3")
    assert "Бытовая техника" not in t3.offered
    form = SpeechRuleForm(
        {"chain": chain.pk, "kind": "cross_sell", "target": "", "phrases": "турбощётка"}
    )
    assert not form.is_valid() and "target" in form.errors
    form = SpeechRuleForm(
        {
            "chain": chain.pk,
            "kind": "cross_sell",
            "target": "Бытовая техника",
            "phrases": "мощный пылесос",
            "active": True,
        }
    )
    assert form.is_valid(), form.errors
    form.save()
    assert SpeechRule.objects.filter(kind="cross_sell", target="Бытовая техника").count() == 2
    assert reanalyse(chain) == 3
    assert "Бытовая техника" in Transcript.objects.get(code="t3").offered
    assert reanalyse(chain) == 0  # nothing left heard under the old rules
