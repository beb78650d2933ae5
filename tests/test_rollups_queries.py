"""Query discipline of the pages that read the rollups: each asks the database a pinned number
of times whatever the number of stores, sellers and days (no N+1), and on PostgreSQL every
rollup read and every rollup refresh has an index to go by."""

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cxm.imports.records import read_payload
from cxm.imports.registry import run_import
from cxm.org.models import Store
from cxm.rollups.refresh import refresh_store_days
from cxm.rollups.visitors import sum_visitor_counts
from tests.factories import bearer

WEEK = "from=2026-03-02&to=2026-03-08"
# Pinned: the session, the user and their scope, then the figures (and the chain's KPI
# targets, one query, for the kpi report's `targets`). A change here is a change in how many
# times a page talks to the database — look at why before re-pinning. A dashboard's stores
# (ids, codes, regions) and a store's sellers come with the filter bar's lists; the period's
# total is summed from the days its trend reads, or from its stores' figures where they are
# read already (a chain page's base period, an API report by store); a one-store selection's
# figures by store are its days' (the store page's traffic for its sellers). Visitor
# figures first look up the traffic backlog of their stores, once a request
# (cxm.rollups.visitors): one query, whatever the periods a page reads.
PAGES = {
    "chain dashboard": (f"/?{WEEK}&format=json", 13),
    "chain dashboard page": (f"/?{WEEK}", 14),
    "store dashboard": (f"/?{WEEK}&store=MSK-1&format=json", 14),
    "seller dashboard": (f"/?{WEEK}&store=MSK-1&seller=MSK-1-S1&format=json", 19),
    "monthly trend": (f"/?{WEEK}&grain=month&format=json", 13),
    # Twelve whole months: the heat map reads the month rollup instead of the store-hours.
    # (One query fewer than a week's: a year's previous period is the same period last year.)
    "chain dashboard over a year": ("/?from=2025-03-01&to=2026-02-28&format=json", 12),
    # The sellers' shift traffic: the traffic backlog, which store-days changed (none here:
    # the first request summed them), then the shift rollup.
    "seller ranking": (f"/staff/sellers/?{WEEK}&format=json", 14),
}
API = {
    "kpi": (f"/api/v1/reports/kpi?{WEEK}", 9),
    "kpi by store": (f"/api/v1/reports/kpi?{WEEK}&by=store", 10),
    "kpi by seller": (f"/api/v1/reports/kpi?{WEEK}&by=seller", 11),
    "kpi of a store by day": (f"/api/v1/reports/kpi?{WEEK}&store=MSK-1&by=day", 9),
    "heatmap": (f"/api/v1/reports/heatmap?{WEEK}", 6),
    "decomposition by store": (f"/api/v1/reports/decomposition?{WEEK}&by=store", 9),
    "nps by store": (f"/api/v1/reports/nps?{WEEK}&by=store", 19),
    "sellers": (f"/api/v1/reports/sellers?{WEEK}", 12),
}


def _count(client, url: str, **headers) -> int:
    client.get(url, **headers)  # the first request may set up the session
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **headers)
    assert response.status_code == 200, response.content[:300]
    return len(captured)


def _grow(chain) -> None:
    """Three more stores with two sellers each, and receipts and counts on every day."""
    stores = [
        {"code": f"EKB-{n}", "name": f"Екатеринбург {n}", "region": "Урал",
         "timezone": "Asia/Yekaterinburg", "registers": [f"00000000000001{n:02d}"]}
        for n in range(3)
    ]  # fmt: skip
    sellers = [
        {"code": f"EKB-{n}-S{k}", "name": f"Продавец {n} {k}", "store": f"EKB-{n}"}
        for n in range(3)
        for k in range(2)
    ]
    receipts = [
        {
            "dateTime": f"{date(2026, 3, 2) + timedelta(days=d)}T1{k}:00:00",
            "operationType": 1,
            "totalSum": 1000 * (k + 1),
            "items": [{"name": "Кабель", "price": 1000 * (k + 1), "quantity": 1,
                       "sum": 1000 * (k + 1)}],
            "operator": f"Продавец {n} {k % 2}",
            "fiscalDriveNumber": "9999078900009999",
            "fiscalDocumentNumber": 1000 + 100 * n + 10 * d + k,
            "kktRegId": f"00000000000001{n:02d}",
        }
        for n in range(3)
        for d in range(7)
        for k in range(3)
    ]  # fmt: skip
    counts = [
        {"store": f"EKB-{n}", "start": f"{date(2026, 3, 2) + timedelta(days=d)}T12:00:00+05:00",
         "minutes": 60, "visitors_in": 30}
        for n in range(3)
        for d in range(7)
    ]  # fmt: skip
    for kind, records in (
        ("stores", stores),
        ("sellers", sellers),
        ("receipts", receipts),
        ("traffic", counts),
    ):
        assert not run_import(kind, chain, read_payload(records)).rejected


@pytest.mark.parametrize("name", PAGES)
def test_a_dashboard_page_runs_its_pinned_queries_whatever_the_data(client, chain_sales, name):
    from cxm.org.models import Chain

    url, pinned = PAGES[name]
    client.force_login(chain_sales["admin"])
    assert _count(client, url) == pinned
    _grow(Chain.objects.get(code="default"))
    assert _count(client, url) == pinned


@pytest.mark.parametrize("name", API)
def test_an_api_report_runs_its_pinned_queries_whatever_the_data(client, chain_sales, name):
    from cxm.org.models import Chain

    url, pinned = API[name]
    headers = bearer(chain_sales["admin"])
    assert _count(client, url, **headers) == pinned
    _grow(Chain.objects.get(code="default"))
    assert _count(client, url, **headers) == pinned


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="plans are PostgreSQL's (the PostgreSQL run)"
)


def _scans(sql: str, params=()) -> list[str]:
    """The scan nodes of the plan, with sequential scans forbidden unless unavoidable: a
    table left with `Seq Scan` has no index this query can use."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = [line for (line,) in cursor.fetchall()]
    found = (re.search(r"(\w[\w ]*Scan)(?: using \w+)? on (\w+)", line) for line in plan)
    return [f"{m.group(1)} on {m.group(2)}" for m in found if m]


@postgres_only
@pytest.mark.parametrize("url", [url for url, _ in PAGES.values()])
def test_every_rollup_read_of_a_dashboard_has_an_index(client, chain_sales, url):
    client.force_login(chain_sales["admin"])
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    reads = [q["sql"] for q in captured.captured_queries if "rollups_" in q["sql"]]
    assert reads
    for sql in reads:
        scans = [s for s in _scans(sql) if "rollups_" in s]
        assert scans and not [s for s in scans if s.startswith("Seq Scan")], (sql, scans)


@postgres_only
def test_the_rollup_refresh_finds_its_facts_and_rows_by_index(chain_sales):
    keys = [(store.pk, date(2026, 3, 2)) for store in Store.objects.all()]
    with CaptureQueriesContext(connection) as captured:
        refresh_store_days(keys)
        # The visitor figures summed on their own (cxm.rollups.visitors).
        sum_visitor_counts(keys)
    statements = [q["sql"] for q in captured.captured_queries if "VALUES" in q["sql"]]
    # The sales rollups' seven statements (the traffic backlog's clearing among them), the
    # service rollup's two, the month heat map's two; the visitor figures' three and the
    # heat map's two again; the store-day versions' upsert (its rows are in the statement)
    # reads no table.
    statements = [sql for sql in statements if "rollups_storedayversion" not in sql]
    assert len(statements) == 16
    for sql in statements:
        scans = _scans(sql)
        assert scans and not [s for s in scans if s.startswith("Seq Scan")], (sql, scans)


def test_a_list_of_stores_is_one_parameter(chain_sales):
    """`__any` (cxm/rollups/lookups.py): the same rows as `__in`, and one parameter however
    many stores (an array on PostgreSQL, a JSON array on SQLite), so the statement's text
    does not grow with them."""
    from cxm.rollups.models import StoreDay

    ids = list(Store.objects.values_list("pk", flat=True))
    assert set(StoreDay.objects.filter(store_id__any=ids)) == set(
        StoreDay.objects.filter(store_id__in=ids)
    )
    assert set(StoreDay.objects.filter(store_id__any=ids[:1])) == set(
        StoreDay.objects.filter(store_id=ids[0])
    )
    assert not StoreDay.objects.filter(store_id__any=[]).exists()
    one, many = (
        StoreDay.objects.filter(store_id__any=s).query.sql_with_params()[1] for s in (ids[:1], ids)
    )
    assert len(ids) > 1
    assert len(one) == len(many) == 1
