"""The rollups the dashboards read stay equal to the facts: after a random mix of imports, late
receipts, returns, re-imports, traffic corrections and a deleted seller, every report figure on
random slices (period, region, store, seller, grouping) is the same read from the rollups as
summed from the raw receipts and visitor counts. Runs on SQLite and PostgreSQL (.ci/run)."""

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from cxm.dashboard.filters import DashboardQuery
from cxm.dashboard.pages import dashboard_data
from cxm.imports.records import read_payload
from cxm.imports.registry import run_import
from cxm.metrics.periods import Period
from cxm.org.models import Role, Seller, Store
from cxm.org.scope import Scope
from cxm.reports.filters import ReportFilter
from cxm.reports.kpi import conversion_heatmap, decomposition_report, kpi_report
from cxm.reports.sales import GROUPINGS, sales_figures
from cxm.rollups.models import SellerDay, StoreDay, StoreHour, StoreMonthHour, VisitorBacklog
from cxm.rollups.refresh import rebuild
from cxm.rollups.sources import RAW_FACTS, ROLLUPS, reading
from cxm.rollups.visitors import drain_backlog, settle_visitor_counts
from cxm.staff.reports import sellers_report
from tests.factories import receipt

REGISTERS = {"MSK-1": "0000000000000001", "MSK-2": "0000000000000002", "NSK-1": "0000000000000003"}
ZONES = {"MSK-1": "Europe/Moscow", "MSK-2": "Europe/Moscow", "NSK-1": "Asia/Novosibirsk"}
OPERATORS = {
    "MSK-1": ["Иванова Мария Сергеевна, Продавец-кассир", "Петров Олег Иванович"],
    "MSK-2": ["Смирнова Анна Петровна"],
    "NSK-1": ["Кузнецов Илья Андреевич"],
}
UNKNOWN_OPERATOR = "Касса самообслуживания"
FIRST_DAY = date(2026, 3, 1)
DAYS = 10


class Chain:
    """Random receipts and visitor counts of the test chain, remembered for re-sending."""

    def __init__(self, chain, seed: int):
        self.chain = chain
        self.rng = random.Random(seed)
        self.next_fd = 1
        self.sent: list[dict] = []
        self.counts: dict[tuple[str, str], dict] = {}

    def moment(self, store: str, day: date | None = None) -> str:
        """A local moment in the store's zone, written in local time, with the store's offset
        or in UTC: the rollups must fall on the store's local day either way."""
        day = day or FIRST_DAY + timedelta(days=self.rng.randrange(DAYS))
        hour = self.rng.choice([0, 9, 10, 13, 18, 21, 23])
        local = datetime(day.year, day.month, day.day, hour, self.rng.randrange(60))
        style = self.rng.randrange(3)
        if style == 0:
            return local.isoformat()
        aware = local.replace(tzinfo=ZoneInfo(ZONES[store]))
        return (aware if style == 1 else aware.astimezone(UTC)).isoformat()

    def receipt(self, store: str | None = None, day: date | None = None, operation=None) -> dict:
        store = store or self.rng.choice(list(REGISTERS))
        operation = operation or self.rng.choices([1, 2, 3], weights=[80, 15, 5])[0]
        items = []
        for _ in range(self.rng.randint(1, 3)):
            quantity = self.rng.choice(["1", "2", "0.5", "1.25"])
            price = self.rng.randrange(100, 500_000)
            line = int(round(price * float(quantity)))
            items.append(
                {"name": "Кабель USB-C", "price": price, "quantity": quantity, "sum": line}
            )
        operator = self.rng.choice([*OPERATORS[store], UNKNOWN_OPERATOR, ""])
        fd, self.next_fd = self.next_fd, self.next_fd + 1
        record = receipt(
            fd,
            REGISTERS[store],
            operation=operation,
            when=self.moment(store, day),
            operator=operator,
            items=items,
        )
        self.sent.append(record)
        return record

    def count(self, store: str | None = None) -> dict:
        store = store or self.rng.choice(list(REGISTERS))
        day = FIRST_DAY + timedelta(days=self.rng.randrange(DAYS))
        start = datetime(day.year, day.month, day.day, self.rng.choice([0, 10, 14, 22]))
        start = start.replace(tzinfo=ZoneInfo(ZONES[store])).isoformat()
        visitors = self.rng.randrange(0, 60)
        record = {
            "store": store,
            "start": start,
            "minutes": 60,
            "visitors_in": visitors,
            "visitors_out": visitors,
        }
        self.counts[(store, start)] = record
        return record

    def send(self, kind: str, records: list[dict]) -> None:
        result = run_import(kind, self.chain, read_payload(records))
        assert not result.rejected, result.rejected


def _steps(data: Chain) -> list:
    rng = data.rng
    return [
        # Receipts and visitor counts arrive for the whole period.
        lambda: data.send("receipts", [data.receipt() for _ in range(60)]),
        lambda: data.send("traffic", [data.count() for _ in range(30)]),
        # Late receipts and returns for the first days, in a batch with today's.
        lambda: data.send(
            "receipts",
            [data.receipt(day=FIRST_DAY, operation=2) for _ in range(5)]
            + [data.receipt(day=FIRST_DAY + timedelta(days=DAYS - 1)) for _ in range(5)],
        ),
        # A re-import of what was sent, with some new receipts among the old.
        lambda: data.send(
            "receipts", rng.sample(data.sent, 30) + [data.receipt() for _ in range(10)]
        ),
        # Counters re-send some intervals with corrected counts, some unchanged.
        lambda: data.send(
            "traffic",
            [
                {**record, "visitors_in": record["visitors_in"] + rng.randrange(0, 3)}
                for record in rng.sample(list(data.counts.values()), 10)
            ],
        ),
        lambda: data.send("receipts", [data.receipt() for _ in range(20)]),
    ]


def _scope() -> Scope:
    ids = frozenset(Store.objects.values_list("pk", flat=True))
    return Scope(role=Role.CHAIN_ADMIN, chain_id=None, store_ids=ids)


def _random_filter(rng: random.Random, scope: Scope) -> ReportFilter:
    start = FIRST_DAY + timedelta(days=rng.randrange(-1, DAYS))
    period = Period(start, start + timedelta(days=rng.randrange(0, DAYS)))
    store = rng.choice([None, None, *REGISTERS])
    region = None
    if store is None:
        region = rng.choice([None, "Центр", "Сибирь"])
    elif rng.random() < 0.3:
        region = Store.objects.get(code=store).region.name
    seller = None
    if store is not None and rng.random() < 0.5:
        seller = rng.choice(list(Seller.objects.filter(store__code=store)))
    return ReportFilter(scope, period, store, region, seller.code if seller else None)


def _figures(flt: ReportFilter) -> dict:
    """Every figure the dashboards, the API and the seller ranking read for this filter."""
    figures = {by: sales_figures(flt, by) for by in (None, *GROUPINGS)}
    figures["kpi"] = kpi_report(flt)
    figures["heatmap"] = conversion_heatmap(flt)
    figures["decomposition"] = decomposition_report(flt, by="seller")
    if flt.seller is None:
        figures["decomposition by store"] = decomposition_report(flt, by="store")
    figures["sellers"] = sellers_report(flt, "seller")
    return figures


def _same_from_both(flt: ReportFilter) -> dict:
    with reading(RAW_FACTS):
        raw = _figures(flt)
    with reading(ROLLUPS):
        rolled = _figures(flt)
    assert rolled == raw, flt
    return rolled


def _rows() -> dict[str, set]:
    return {
        model.__name__: set(model.objects.values_list(*_columns(model)))
        for model in (StoreDay, StoreHour, SellerDay, StoreMonthHour)
    }


def _columns(model) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields if f.attname != "id"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rollup_figures_equal_raw_figures_on_random_slices(chain, seed):
    data = Chain(chain, seed)
    scope = _scope()
    for step in _steps(data):
        step()
        # Visitor counts wait in the backlog: a reader sums those of its window first...
        _same_from_both(_random_filter(data.rng, scope))
        # ...and the tick sums the rest. Incremental upkeep leaves exactly what summing
        # everything again would.
        drain_backlog()
        assert not VisitorBacklog.objects.exists()
        kept = _rows()
        rebuild()
        assert _rows() == kept
        _same_from_both(_random_filter(data.rng, scope))
    # The seller is deleted: their receipts become receipts of no known seller.
    Seller.objects.get(code="MSK-1-S2").delete()
    for _ in range(12):
        _same_from_both(_random_filter(data.rng, scope))
    whole = ReportFilter(scope, Period(FIRST_DAY - timedelta(days=1), FIRST_DAY + timedelta(DAYS)))
    figures = _same_from_both(whole)
    assert figures[None][()].receipts == sum(r.receipts for r in StoreDay.objects.all())
    assert figures[None][()].receipts > 50


def test_a_re_import_changes_no_rollup_row(chain):
    data = Chain(chain, 7)
    data.send("receipts", [data.receipt() for _ in range(40)])
    data.send("traffic", [data.count() for _ in range(20)])
    before = _rows()
    result = run_import("receipts", chain, read_payload(data.sent))
    assert result.duplicates == 40 and result.accepted == 0
    assert run_import("traffic", chain, read_payload(list(data.counts.values()))).accepted == 0
    assert _rows() == before


def test_a_batch_of_documents_that_are_neither_sales_nor_returns_adds_rows_without_figures(
    chain,
):
    data = Chain(chain, 11)
    data.send("receipts", [data.receipt("MSK-1", FIRST_DAY, operation=3) for _ in range(3)])
    data.send("receipts", [data.receipt("MSK-1", FIRST_DAY, operation=3)])
    kept = _rows()
    rebuild()
    assert _rows() == kept
    day = StoreDay.objects.get(store__code="MSK-1", day=FIRST_DAY)
    assert (day.receipts, day.return_receipts, day.sales) == (0, 0, 0)


def test_a_late_receipt_and_a_return_change_only_their_store_day(chain):
    data = Chain(chain, 8)
    data.send("receipts", [data.receipt("MSK-1", FIRST_DAY + timedelta(days=d)) for d in range(3)])
    before = {row.day: row for row in StoreDay.objects.filter(store__code="MSK-1")}
    sale = data.receipt("MSK-1", FIRST_DAY, operation=1)
    refund = data.receipt("MSK-1", FIRST_DAY, operation=2)
    data.send("receipts", [sale, refund])
    after = {row.day: row for row in StoreDay.objects.filter(store__code="MSK-1")}
    first = after[FIRST_DAY]
    assert first.receipts == before[FIRST_DAY].receipts + 1
    assert first.sales == before[FIRST_DAY].sales + sale["totalSum"]
    assert first.returns == before[FIRST_DAY].returns + refund["totalSum"]
    assert first.return_receipts == before[FIRST_DAY].return_receipts + 1
    for day in (FIRST_DAY + timedelta(days=1), FIRST_DAY + timedelta(days=2)):
        assert _values(after[day]) == _values(before[day])


def test_a_corrected_visitor_count_replaces_the_old_one(chain):
    first = {"store": "MSK-2", "start": "2026-03-02T10:00:00+03:00", "minutes": 60}
    store, day = Store.objects.get(code="MSK-2"), date(2026, 3, 2)

    def summed() -> tuple[int, int]:
        # The import leaves the store-day to the readers; one reads it.
        assert settle_visitor_counts([store.pk], day, day) == 1
        rows = StoreDay.objects.get(store=store, day=day), StoreHour.objects.get(store=store)
        return tuple(row.visitors for row in rows)

    run_import("traffic", chain, read_payload([{**first, "visitors_in": 40}]))
    assert summed() == (40, 40)
    run_import("traffic", chain, read_payload([{**first, "visitors_in": 25}]))
    run_import("traffic", chain, read_payload([{**first, "visitors_in": 25}]))  # the same
    assert summed() == (25, 25)
    assert settle_visitor_counts([store.pk], day, day) == 0


def test_receipts_fall_on_the_store_s_local_day_and_hour(chain):
    data = Chain(chain, 9)
    # 20:30 UTC on the 1st is 03:30 on the 2nd in Novosibirsk (UTC+7).
    record = data.receipt("NSK-1", operation=1)
    record["dateTime"] = "2026-03-01T20:30:00+00:00"
    data.send("receipts", [record])
    row = StoreHour.objects.get(store__code="NSK-1")
    assert (row.day, row.hour, row.receipts) == (date(2026, 3, 2), 3, 1)


def test_deleting_a_seller_moves_their_figures_to_no_seller(chain):
    data = Chain(chain, 10)
    records = [data.receipt("MSK-1", FIRST_DAY, operation=1) for _ in range(6)]
    for record in records:
        record["operator"] = "Петров Олег Иванович"
    data.send("receipts", records)
    total = sum(record["totalSum"] for record in records)
    seller = Seller.objects.get(code="MSK-1-S2")
    assert SellerDay.objects.get(seller=seller).sales == total
    seller.delete()
    orphan = SellerDay.objects.get(store__code="MSK-1", seller__isnull=True)
    assert (orphan.sales, orphan.receipts) == (total, 6)


def test_rebuild_fills_rollups_of_facts_that_predate_them(chain):
    data = Chain(chain, 11)
    data.send("receipts", [data.receipt() for _ in range(30)])
    data.send("traffic", [data.count() for _ in range(10)])
    drain_backlog()
    kept = _rows()
    for model in (StoreDay, StoreHour, SellerDay):
        model.objects.all().delete()
    assert rebuild() > 0
    assert _rows() == kept


def test_the_dashboard_shows_the_same_figures_from_rollups_and_from_facts(chain, personas):
    data = Chain(chain, 12)
    for step in _steps(data):
        step()
    for params in ({}, {"store": "MSK-1"}, {"region": "Сибирь"}, {"seller": "MSK-2-S1"}):
        flt = ReportFilter(_scope(), Period(FIRST_DAY, FIRST_DAY + timedelta(days=6)), **params)
        for grain in ("day", "week", "month"):
            query = DashboardQuery(flt, None, grain=grain)
            with reading(RAW_FACTS):
                raw = dashboard_data(query)
            assert dashboard_data(query) == raw


def test_a_page_sums_the_visitor_counts_it_shows_and_the_tick_the_rest(chain, personas, client):
    """Visitor counts wait in the backlog after their import (cxm.rollups.visitors): the
    dashboard sums those of its stores and period before it reads, looking the backlog up
    once whatever the periods it reads; the worker's tick sums the rest."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cxm.incidents.tasks import tick

    data = Chain(chain, 14)
    data.send("receipts", [data.receipt() for _ in range(20)])
    shown = [data.count("MSK-1") for _ in range(6)]
    later = {**data.count("MSK-1"), "start": "2026-04-20T12:00:00+03:00", "visitors_in": 7}
    data.send("traffic", [*shown, later])
    assert VisitorBacklog.objects.count() == len({r["start"][:10] for r in shown}) + 1
    client.force_login(personas["admin"])
    url = f"/?from={FIRST_DAY}&to={FIRST_DAY + timedelta(days=DAYS - 1)}&store=MSK-1"
    with CaptureQueriesContext(connection) as captured:
        page = client.get(url + "&format=json").json()
    backlog_reads = [q for q in captured if q["sql"].startswith('SELECT "rollups_visitorbacklog"')]
    assert len(backlog_reads) == 1
    with reading(RAW_FACTS):
        raw = client.get(url + "&format=json").json()
    assert page == raw
    assert sum(r["visitors_in"] for r in shown) > 0
    # The count outside the page's period still waits; the tick sums it.
    assert list(VisitorBacklog.objects.values_list("day", flat=True)) == [date(2026, 4, 20)]
    assert tick.call()["visitor_days_summed"] == 1
    assert not VisitorBacklog.objects.exists()
    assert StoreDay.objects.get(store__code="MSK-1", day=date(2026, 4, 20)).visitors == 7


def _values(row) -> tuple:
    return tuple(getattr(row, name) for name in _columns(type(row)))


def test_the_rebuild_command_checks_and_rebuilds(chain, capsys):
    from django.core.management import CommandError, call_command

    data = Chain(chain, 13)
    data.send("receipts", [data.receipt() for _ in range(20)])
    call_command("rollups", "rebuild", "--check")
    assert "0 rows differed" in capsys.readouterr().out
    StoreDay.objects.filter(store__code="MSK-1").update(sales=0)
    with pytest.raises(CommandError, match="differ"):
        call_command("rollups", "rebuild", "--check", "--store", "MSK-1")
    call_command("rollups", "rebuild", "--store", "MSK-1")
    call_command("rollups", "rebuild", "--check")
    with pytest.raises(CommandError, match="unknown store"):
        call_command("rollups", "rebuild", "--store", "NOPE")


def test_the_demo_chain_shows_the_same_figures_from_rollups_and_from_facts(db):
    """`cxm demo` imports its simulated chain through the import path, so its rollups are
    kept as the receipts arrive: every dashboard of the demo equals its raw figures."""
    from cxm.demo.loading import load_simulation
    from cxm.demo.simulator import SimulationConfig

    config = SimulationConfig(
        stores=3, sellers_per_store=3, days=14, seed=5, end_date=date(2026, 3, 15)
    )
    chain, _, _ = load_simulation(config)
    assert StoreDay.objects.filter(store__chain=chain).count() == 3 * 14
    store = Store.objects.filter(chain=chain).order_by("code").first()
    seller = Seller.objects.filter(store=store).order_by("code").first()
    period = Period(date(2026, 3, 2), date(2026, 3, 15))
    for params in ({}, {"store": store.code}, {"store": store.code, "seller": seller.code}):
        flt = ReportFilter(_scope(), period, **params)
        query = DashboardQuery(flt, None)
        with reading(RAW_FACTS):
            raw = (dashboard_data(query), sellers_report(flt, "seller"))
        assert (dashboard_data(query), sellers_report(flt, "seller")) == raw
        assert raw[0]["cards"][0]["value"] > 0
