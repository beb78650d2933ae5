"""Who sees and edits which incidents (API and pages), the rules as data, the organizer's
reviews, notification choices and exports with their filters written in."""

import csv
import io
from datetime import date

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from cxm.incidents.models import Incident, Review, Rule, Subscription
from cxm.incidents.rules import Signal, ensure_default_rules
from cxm.incidents.services import open_or_join
from cxm.org.models import Store
from tests.factories import bearer

# The fakes' fixtures: fast password hashing among them.
pytest_plugins = ["tests.incidents_fakes"]


@pytest.fixture
def incidents(personas, chain) -> dict[str, Incident]:
    rule = next(r for r in ensure_default_rules(chain) if r.code == "detractor")
    made = {}
    for code in ("MSK-1", "MSK-2", "NSK-1"):
        store = Store.objects.get(code=code)
        signal = Signal(store.pk, f"answer:{code}", f"Недоволен покупатель {code}", timezone.now())
        made[code], _new = open_or_join(rule, signal, timezone.now())
    return made


def api(persona, method: str, url: str, body=None):
    call = getattr(Client(), method)
    if body is None:
        return call(url, **bearer(persona))
    return call(url, body, content_type="application/json", **bearer(persona))


@pytest.mark.parametrize(
    ("persona", "stores"),
    [
        ("admin", {"MSK-1", "MSK-2", "NSK-1"}),
        ("analyst", {"MSK-1", "MSK-2", "NSK-1"}),
        ("regional", {"NSK-1"}),
        ("manager", {"MSK-2"}),
        ("seller", set()),
        ("outsider", set()),
    ],
)
def test_each_role_sees_the_incidents_of_its_scope(personas, incidents, persona, stores):
    listed = api(personas[persona], "get", "/api/v1/incidents").json()
    assert {i["store"] for i in listed} == stores


def test_a_store_manager_edits_only_their_stores_incidents(personas, incidents):
    manager = personas["manager"]
    theirs, other = incidents["MSK-2"], incidents["NSK-1"]
    assert api(manager, "get", f"/api/v1/incidents/{other.pk}").status_code == 404
    refused = api(manager, "post", f"/api/v1/incidents/{other.pk}/comments", {"text": "x"})
    assert refused.status_code == 404
    moved = api(manager, "post", f"/api/v1/incidents/{theirs.pk}/status", {"status": "in_progress"})
    assert moved.json()["status"] == "in_progress"
    # Analysts read but do not act.
    analyst = api(
        personas["analyst"], "post", f"/api/v1/incidents/{theirs.pk}/comments", {"text": "x"}
    )
    assert analyst.status_code == 403


def test_dismissing_needs_a_reason_and_bad_moves_are_named(personas, incidents):
    url = f"/api/v1/incidents/{incidents['MSK-2'].pk}/status"
    manager = personas["manager"]
    no_reason = api(manager, "post", url, {"status": "dismissed"})
    assert no_reason.status_code == 422 and no_reason.json()["detail"].startswith("reason: ")
    wrong_move = api(manager, "post", url, {"status": "verified"})  # new → verified
    assert wrong_move.status_code == 422 and wrong_move.json()["detail"].startswith("status: ")
    assert api(manager, "post", url, {"status": "closed"}).status_code == 422  # no such status
    done = api(manager, "post", url, {"status": "dismissed", "reason": "тестовый ответ"})
    assert done.json()["dismiss_reason"] == "тестовый ответ"


def test_the_chain_admin_edits_rules_and_managers_only_read_them(personas, chain):
    codes = {r["code"] for r in api(personas["manager"], "get", "/api/v1/incident-rules").json()}
    assert {"detractor", "silent-device", "low-conversion"} <= codes
    body = {"sla_hours": 8, "params": {"open_hours": 12}}
    assert (
        api(personas["manager"], "patch", "/api/v1/incident-rules/silent-device", body).status_code
        == 403
    )
    edited = api(personas["admin"], "patch", "/api/v1/incident-rules/silent-device", body).json()
    assert edited["sla_hours"] == 8 and edited["params"]["open_hours"] == 12
    assert edited["params"]["kinds"]  # the other parameters stay
    unknown = api(
        personas["admin"], "patch", "/api/v1/incident-rules/silent-device", {"params": {"k": 1}}
    )
    assert unknown.status_code == 422 and "'k'" in unknown.json()["detail"]
    assert Rule.objects.get(chain=chain, code="silent-device").sla_hours == 8


def test_the_today_page_shows_the_managers_incidents_and_resolves_one(personas, incidents):
    client = Client()
    client.force_login(personas["manager"])
    page = client.get("/incidents/").content.decode()
    assert "Недоволен покупатель MSK-2" in page and "NSK-1" not in page
    mine = incidents["MSK-2"]
    client.post(f"/incidents/{mine.pk}/comment/", {"text": "Перезвонил, извинился"})
    client.post(f"/incidents/{mine.pk}/status/", {"status": "resolved", "outcome": "apology"})
    mine.refresh_from_db()
    assert (mine.status, mine.outcome) == ("resolved", "apology")
    assert (
        client.post(f"/incidents/{incidents['NSK-1'].pk}/comment/", {"text": "x"}).status_code
        == 404
    )


def test_the_incident_list_exports_with_its_filters(personas, incidents):
    client = Client()
    client.force_login(personas["admin"])
    text = client.get("/incidents/", {"store": "MSK-1", "format": "csv"}).content.decode()
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == ["# store", "MSK-1"]
    header = next(line for line in lines if line and line[0] == "id")
    rows = lines[lines.index(header) + 1 :]
    assert [r[header.index("store")] for r in rows] == ["MSK-1"]
    book = load_workbook(io.BytesIO(client.get("/incidents/", {"format": "xlsx"}).content))
    assert book.sheetnames == ["incidents", "filters"]
    assert book["incidents"].max_row == 4  # a header and three incidents


def test_any_report_exports_with_the_applied_filters(personas, sales):
    client = Client()
    client.force_login(personas["admin"])
    query = {"from": "2026-03-02", "to": "2026-03-08", "store": "MSK-1", "format": "csv"}
    text = client.get("/incidents/export/kpi/", query).content.decode()
    assert text.startswith("# report,kpi\n# from,2026-03-02\n# to,2026-03-08\n# store,MSK-1\n")
    client.force_login(personas["manager"])
    assert client.get("/incidents/export/kpi/", query).status_code == 403
    assert client.get("/incidents/export/nope/", query).status_code == 404


def test_a_staff_review_is_held_and_the_next_one_scheduled(personas, chain):
    client = Client()
    client.force_login(personas["manager"])
    page = client.get("/incidents/organizer/", {"format": "json"}).json()
    reviews = page["reviews"]
    assert [r["store"] for r in reviews] == ["MSK-2"]  # only their store's staff review
    assert page["agenda"]["store"] == "MSK-2"
    review = Review.objects.get(pk=reviews[0]["id"])
    printed = client.get(f"/incidents/reviews/{review.pk}/print/")
    assert printed.status_code == 200 and b"MSK-2" in printed.content
    client.post(
        f"/incidents/reviews/{review.pk}/done/", {"notes": "Обсудили", "decisions": "Тренинг"}
    )
    review.refresh_from_db()
    assert review.done_at and review.decisions == "Тренинг"
    following = Review.objects.get(store=review.store, done_at=None)
    assert following.period_start == date(
        review.period_end.year + (review.period_end.month == 12),
        review.period_end.month % 12 + 1,
        1,
    )
    # The chain admin sees the half-year policy review as well.
    admin = Client()
    admin.force_login(personas["admin"])
    kinds = {
        r["kind"] for r in admin.get("/incidents/organizer/", {"format": "json"}).json()["reviews"]
    }
    assert kinds == {"staff", "policy"}


def test_each_user_chooses_their_own_channels(personas):
    client = Client()
    client.force_login(personas["manager"])
    client.post(
        "/incidents/notifications/",
        {"channel": "telegram", "address": "555", "alerts": "on", "weekly_digest": "on"},
    )
    sub = Subscription.objects.get(user=personas["manager"])
    assert (sub.channel, sub.alerts, sub.daily_digest, sub.weekly_digest) == (
        "telegram",
        True,
        False,
        True,
    )
    other = Client()
    other.force_login(personas["regional"])
    assert b"555" not in other.get("/incidents/notifications/").content


def test_the_weekly_digest_prints_and_exports_within_scope(personas, incidents):
    client = Client()
    client.force_login(personas["regional"])
    page = client.get("/incidents/digest/weekly/").content.decode()
    assert "NSK-1" in page and "MSK-" not in page
    text = client.get("/incidents/digest/weekly/", {"format": "csv"}).content.decode()
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0][0] == "# from" and lines[2] == ["store", "opened", "still_open", "escalated"]
    assert lines[3] == ["NSK-1", "1", "1", "0"]
