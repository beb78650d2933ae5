"""The public QR survey, review links, posters, the terminal's device API and the
customer-voice page: who may open what, and what each writes."""

import json

import pytest
from django.contrib.auth import get_user_model

from cxm.feedback.models import Press, ReviewClick, SurveyResponse
from cxm.feedback.survey import poster_link, receipt_link
from cxm.imports.records import read_payload
from cxm.imports.registry import run_import
from cxm.org.models import Store
from cxm.sales.models import Receipt
from tests.factories import bearer, device_bearer, receipt

WEEK = "from=2026-03-02&to=2026-03-08"
LINKS = {"yandex": "https://yandex.ru/maps/org/1", "2gis": "https://2gis.ru/firm/1"}


@pytest.fixture
def sold(chain):
    assert not run_import("receipts", chain, read_payload([receipt(7)])).rejected
    Store.objects.filter(code="MSK-1").update(review_links=LINKS)
    return Receipt.objects.get()


def test_a_receipt_link_opens_the_survey_with_three_factor_questions(client, sold):
    page = client.get(receipt_link(sold))
    assert page.status_code == 200
    assert page.content.decode().count('name="factor"') == 3
    forged = client.get(receipt_link(sold).replace("fp=1234567890", "fp=1"))
    assert forged.status_code == 404


def test_an_answer_is_kept_once_and_a_promoter_is_invited_to_review(client, sold):
    page = client.get(receipt_link(sold))
    factor = page.content.decode().split('name="factor" value="')[1].split('"')[0]
    form = {"nps": "10", "factor": [factor], f"answer_{factor}": "5", "comment": "<b>ok</b>"}
    done = client.post(receipt_link(sold), form)
    assert done.status_code == 200
    html = done.content.decode()
    assert 'data-invite="promoter"' in html and "Яндекс Карты" in html and "<svg" in html
    answer = SurveyResponse.objects.get()
    assert (answer.nps, answer.receipt_id, answer.seller.code) == (10, sold.pk, "MSK-1-S1")
    assert answer.answers == {factor: 5}
    client.cookies.clear()  # no cool-down cookie: the receipt itself is answered
    assert 'name="nps"' not in client.get(receipt_link(sold)).content.decode()
    again = client.post(receipt_link(sold), {"nps": "0"})
    assert SurveyResponse.objects.count() == 1 and again.status_code == 200


def test_a_detractor_still_sees_the_public_links_and_a_click_is_counted(client, sold):
    done = client.post(receipt_link(sold), {"nps": "3"})
    html = done.content.decode()
    assert 'data-invite="detractor"' in html and "reviews small" in html
    href = html.split('class="review-link" href="')[1].split('"')[0]
    followed = client.get(href)
    assert followed.status_code == 302 and followed["Location"] in LINKS.values()
    click = ReviewClick.objects.get()
    assert (click.store.code, click.promoter) == ("MSK-1", False)


def test_a_decline_is_recorded_and_a_bad_score_asked_again(client, sold):
    bad = client.post(receipt_link(sold), {"nps": "11"})
    assert bad.status_code == 422 and not SurveyResponse.objects.exists()
    client.post(receipt_link(sold), {"decline": "1"})
    assert SurveyResponse.objects.get().declined


def test_a_contact_is_kept_only_with_consent(client, sold):
    refused = client.post(receipt_link(sold), {"nps": "8", "contact": "+79000000000"})
    assert refused.status_code == 422
    client.post(receipt_link(sold), {"nps": "8", "contact": "+79000000000", "consent": "yes"})
    assert SurveyResponse.objects.get().contact == "+79000000000"


def test_a_poster_link_surveys_its_store_and_cannot_be_forged(client, chain):
    store = Store.objects.get(code="NSK-1")
    client.post(poster_link(store), {"nps": "9"})
    assert SurveyResponse.objects.get().store == store
    assert client.get(poster_link(store)[:-3] + "xyz").status_code == 404


def test_a_manager_prints_the_poster_of_their_own_store_only(client, personas):
    client.force_login(personas["manager"])
    assert "<svg" in client.get("/feedback/poster/MSK-2/").content.decode()
    assert client.get("/feedback/poster/MSK-1/").status_code == 404
    client.logout()
    assert client.get("/feedback/poster/MSK-2/").status_code == 302


def test_a_terminal_reads_its_screen_and_nothing_more(client, chain):
    setup = client.get("/api/v1/feedback/terminal", **device_bearer("MSK-1", "terminal"))
    assert setup.status_code == 200
    body = setup.json()
    assert body["store"] == "MSK-1" and [s["code"] for s in body["sellers"]] == [
        "MSK-1-S1",
        "MSK-1-S2",
    ]
    assert body["sellers"][0]["name"] == "Мария И."
    assert client.get("/api/v1/feedback/terminal").status_code == 401
    assert client.get("/feedback/terminal/").status_code == 200


@pytest.fixture
def voiced(chain_sales, chain):
    answers = [
        {"id": f"a{i}", "store": "MSK-1", "at": "2026-03-02T15:00:00+03:00", "nps": n}
        for i, n in enumerate([10, 9, 9, 7, 3])
    ]
    answers.append(
        {"id": "d1", "store": "MSK-2", "at": "2026-03-03T15:00:00+03:00", "declined": True}
    )
    presses = [
        {"id": "p1", "store": "MSK-1", "at": "2026-03-02T12:01:00+03:00", "button": "excellent"},
        {"id": "p2", "store": "MSK-1", "at": "2026-03-02T13:01:00+03:00", "button": "bad"},
        {"id": "p3", "store": "MSK-1", "at": "2026-03-02T14:01:00+03:00", "button": "good"},
    ]
    assert not run_import("survey_responses", chain, read_payload(answers)).rejected
    assert not run_import("presses", chain, read_payload(presses)).rejected
    consultations = [
        {
            "id": f"c{i}",
            "store": "MSK-1",
            "seller": "MSK-1-S1",
            "started_at": f"2026-03-02T1{i}:00:00+03:00",
        }
        for i in range(4)
    ]
    assert not run_import("consultations", chain, read_payload(consultations)).rejected
    return chain_sales


def test_the_voice_page_and_its_json_twin_show_the_figures(client, voiced):
    client.force_login(voiced["analyst"])
    data = client.get(f"/feedback/?{WEEK}&format=json").json()
    total = data["total"]
    assert (total["responses"], total["declined"], total["nps"]) == (5, 1, 40.0)
    assert total["nps_with_declines"] == pytest.approx(100 * 2 / 6)
    assert not total["min_n_met"]
    msk1 = next(r for r in data["rows"] if r["store"] == "MSK-1")
    assert msk1["iel"] == pytest.approx(100 * (2 - 1) / 2)  # two sale receipts in MSK-1
    page = client.get(f"/feedback/?{WEEK}")
    assert page.status_code == 200 and 'data-flag="min-n"' in page.content.decode()
    assert data["verdict"]["reasons"][0] == "few_responses"
    assert 'data-verdict="untrusted"' in page.content.decode()


def test_the_voice_page_is_scoped(client, voiced):
    client.force_login(voiced["manager"])  # MSK-2 only
    data = client.get(f"/feedback/?{WEEK}&format=json").json()
    assert data["total"]["responses"] == 0 and data["total"]["declined"] == 1
    assert client.get(f"/feedback/?{WEEK}&store=MSK-1").status_code == 403
    client.force_login(voiced["outsider"])
    assert client.get(f"/feedback/?{WEEK}&format=json").json()["total"]["responses"] == 0
    client.logout()
    assert client.get("/feedback/").status_code == 302


def test_reports_nps_iel_and_csi_come_through_the_api(client, voiced):
    headers = bearer(voiced["admin"])
    nps = client.get(f"/api/v1/reports/nps?{WEEK}&by=store", **headers).json()
    assert {r["store"]: r["responses"] for r in nps["rows"]} == {"MSK-1": 5, "MSK-2": 0, "NSK-1": 0}
    iel = client.get(f"/api/v1/reports/iel?{WEEK}", **headers).json()
    assert iel["total"]["positive"] == 2 and iel["total"]["negative"] == 1
    assert iel["total"]["like_index"] == pytest.approx(2 / 4)  # likes per consultation
    assert client.get(f"/api/v1/reports/csi?{WEEK}", **headers).status_code == 200
    assert Press.objects.count() == 3
    seller = client.get(f"/api/v1/reports/nps?{WEEK}&store=MSK-1", **bearer(voiced["manager"]))
    assert seller.status_code == 403
    assert json.loads(seller.content)["detail"]


def test_the_admin_shows_customer_voice_read_only(client, voiced):
    root = get_user_model().objects.create_superuser("root", password="pw-root")
    client.force_login(root)
    for name in ("press", "surveyresponse", "reviewclick", "feedbacksetup"):
        assert client.get(f"/admin/feedback/{name}/").status_code == 200
    assert client.get("/admin/feedback/press/add/").status_code == 403


def test_the_reviews_report_counts_invitations_and_clicks(client, sold, personas):
    first = client.post(receipt_link(sold), {"nps": "10"}).content.decode()
    href = first.split('class="review-link" href="')[1].split('"')[0]
    client.get(href)
    client.get(href)
    headers = bearer(personas["admin"])
    today = SurveyResponse.objects.get().day.isoformat()
    report = client.get(f"/api/v1/reports/reviews?from={today}&to={today}&by=store", **headers)
    row = report.json()["rows"][0]
    assert (row["store"], row["invitations"], row["clicks"]) == ("MSK-1", 1, 2)
    assert row["promoter_click_rate"] == 2.0
    by_seller = client.get(f"/api/v1/reports/reviews?from={today}&to={today}&by=seller", **headers)
    assert by_seller.status_code == 422
    mine = client.get(
        f"/api/v1/reports/reviews?from={today}&to={today}", **bearer(personas["seller"])
    )
    assert mine.json()["total"]["invitations"] == 1 and mine.json()["total"]["clicks"] is None


def test_segments_split_nps_by_receipt_value_category_and_depth(client, chain_sales, chain):
    # Receipts 1 and 2 of MSK-1 (1 500 ₽, a phone with a case) answered 10 and 3.
    answers = [
        {
            "id": "s1",
            "store": "MSK-1",
            "at": "2026-03-02T12:10:00+03:00",
            "nps": 10,
            "receipt": {"fn": "9999078900001234", "fd": 1},
        },
        {
            "id": "s2",
            "store": "MSK-1",
            "at": "2026-03-02T13:10:00+03:00",
            "nps": 3,
            "receipt": {"fn": "9999078900001234", "fd": 2},
        },
    ]
    assert not run_import("survey_responses", chain, read_payload(answers)).rejected
    report = client.get(f"/api/v1/reports/segments?{WEEK}", **bearer(chain_sales["admin"])).json()
    rows = {(r["cut"], r["segment"]): r for r in report["rows"]}
    value = [r for r in report["rows"] if r["cut"] == "value"]
    assert sum(r["receipts"] for r in value) == 4  # the week's sale receipts
    assert sum(r["revenue_share"] for r in value) == pytest.approx(1.0)
    assert rows[("value", "A")]["receipts"] >= 1
    depth = rows[("depth", "with_addons")]  # every test receipt is a phone and its case
    assert (depth["receipts"], depth["responses"], depth["nps"]) == (4, 2, 0.0)
    assert rows[("category", "Смартфоны")]["promoters"] == 1


def test_segments_count_the_presses_and_consultations_their_receipts_ended(
    client, chain_sales, chain
):
    """Receipts 1 (12:00, till …01) and 2 (13:00) of MSK-1: a press at that till half a minute
    after 1, one at a terminal of no till a minute after 2, one an hour later (follows none);
    a consultation of the receipt's seller that ended just before 1."""
    presses = [
        {"id": "p1", "at": "2026-03-02T12:00:30+03:00", "button": "excellent"},
        {"id": "p2", "at": "2026-03-02T13:01:00+03:00", "button": "bad"},
        {"id": "p3", "at": "2026-03-02T14:00:00+03:00", "button": "good"},
    ]
    terminals = ["0000000000000001", "entrance", "0000000000000001"]
    records = [
        {**p, "store": "MSK-1", "terminal": t} for p, t in zip(presses, terminals, strict=True)
    ]
    assert not run_import("presses", chain, read_payload(records)).rejected
    consultation = {
        "id": "c1",
        "store": "MSK-1",
        "seller": "MSK-1-S1",
        "started_at": "2026-03-02T11:50:00+03:00",
        "ended_at": "2026-03-02T11:59:30+03:00",
    }
    assert not run_import("consultations", chain, read_payload([consultation])).rejected
    report = client.get(f"/api/v1/reports/segments?{WEEK}", **bearer(chain_sales["admin"])).json()
    assert (report["presses"], report["presses_tied"], report["consultations"]) == (3, 2, 1)
    depth = {r["segment"]: r for r in report["rows"] if r["cut"] == "depth"}["with_addons"]
    assert (depth["positive"], depth["negative"], depth["iel"]) == (1, 1, 0.0)
    assert (depth["converted_consultations"], depth["conversion"]) == (1, 1.0)
    client.force_login(chain_sales["admin"])
    page = client.get(f"/feedback/?{WEEK}").content.decode()
    segments = page.split('data-table="segments"')[1].split("</table>")[0]
    assert "ИЭЛ" in segments and 'data-figure="conversion"' in segments


def test_a_receipts_survey_link_is_given_within_scope_only(client, sold, personas):
    query = "/api/v1/feedback/survey-link?fn=9999078900001234&fd=7"
    mine = client.get(query, **bearer(personas["admin"]))
    assert mine.status_code == 200
    assert mine.json()["url"].endswith(receipt_link(sold)) and "<svg" in mine.json()["qr_svg"]
    assert client.get(query, **bearer(personas["manager"])).status_code == 404  # MSK-2 only
    assert client.get(query, **bearer(personas["outsider"])).status_code == 404
    assert client.get(query).status_code == 401


@pytest.mark.parametrize("by", ["region", "store", "seller", "day", "week", "month", "hour"])
def test_nps_and_iel_group_like_every_report(client, voiced, by):
    headers = bearer(voiced["admin"])
    nps = client.get(f"/api/v1/reports/nps?{WEEK}&by={by}", **headers).json()
    iel = client.get(f"/api/v1/reports/iel?{WEEK}&by={by}", **headers).json()
    assert sum(r["responses"] for r in nps["rows"]) == 5
    assert sum(r["positive"] for r in iel["rows"]) == 2
    assert all(by in r for r in nps["rows"])


def test_a_seller_named_by_more_answers_than_receipts_is_not_a_selective_surveyor(
    client, chain_sales, chain
):
    # A poster's answers name the seller but no receipt: the selective-surveying test compares
    # only answers tied to the seller's receipts with them (the binomial test needs k ≤ n).
    answers = [
        {"id": f"u{i}", "store": "MSK-1", "seller": "MSK-1-S1", "at": "2026-03-02T15:00:00+03:00"}
        | {"nps": 10}
        for i in range(40)
    ] + [
        {"id": f"o{i}", "store": store, "seller": seller, "at": "2026-03-03T15:00:00+03:00"}
        | {"nps": 3}
        for i, (store, seller) in enumerate([("MSK-2", "MSK-2-S1"), ("NSK-1", "NSK-1-S1")])
    ]
    assert not run_import("survey_responses", chain, read_payload(answers)).rejected
    sellers_receipts = Receipt.objects.filter(seller__code="MSK-1-S1").count()
    assert sellers_receipts < 40
    nps = client.get(f"/api/v1/reports/nps?{WEEK}", **bearer(chain_sales["admin"]))
    assert nps.status_code == 200
    verdict = nps.json()["verdict"]
    assert verdict["selective_sellers"] == [] and "untied_ratings" in verdict["reasons"]
