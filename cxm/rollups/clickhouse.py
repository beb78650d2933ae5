"""The facts on ClickHouse behind the same query layer: a prototype on the embedded engine
(chdb, ClickHouse in-process) that CI runs, with the schemas a ClickHouse cluster would have.

* `receipts` and `visitor_counts` hold the facts, partitioned by month, ordered by store and
  day (on a cluster: ReplicatedMergeTree tables under a Distributed table sharded by store).
* `store_day`, `store_hour` and `seller_day` are the rollups: SummingMergeTree tables filled
  by materialised views on every insert into the facts — ClickHouse's own incremental upkeep
  (seller_day also keeps first and last hours: AggregatingMergeTree with simple functions).
  Merges sum rows of one key in the background, so readers always sum() again.
* A visitor count corrected by its counter is sent as the old row with sign −1 and the new
  one with sign +1; the views sum `visitors_in × sign`, so a correction is two inserts.
  Receipts are immutable; CXM's import stays the one gate that drops a re-sent receipt
  (by its fiscal identity) before anything is written, so the views never see it twice.

`ClickHouseFacts` answers the FactSource questions of cxm.rollups.sources from the rollups
there; stores, regions and sellers (the dimensions) are copied beside them."""

import json
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from cxm.metrics.periods import Period
from cxm.org.models import Seller, Store
from cxm.rollups.sources import ROLLUPS, weekday_hours_of
from cxm.sales.models import OperationType, Receipt
from cxm.traffic.models import VisitorCount

SCHEMA = """
CREATE TABLE IF NOT EXISTS stores (id UInt32, code String, region String)
    ENGINE = MergeTree ORDER BY id;
CREATE TABLE IF NOT EXISTS sellers (id UInt32, code String) ENGINE = MergeTree ORDER BY id;

CREATE TABLE IF NOT EXISTS receipts (
    store_id UInt32, seller_id UInt32, day Date, hour UInt8, operation_type UInt8,
    total Int64, units Decimal(18, 3), fiscal_drive_number String, fiscal_document_number UInt64
) ENGINE = MergeTree PARTITION BY toYYYYMM(day)
  ORDER BY (store_id, day, fiscal_drive_number, fiscal_document_number);

CREATE TABLE IF NOT EXISTS visitor_counts (
    store_id UInt32, day Date, hour UInt8, visitors_in Int64, sign Int8
) ENGINE = MergeTree PARTITION BY toYYYYMM(day) ORDER BY (store_id, day, hour);

CREATE TABLE IF NOT EXISTS store_hour (
    store_id UInt32, day Date, hour UInt8,
    sales Int64, returns Int64, receipts Int64, return_receipts Int64,
    units_sold Decimal(38, 3), units_returned Decimal(38, 3), visitors Int64, intervals Int64
) ENGINE = SummingMergeTree PARTITION BY toYYYYMM(day) ORDER BY (store_id, day, hour);

CREATE TABLE IF NOT EXISTS store_day (
    store_id UInt32, day Date,
    sales Int64, returns Int64, receipts Int64, return_receipts Int64,
    units_sold Decimal(38, 3), units_returned Decimal(38, 3), visitors Int64, intervals Int64
) ENGINE = SummingMergeTree PARTITION BY toYYYYMM(day) ORDER BY (store_id, day);

CREATE TABLE IF NOT EXISTS seller_day (
    store_id UInt32, seller_id UInt32, day Date,
    sales SimpleAggregateFunction(sum, Int64), returns SimpleAggregateFunction(sum, Int64),
    receipts SimpleAggregateFunction(sum, Int64),
    return_receipts SimpleAggregateFunction(sum, Int64),
    units_sold SimpleAggregateFunction(sum, Decimal(38, 3)),
    units_returned SimpleAggregateFunction(sum, Decimal(38, 3)),
    first_hour SimpleAggregateFunction(min, UInt8), last_hour SimpleAggregateFunction(max, UInt8)
) ENGINE = AggregatingMergeTree PARTITION BY toYYYYMM(day) ORDER BY (store_id, day, seller_id);
"""

_SALE, _RETURN = OperationType.SALE.value, OperationType.SALE_RETURN.value
_RECEIPT_SUMS = f"""
    sumIf(total, operation_type = {_SALE}) AS sales,
    sumIf(total, operation_type = {_RETURN}) AS returns,
    countIf(operation_type = {_SALE}) AS receipts,
    countIf(operation_type = {_RETURN}) AS return_receipts,
    sumIf(units, operation_type = {_SALE}) AS units_sold,
    sumIf(units, operation_type = {_RETURN}) AS units_returned"""
# Views insert by column name: every column named.
_NO_RECEIPTS = (
    "0 AS sales, 0 AS returns, 0 AS receipts, 0 AS return_receipts,"
    " toDecimal128(0, 3) AS units_sold, toDecimal128(0, 3) AS units_returned"
)

VIEWS = f"""
CREATE MATERIALIZED VIEW IF NOT EXISTS receipts_to_store_hour TO store_hour AS
SELECT store_id, day, hour, {_RECEIPT_SUMS}, 0 AS visitors, 0 AS intervals
FROM receipts GROUP BY store_id, day, hour;

CREATE MATERIALIZED VIEW IF NOT EXISTS counts_to_store_hour TO store_hour AS
SELECT store_id, day, hour, {_NO_RECEIPTS},
       sum(visitors_in * sign) AS visitors, sum(sign) AS intervals
FROM visitor_counts GROUP BY store_id, day, hour;

CREATE MATERIALIZED VIEW IF NOT EXISTS receipts_to_store_day TO store_day AS
SELECT store_id, day, {_RECEIPT_SUMS}, 0 AS visitors, 0 AS intervals
FROM receipts GROUP BY store_id, day;

CREATE MATERIALIZED VIEW IF NOT EXISTS counts_to_store_day TO store_day AS
SELECT store_id, day, {_NO_RECEIPTS},
       sum(visitors_in * sign) AS visitors, sum(sign) AS intervals
FROM visitor_counts GROUP BY store_id, day;

CREATE MATERIALIZED VIEW IF NOT EXISTS receipts_to_seller_day TO seller_day AS
SELECT store_id, seller_id, day, {_RECEIPT_SUMS}, min(hour) AS first_hour, max(hour) AS last_hour
FROM receipts GROUP BY store_id, seller_id, day;
"""

# Report fields (cxm.reports.sales.GROUP_FIELD and the few the reports add) → ClickHouse.
_FIELDS = {
    "store__code": "st.code",
    "store__region__name": "st.region",
    "seller__code": "nullIf(se.code, '')",
    "seller_id": "nullIf(r.seller_id, 0)",
    "store_id": "r.store_id",
    "day": "r.day",
    "hour": "r.hour",
}


class ClickHouseFacts:
    """A FactSource over a chdb session holding the facts and their materialised rollups."""

    name = "ClickHouse"

    def __init__(self, path: str | Path):
        from chdb import session  # optional: only the prototype and its test need it

        self.session = session.Session(str(path))
        for statement in _statements(SCHEMA + VIEWS):
            self.session.query(statement)

    def close(self) -> None:
        self.session.close()

    # ------------------------------------------------------------- ingestion

    def load_from_django(self, batch: int = 50_000) -> None:
        """Copy the dimensions and every fact of the Django database (an initial load; live,
        the import path would insert each accepted batch here as well)."""
        self._insert("stores", Store.objects.values_list("pk", "code", "region__name"))
        self._insert("sellers", Seller.objects.values_list("pk", "code"))
        receipts = Receipt.objects.values_list(
            "store_id",
            "seller_id",
            "day",
            "hour",
            "operation_type",
            "total",
            "units",
            "fiscal_drive_number",
            "fiscal_document_number",
        ).order_by("pk")
        self._insert("receipts", (_receipt(row) for row in receipts.iterator(batch)), batch)
        counts = VisitorCount.objects.values_list("store_id", "day", "hour", "visitors_in")
        self._insert("visitor_counts", ((*row, 1) for row in counts.iterator(batch)), batch)

    def count(self, store_id: int, day: date, hour: int, new: int, old: int | None = None):
        """A counter's interval arrived; re-sent with other counts (`old` given), the old
        row is cancelled by its copy with sign −1."""
        rows = [] if old is None else [(store_id, day, hour, old, -1)]
        self._insert("visitor_counts", [*rows, (store_id, day, hour, new, 1)])

    def _insert(self, table: str, rows: Iterable[tuple], batch: int = 50_000) -> None:
        chunk: list[str] = []
        for row in rows:
            chunk.append(json.dumps([_plain(value) for value in row], ensure_ascii=False))
            if len(chunk) == batch:
                self._send(table, chunk)
                chunk = []
        if chunk:
            self._send(table, chunk)

    def _send(self, table: str, lines: list[str]) -> None:
        self.session.query(f"INSERT INTO {table} FORMAT JSONCompactEachRow\n" + "\n".join(lines))

    # ------------------------------------------------------------- the FactSource questions

    def sales(self, store_ids, period, seller_id, fields) -> list[dict[str, Any]]:
        by_seller = seller_id is not None or any(f in ("seller__code", "seller_id") for f in fields)
        if "hour" in fields:
            if by_seller:
                raise NotImplementedError("seller figures by hour are read from the facts")
            table = "store_hour"
        else:
            table = "seller_day" if by_seller else "store_day"
        where = _where(store_ids, period)
        if seller_id is not None:
            where += f" AND r.seller_id = {int(seller_id)}"
        sums = (
            "sum(r.sales) AS sales, sum(r.returns) AS returns, sum(r.receipts) AS receipts,"
            " sum(r.units_sold) AS units_sold, sum(r.units_returned) AS units_returned"
        )
        return self._rows(table, fields, sums, where)

    def traffic(self, store_ids, period, fields) -> list[dict[str, Any]]:
        table = "store_hour" if "hour" in fields else "store_day"
        # Only groups where a counter reported, like the facts (no counter is no figure).
        rows = self._rows(
            table,
            fields,
            "sum(r.visitors) AS visitors, sum(r.intervals) AS intervals",
            _where(store_ids, period),
            having="intervals > 0" if fields else "",
        )
        for row in rows:
            del row["intervals"]
        return rows

    def sales_and_traffic(self, store_ids, period, fields):
        return self.sales(store_ids, period, None, fields), self.traffic(store_ids, period, fields)

    def seller_hours(self, store_ids, period, seller_id, field) -> list[dict[str, Any]]:
        where = _where(store_ids, period) + " AND r.seller_id != 0"
        if seller_id is not None:
            where += f" AND r.seller_id = {int(seller_id)}"
        fields = [field, "store_id", "day"]
        sums = "min(r.first_hour) AS first, max(r.last_hour) AS last"
        return self._rows("seller_day", fields, sums, where)

    def weekday_hours(self, store_ids, period) -> list[dict[str, Any]]:
        return weekday_hours_of(self, store_ids, period)

    def service(self, store_ids, period, seller_id, fields, figures):
        """The service facts are few (thousands a day, not half a million) and stay in
        PostgreSQL: their rollup there answers."""
        return ROLLUPS.service(store_ids, period, seller_id, fields, figures)

    def shift_visitors(self, store_ids, period, seller_id, fields):
        """A seller's shift traffic joins their hours (receipts and consultations) to the
        store's: read from the PostgreSQL rollups, beside the service figures."""
        return ROLLUPS.shift_visitors(store_ids, period, seller_id, fields)

    def _rows(
        self, table: str, fields: Sequence[str], sums: str, where: str, having: str = ""
    ) -> list[dict[str, Any]]:
        keys = [f"{_FIELDS[f]} AS `{f}`" for f in fields]
        joins = " LEFT JOIN stores AS st ON st.id = r.store_id"
        if table == "seller_day":
            joins += " LEFT JOIN sellers AS se ON se.id = r.seller_id"
        sql = f"SELECT {', '.join([*keys, sums])} FROM {table} AS r{joins} WHERE {where}"
        if fields:
            sql += f" GROUP BY {', '.join(f'`{f}`' for f in fields)}"
        if having:
            sql += f" HAVING {having}"
        text = self.session.query(sql, "JSONEachRow").bytes().decode()
        rows = [json.loads(line, parse_float=Decimal) for line in text.splitlines() if line]
        for row in rows:
            for name in ("sales", "returns", "receipts", "visitors", "intervals"):
                if name in row:
                    row[name] = int(row[name])
            for name in ("units_sold", "units_returned"):
                if name in row:
                    row[name] = Decimal(str(row[name]))
            if "day" in row:
                row["day"] = date.fromisoformat(row["day"])
        return rows


def _where(store_ids: list[int], period: Period) -> str:
    stores = ", ".join(str(int(s)) for s in store_ids) or "0"
    return (
        f"r.store_id IN ({stores}) AND r.day >= '{period.start.isoformat()}'"
        f" AND r.day <= '{period.end.isoformat()}'"
    )


def _receipt(row: tuple) -> tuple:
    store_id, seller_id, *rest = row
    return (store_id, seller_id or 0, *rest)


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]
