"""Seller process KPIs and the failures list: `cxm report sellers|failures`, the API twin
and the pages, with figures worked out by hand and each persona's scope."""

import json
from datetime import date

import pytest
from django.core.management import call_command

from cxm.imports.records import read_payload
from cxm.imports.registry import run_import
from cxm.metrics.composite import composite_scores, parse_weights
from cxm.metrics.periods import Period
from cxm.org.models import Chain
from cxm.org.scope import scope_for
from cxm.reports.filters import ReportFilter
from cxm.reports.registry import build_report
from cxm.staff.services import define_template
from tests.factories import bearer, count, receipt

DAY = "from=2026-03-02&to=2026-03-02"


@pytest.fixture
def activity(personas, chain):
    """MSK-1 on 2 March: 40 visitors at 10 and 60 at 18 o'clock; MSK-1-S1 consults three
    times (10:00–12:30) and sells twice; MSK-1-S2 consults once and sells nothing."""
    receipts = [
        receipt(1, when="2026-03-02T10:20:00", total=150000),
        receipt(2, when="2026-03-02T13:00:00", total=50000),
    ]
    presses = [
        ("c1", "MSK-1-S1", "10:00"),
        ("c2", "MSK-1-S1", "11:00"),
        ("c3", "MSK-1-S1", "12:30"),
        ("c4", "MSK-1-S2", "10:05"),
    ]
    consultations = [
        {"id": i, "store": "MSK-1", "seller": s, "started_at": f"2026-03-02T{t}:00+03:00"}
        for i, s, t in presses
    ]
    assert not run_import("receipts", chain, read_payload(receipts)).rejected
    traffic = [count(visitors=40), count(start="2026-03-02T18:00:00+03:00", visitors=60)]
    assert not run_import("traffic", chain, read_payload(traffic)).rejected
    assert not run_import("consultations", chain, read_payload(consultations)).rejected
    return personas


def _filter(user, **kw):
    return ReportFilter(scope_for(user), Period(date(2026, 3, 2), date(2026, 3, 2)), **kw)


def test_seller_kpis_worked_by_hand(activity):
    report = build_report("sellers", _filter(activity["admin"], store="MSK-1"))
    rows = {r["seller"]: r for r in report["rows"]}
    one = rows["MSK-1-S1"]
    # c1 → receipt 1 (10:20); c2 nothing; c3 (12:30) → receipt 2 at 13:00, within 40 min.
    assert (one["consultations"], one["failed_consultations"]) == (3, 1)
    assert one["consultation_conversion"] == pytest.approx(2 / 3)
    # Her hours are 10–13 o'clock: the evening's 60 visitors are not hers.
    assert one["traffic"] == 40 and one["coverage"] == pytest.approx(3 / 40)
    assert float(one["revenue"]) == 2000.0 and one["receipts"] == 2
    two = rows["MSK-1-S2"]
    assert (two["consultations"], two["failed_consultations"], two["consultation_conversion"]) == (
        1,
        1,
        0.0,
    )
    by_store = build_report("sellers", _filter(activity["admin"]), by="store")["rows"]
    msk1 = next(r for r in by_store if r["store"] == "MSK-1")
    assert (msk1["consultations"], msk1["traffic"], msk1["coverage"]) == (4, 100, 0.04)


def test_a_seller_sees_only_their_own_row(activity):
    rows = build_report("sellers", _filter(activity["seller"]))["rows"]
    assert [r["seller"] for r in rows] == ["MSK-1-S1"]
    failures = build_report("failures", _filter(activity["seller"]))["rows"]
    assert {r["seller"] for r in failures} == {"MSK-1-S1"}


def test_the_failures_report_lists_every_consultation_with_its_outcome(activity):
    report = build_report("failures", _filter(activity["admin"]))
    assert [(r["consultation"], r["converted"], r["receipt"]) for r in report["rows"]] == [
        ("c1", True, "9999078900001234/1"),
        ("c4", False, None),
        ("c2", False, None),
        ("c3", True, "9999078900001234/2"),
    ]
    assert report["rows"][0]["started_at"] == "2026-03-02T10:00:00+03:00"
    by_hour = {h["hour"]: h["failed_consultations"] for h in report["by_hour"]}
    assert by_hour == {10: 1, 11: 1, 12: 0}
    assert build_report("failures", _filter(activity["manager"]))["rows"] == []


def test_the_command_line_and_the_api_give_the_same_sellers_report(activity, client, capsys):
    call_command(
        "report",
        "sellers",
        "--from",
        "2026-03-02",
        "--to",
        "2026-03-02",
        "--chain",
        "default",
        "--format",
        "json",
    )
    printed = json.loads(capsys.readouterr().out)
    response = client.get(f"/api/v1/reports/sellers?{DAY}", **bearer(activity["admin"]))
    assert response.status_code == 200
    assert response.json() == printed
    assert {
        "consultations",
        "coverage",
        "consultation_conversion",
        "failed_consultations",
        "compliance",
    } <= set(printed["rows"][0])
    outsider = client.get(f"/api/v1/reports/failures?{DAY}", **bearer(activity["outsider"]))
    assert outsider.status_code == 200 and outsider.json()["rows"] == []


def test_the_pages_show_the_reports_and_their_json_twins(activity, client):
    client.force_login(activity["admin"])
    page = client.get(f"/staff/failures/?{DAY}")
    assert page.status_code == 200 and 'data-code="c2"' in page.content.decode()
    twin = client.get(f"/staff/failures/?{DAY}&format=json").json()
    assert (twin["consultations"], twin["failed_consultations"]) == (4, 2)
    ranking = client.get(f"/staff/sellers/?{DAY}&format=json").json()["rows"]
    assert [r["seller"] for r in ranking[:2]] == ["MSK-1-S1", "MSK-1-S2"]
    assert client.get("/staff/button/").status_code == 403  # not a seller
    profile = client.get(f"/staff/sellers/?{DAY}&seller=MSK-1-S1&format=json").json()
    assert [(r["day"], r["consultations"]) for r in profile["trend"]] == [("2026-03-02", 3)]
    client.force_login(activity["seller"])
    assert client.get("/staff/button/").status_code == 200
    assert client.get(f"/staff/sellers/?{DAY}&seller=MSK-1-S2").status_code == 403
    client.logout()
    assert client.get("/staff/failures/").status_code == 302


def test_one_click_queues_a_failed_consultation_for_the_electronic_mystery_shopper(
    activity, client
):
    define_template(
        Chain.objects.get(code="default"),
        "std",
        "Стандарт",
        [{"code": "greet", "factor": "Приветствие"}],
    )
    client.force_login(activity["admin"])
    response = client.post(
        "/staff/failures/queue/", {"consultation": "c2", "next": f"/staff/failures/?{DAY}"}
    )
    assert response.status_code == 302 and response["Location"] == f"/staff/failures/?{DAY}"
    rows = build_report("failures", _filter(activity["admin"]))["rows"]
    assert [r["consultation"] for r in rows if r["queued_for_review"]] == ["c2"]
    page = client.get("/staff/checklist/").content.decode()
    assert 'value="c2"' in page
    evil = client.post(
        "/staff/failures/queue/", {"consultation": "c4", "next": "https://evil.example/"}
    )
    assert evil["Location"] == "/staff/failures/"
    client.force_login(activity["manager"])  # MSK-2's manager: c1 is MSK-1's
    assert client.post("/staff/failures/queue/", {"consultation": "c1"}).status_code == 403


def test_the_composite_kpi_normalises_each_component_and_skips_missing_ones():
    rows = [
        {"consultation_conversion": 0.6, "coverage": 0.10, "compliance": 0.9},
        {"consultation_conversion": 0.4, "coverage": 0.30, "compliance": None},
        {"consultation_conversion": 0.5, "coverage": 0.20, "compliance": 0.5},
    ]
    weights = parse_weights("consultation_conversion:2, coverage:1, compliance:1")
    # 1st: (2·1 + 1·0 + 1·1)/4; 2nd: (2·0 + 1·1)/3 without compliance; 3rd: (2·.5 + .5 + 0)/4
    assert composite_scores(rows, weights) == pytest.approx([0.75, 1 / 3, 0.375])
    assert composite_scores([{"coverage": None}], weights) == [None]
    with pytest.raises(ValueError):
        parse_weights("coverage:-1")


def test_the_like_index_counts_positive_presses_per_consultation(activity):
    presses = [
        {"id": f"p{n}", "store": "MSK-1", "seller": "MSK-1-S1", "at": at, "button": button}
        for n, (at, button) in enumerate(
            [
                ("2026-03-02T10:25:00+03:00", "like"),
                ("2026-03-02T13:05:00+03:00", "excellent"),
                ("2026-03-02T14:05:00+03:00", "dislike"),
            ]
        )
    ]
    chain = Chain.objects.get(code="default")
    assert not run_import("presses", chain, read_payload(presses)).rejected
    rows = {r["seller"]: r for r in build_report("sellers", _filter(activity["admin"]))["rows"]}
    assert rows["MSK-1-S1"]["likes"] == 2
    assert rows["MSK-1-S1"]["like_index"] == pytest.approx(2 / 3)
    assert rows["MSK-1-S2"]["like_index"] == 0.0
    scores = [r["composite_kpi"] for r in rows.values() if r["composite_kpi"] is not None]
    assert (
        all(0 <= s <= 1 for s in scores)
        and rows["MSK-1-S1"]["composite_kpi"] > rows["MSK-1-S2"]["composite_kpi"]
    )


def test_the_pages_query_count_does_not_grow_with_the_rows(activity, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(activity["admin"])

    def queries(url):
        client.get(url)  # matches what changed; the second read is the steady state
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    pages = (f"/staff/failures/?{DAY}", f"/staff/sellers/?{DAY}")
    before = [queries(url) for url in pages]
    more = [
        {
            "id": f"x{n}",
            "store": "MSK-1",
            "seller": "MSK-1-S2",
            "started_at": f"2026-03-02T{15 + n}:00:00+03:00",
        }
        for n in range(4)
    ]
    assert not run_import(
        "consultations", Chain.objects.get(code="default"), read_payload(more)
    ).rejected
    assert [queries(url) for url in pages] == before
