"""The ClickHouse prototype (cxm.rollups.clickhouse on the embedded chdb engine): the chain
dashboard's figures from the facts copied into ClickHouse and summed by its materialised views
equal the same figures summed from the raw facts in this run's database (SQLite or
PostgreSQL), before and after ClickHouse merges its parts, and after a counter correction."""

from datetime import date, timedelta

import pytest

from cxm.dashboard.filters import DashboardQuery
from cxm.dashboard.pages import dashboard_data
from cxm.imports.records import read_payload
from cxm.imports.registry import run_import
from cxm.metrics.periods import Period
from cxm.reports.filters import ReportFilter
from cxm.reports.kpi import conversion_heatmap, kpi_report
from cxm.reports.sales import GROUPINGS, sales_figures
from cxm.rollups.sources import RAW_FACTS, reading
from tests.test_rollups import DAYS, FIRST_DAY, Chain, _scope, _steps

pytest.importorskip("chdb")

from cxm.rollups.clickhouse import ClickHouseFacts  # noqa: E402

WHOLE = Period(FIRST_DAY, FIRST_DAY + timedelta(days=DAYS - 1))
FILTERS = [{}, {"store": "MSK-1"}, {"region": "Сибирь"}, {"store": "MSK-2", "seller": "MSK-2-S1"}]


@pytest.fixture
def clickhouse(chain, tmp_path):
    data = Chain(chain, 21)
    for step in _steps(data):
        step()
    facts = ClickHouseFacts(tmp_path / "chdb")
    facts.load_from_django()
    yield facts
    facts.close()


def _figures(flt: ReportFilter) -> dict:
    figures = {by: sales_figures(flt, by) for by in (None, *GROUPINGS) if by != "hour"}
    if flt.seller is None:
        figures["hour"] = sales_figures(flt, "hour")
        figures["heatmap"] = conversion_heatmap(flt)
    figures["kpi"] = kpi_report(flt)
    figures["dashboard"] = dashboard_data(DashboardQuery(flt, None, grain="week"))
    return figures


def _assert_same(clickhouse) -> None:
    for params in FILTERS:
        for period in (WHOLE, Period(FIRST_DAY + timedelta(days=2), FIRST_DAY + timedelta(5))):
            flt = ReportFilter(_scope(), period, **params)
            with reading(RAW_FACTS):
                expected = _figures(flt)
            with reading(clickhouse):
                assert _figures(flt) == expected, (params, period)


def test_the_chain_dashboard_from_clickhouse_equals_the_raw_facts(clickhouse):
    _assert_same(clickhouse)


def test_merged_parts_keep_the_same_figures(clickhouse):
    for table in ("store_hour", "store_day", "seller_day"):
        clickhouse.session.query(f"OPTIMIZE TABLE {table} FINAL")
    _assert_same(clickhouse)


def test_a_counter_correction_is_two_inserts(clickhouse, chain):
    start = "2026-03-03T11:00:00+03:00"
    record = {"store": "MSK-2", "start": start, "minutes": 60, "visitors_in": 17}
    assert run_import("traffic", chain, read_payload([record])).accepted == 1
    clickhouse.count(_store_id("MSK-2"), date(2026, 3, 3), 11, 17)
    _assert_same(clickhouse)
    assert run_import("traffic", chain, read_payload([{**record, "visitors_in": 5}])).updated == 1
    clickhouse.count(_store_id("MSK-2"), date(2026, 3, 3), 11, 5, old=17)
    _assert_same(clickhouse)


def _store_id(code: str) -> int:
    from cxm.org.models import Store

    return Store.objects.get(code=code).pk
