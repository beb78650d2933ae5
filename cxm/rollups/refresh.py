"""Keeping the rollups equal to the facts: the figures of each touched (store, day) are
recomputed from the facts of that store-day, in set-based SQL that runs on SQLite and
PostgreSQL alike, inside the transaction that changed the facts. Receipts and visitor counts
feed the sales rollups (and the month × weekday × hour heat map of their store-months);
consultations, checklists, terminal presses and survey answers feed the service rollup.

Recomputing rather than adding deltas makes every change safe by construction: a new or late
receipt, a return, a corrected visitor count, a re-import (which inserts nothing new) or a
seller who is deleted — the store-day's rows are thrown away and summed again. A store-day is
a few hundred receipts, so this costs little next to writing them (bench/scale.py)."""

from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from itertools import islice

from django.db import connection, transaction

from cxm.feedback.models import NEGATIVE_BUTTONS, POSITIVE_BUTTONS, Button, Press, SurveyResponse
from cxm.rollups import versions
from cxm.rollups.models import (
    SegmentDay,
    SellerDay,
    ServiceDay,
    StoreDay,
    StoreHour,
    StoreMonthHour,
)
from cxm.sales.models import OperationType, Receipt
from cxm.staff.models import Checklist, Consultation
from cxm.traffic.models import VisitorCount

StoreDayKey = tuple[int, date]

# Which rollups a change of facts touches: receipts and visitor counts the sales rollups,
# the service facts (consultations and their matching, checklists, presses, survey answers)
# the service rollup — a terminal's press does not sum the store-day's receipts again.
SALES = "sales"
HEAT_MAP = "heat map"
SERVICE = "service"
EVERY_ROLLUP = frozenset({SALES, HEAT_MAP, SERVICE})

# Keys per statement: at most four parameters each, twice in one statement — under
# SQLite's limit of 32,766.
CHUNK = 400

# Advisory-lock namespace (PostgreSQL): two transactions refreshing the same store take turns,
# so neither sums the store-day without the other's committed rows. SQLite writes one at a time.
_LOCK_NAMESPACE = 7_001_010

_SALE, _RETURN = OperationType.SALE.value, OperationType.SALE_RETURN.value
_MEASURES = (
    "sales",
    "returns",
    "receipts",
    "return_receipts",
    "units_sold",
    "units_returned",
)


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _receipt_measures() -> str:
    return f"""
        SUM(CASE WHEN operation_type = {_SALE} THEN total ELSE 0 END) AS sales,
        SUM(CASE WHEN operation_type = {_RETURN} THEN total ELSE 0 END) AS returns,
        SUM(CASE WHEN operation_type = {_SALE} THEN 1 ELSE 0 END) AS receipts,
        SUM(CASE WHEN operation_type = {_RETURN} THEN 1 ELSE 0 END) AS return_receipts,
        SUM(CASE WHEN operation_type = {_SALE} THEN units ELSE 0 END) AS units_sold,
        SUM(CASE WHEN operation_type = {_RETURN} THEN units ELSE 0 END) AS units_returned"""


def _statements(keys: str, rollups: frozenset[str] = EVERY_ROLLUP) -> list[tuple[str, int]]:
    """(SQL, how many times the key list's parameters appear in it), in the order to run.
    `keys` is the condition that selects the store-days' rows (_key_condition)."""
    return (_sales_statements(keys) if SALES in rollups else []) + (
        _service_statements(keys) if SERVICE in rollups else []
    )


def _sales_statements(keys: str) -> list[tuple[str, int]]:
    measures = ", ".join(_MEASURES)
    sums = ", ".join(f"SUM({m})" for m in _MEASURES)
    hour, day, seller = _table(StoreHour), _table(StoreDay), _table(SellerDay)
    receipts, visitors = _table(Receipt), _table(VisitorCount)
    return [
        (f"DELETE FROM {hour} WHERE {keys}", 1),
        (
            f"""INSERT INTO {hour} (store_id, day, hour, {measures}, visitors, intervals)
            SELECT store_id, day, hour, {sums}, SUM(visitors), SUM(intervals) FROM (
                SELECT store_id, day, hour, {_receipt_measures()},
                    0 AS visitors, 0 AS intervals
                FROM {receipts} WHERE {keys} GROUP BY store_id, day, hour
                UNION ALL
                SELECT store_id, day, hour, 0, 0, 0, 0, 0, 0, SUM(visitors_in), COUNT(*)
                FROM {visitors} WHERE {keys} GROUP BY store_id, day, hour
            ) AS facts GROUP BY store_id, day, hour""",
            2,
        ),
        (f"DELETE FROM {day} WHERE {keys}", 1),
        (
            f"""INSERT INTO {day} (store_id, day, {measures}, visitors, intervals)
            SELECT store_id, day, {sums}, SUM(visitors), SUM(intervals) FROM {hour}
            WHERE {keys} GROUP BY store_id, day""",
            1,
        ),
        (f"DELETE FROM {seller} WHERE {keys}", 1),
        (
            f"""INSERT INTO {seller} (store_id, seller_id, day, {measures}, first_hour, last_hour)
            SELECT store_id, seller_id, day, {_receipt_measures()}, MIN(hour), MAX(hour)
            FROM {receipts} WHERE {keys} GROUP BY store_id, seller_id, day""",
            1,
        ),
    ]


def _true(column: str) -> str:
    # SQLite keeps booleans as 0/1, PostgreSQL as booleans: a comparison both read alike.
    value = "TRUE" if connection.vendor == "postgresql" else "1"
    return f"({connection.ops.quote_name(column)} = {value})"


def _buttons(buttons) -> str:
    return ", ".join(f"'{Button(b).value}'" for b in sorted(buttons))


_SERVICE_COLUMNS = [
    f.column
    for f in ServiceDay._meta.concrete_fields
    if f.column not in ("id", "store_id", "seller_id", "day")
]
_HOURS = {"first_consultation_hour": "MIN", "last_consultation_hour": "MAX"}
_ADDED_COLUMNS = [c for c in _SERVICE_COLUMNS if c not in _HOURS]


def _service_select(model, keys: str, measures: dict[str, str]) -> str:
    """One service fact's figures per (store, seller, day), in every column of the rollup
    (the ones it does not feed empty), to be stacked with the others."""
    exprs = ", ".join(
        f"{measures.get(c, 'NULL' if c in _HOURS else '0')} AS {c}" for c in _SERVICE_COLUMNS
    )
    return (
        f"SELECT store_id, seller_id, day, {exprs} FROM {_table(model)}"
        f" WHERE {keys} GROUP BY store_id, seller_id, day"
    )


def _count(condition: str) -> str:
    return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"


def _service_statements(keys: str) -> list[tuple[str, int]]:
    """The service rollup: one row per (store, seller or none, day) from the four service
    facts, each summed through its own (store, day) index and stacked (UNION ALL)."""
    converted, repeat, declined = _true("converted"), _true("repeat"), _true("declined")
    counted, answered = f"NOT {repeat}", f"NOT {declined}"
    stacked = [
        _service_select(
            Consultation,
            keys,
            {
                "consultations": "COUNT(*)",
                "converted_consultations": _count(converted),
                "failed_consultations": _count(f"converted IS NOT NULL AND NOT {converted}"),
                "first_consultation_hour": "MIN(hour)",
                "last_consultation_hour": "MAX(hour)",
            },
        ),
        _service_select(
            Checklist,
            keys,
            {
                "checklists": "COUNT(*)",
                "checklist_earned": "SUM(earned)",
                "checklist_possible": "SUM(possible)",
            },
        ),
        _service_select(
            Press,
            keys,
            {
                "positive_presses": _count(
                    f"{counted} AND button IN ({_buttons(POSITIVE_BUTTONS)})"
                ),
                "negative_presses": _count(
                    f"{counted} AND button IN ({_buttons(NEGATIVE_BUTTONS)})"
                ),
                "neutral_presses": _count(f"{counted} AND button = '{Button.NEUTRAL.value}'"),
                "repeat_presses": _count(repeat),
            },
        ),
        _service_select(
            SurveyResponse,
            keys,
            {
                "promoters": _count(f"{answered} AND nps >= 9"),
                "passives": _count(f"{answered} AND nps BETWEEN 7 AND 8"),
                "detractors": _count(f"{answered} AND nps <= 6"),
                "declined": _count(declined),
            },
        ),
    ]
    columns = ", ".join(_SERVICE_COLUMNS)
    sums = ", ".join(f"{_HOURS.get(c, 'SUM')}({c})" for c in _SERVICE_COLUMNS)
    service = _table(ServiceDay)
    return [
        (f"DELETE FROM {service} WHERE {keys}", 1),
        (
            f"""INSERT INTO {service} (store_id, seller_id, day, {columns})
            SELECT store_id, seller_id, day, {sums}
            FROM ({" UNION ALL ".join(stacked)}) AS facts GROUP BY store_id, seller_id, day""",
            len(stacked),
        ),
    ]


def refresh_store_days(
    keys: Iterable[StoreDayKey],
    rollups: frozenset[str] = EVERY_ROLLUP,
    *,
    written: Iterable[str] | None = None,
) -> int:
    """Recompute the rollup rows (`rollups`: some of SALES, HEAT_MAP, SERVICE) of these
    (store id, local day) keys from the facts; returns how many keys. Runs in the caller's
    transaction (one of its own when there is none). The heat map is summed from the sales
    rollup's store-hours, so it follows them. The store-days' versions of the kinds of facts
    `written` (cxm.rollups.versions) go up by one: by default every kind the rollups sum;
    none when only what is derived from the facts changed (matching's outcomes)."""
    unique = sorted(set(keys))
    if not unique:
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        _lock_stores(cursor, sorted({store for store, _ in unique}))
        for chunk in _chunks(unique, CHUNK):
            condition, params = _key_condition(chunk)
            for sql, repeats in _statements(condition, rollups):
                cursor.execute(sql, params * repeats)
        if HEAT_MAP in rollups:
            _refresh_store_months(cursor, unique)
        if written is None:
            written = [kind for r in rollups for kind in _SUMMED.get(r, ())]
        versions.mark_written(unique, written)
    return len(unique)


# The kinds of facts (cxm.rollups.versions) each rollup sums.
_SUMMED = {
    SALES: (versions.SALES,),
    SERVICE: (versions.CONSULTATIONS, versions.FEEDBACK),
}


def press_column(button: str, repeat: bool) -> str:
    """The service rollup's column a press counts in — the rule of the presses' SQL above."""
    if repeat:
        return "repeat_presses"
    if button in POSITIVE_BUTTONS:
        return "positive_presses"
    if button in NEGATIVE_BUTTONS:
        return "negative_presses"
    return "neutral_presses"


def answer_column(nps: int | None, declined: bool) -> str:
    """The service rollup's column a survey answer counts in — the rule of the answers' SQL."""
    if declined:
        return "declined"
    return "promoters" if nps >= 9 else "passives" if nps >= 7 else "detractors"


def count_in_service_day(store_id: int, seller_id: int | None, day: date, column: str) -> None:
    """Adds one fact to its service row: a terminal's press or a phone's survey answer written
    on its own, many a second. Recomputing the store-day would re-read all its presses and
    answers on every request; one written fact changes no other's figures (a press's repeat
    flag is decided before it is written), so adding it is exact. Runs in the caller's
    transaction, under the same store lock as a recomputation; counts the write in the
    store-day's feedback version (cxm.rollups.versions)."""
    assert column in _SERVICE_COLUMNS and column not in _HOURS, column
    service = _table(ServiceDay)
    with transaction.atomic(), connection.cursor() as cursor:
        _lock_stores(cursor, [store_id])
        cursor.execute(
            f"""INSERT INTO {service} (store_id, seller_id, day, {", ".join(_ADDED_COLUMNS)})
            VALUES (%s, %s, %s, {", ".join("1" if c == column else "0" for c in _ADDED_COLUMNS)})
            ON CONFLICT (store_id, day, COALESCE(seller_id, 0))
            DO UPDATE SET {column} = {service}.{column} + 1""",
            [store_id, seller_id, day],
        )
        versions.mark_written([(store_id, day)], [versions.FEEDBACK])


def _month(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('month', {column}) AS date)"
    return f"date({column}, 'start of month')"


def _weekday(column: str) -> str:
    """0 = Monday, as Python's date.weekday()."""
    if connection.vendor == "postgresql":
        return f"CAST(extract(isodow FROM {column}) AS integer) - 1"
    return f"(CAST(strftime('%%w', {column}) AS integer) + 6) %% 7"


def _refresh_store_months(cursor, keys: list[StoreDayKey]) -> None:
    """The heat-map rollup of every store-month the keys fall in, from its store-hours."""
    months = sorted({(store, day.replace(day=1)) for store, day in keys})
    table, hour = _table(StoreMonthHour), _table(StoreHour)
    for chunk in _chunks(months, CHUNK):
        stores = sorted({store for store, _ in chunk})
        firsts = sorted({month for _, month in chunk})
        pairs = ", ".join(["(%s, %s)"] * len(chunk))
        pair_params = [value for key in chunk for value in key]
        store_list = ", ".join(["%s"] * len(stores))
        cursor.execute(
            f"DELETE FROM {table} WHERE store_id IN ({store_list})"
            f" AND month IN ({', '.join(['%s'] * len(firsts))})"
            f" AND (store_id, month) IN (VALUES {pairs})",
            [*stores, *firsts, *pair_params],
        )
        last = (firsts[-1] + timedelta(days=31)).replace(day=1)
        cursor.execute(
            f"""INSERT INTO {table} (store_id, month, weekday, hour, receipts, visitors, intervals)
            SELECT store_id, {_month("day")}, {_weekday("day")}, hour, SUM(receipts),
                SUM(visitors), SUM(intervals)
            FROM {hour} WHERE store_id IN ({store_list}) AND day >= %s AND day < %s
                AND (store_id, {_month("day")}) IN (VALUES {pairs})
            GROUP BY store_id, {_month("day")}, {_weekday("day")}, hour""",
            [*stores, firsts[0], last, *pair_params],
        )


def _key_condition(keys: list[StoreDayKey]) -> tuple[str, list]:
    """The rows of exactly these store-days. The pair test alone would be exact, but
    PostgreSQL's planner cannot estimate it and reads the whole fact table; the store and day
    lists before it are what the (store, day) indexes serve, on SQLite as well."""
    stores = sorted({store for store, _ in keys})
    days = sorted({day for _, day in keys})
    condition = "store_id IN ({}) AND day IN ({}) AND (store_id, day) IN (VALUES {})".format(
        ", ".join(["%s"] * len(stores)),
        ", ".join(["%s"] * len(days)),
        ", ".join(["(%s, %s)"] * len(keys)),
    )
    return condition, [*stores, *days, *(value for key in keys for value in key)]


def _lock_stores(cursor, store_ids: list[int]) -> None:
    if connection.vendor != "postgresql":
        return  # SQLite: the transaction began IMMEDIATE and holds the only write lock
    cursor.execute(
        "SELECT pg_advisory_xact_lock(%s, id) FROM"
        " (SELECT unnest(%s::int[]) AS id ORDER BY 1) AS ordered",
        [_LOCK_NAMESPACE, store_ids],
    )
    cursor.fetchall()


def _chunks(items: list, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


FACTS = (Receipt, VisitorCount, Consultation, Checklist, Press, SurveyResponse)
ROLLUP_TABLES = (StoreHour, StoreDay, SellerDay, StoreMonthHour, ServiceDay, SegmentDay)


def store_days_of_facts(store_ids: Iterable[int] | None = None) -> Iterator[StoreDayKey]:
    """Every (store, day) that has a fact (of these stores)."""
    seen: set[StoreDayKey] = set()
    for model in FACTS:
        rows = model.objects.all()
        if store_ids is not None:
            rows = rows.filter(store_id__in=list(store_ids))
        for key in rows.values_list("store_id", "day").distinct().order_by().iterator():
            if key not in seen:
                seen.add(key)
                yield key


def rebuild(store_ids: Iterable[int] | None = None) -> int:
    """Throw away and recompute the rollups of these stores (all when None), store by store;
    returns the store-days written. For a database filled before the rollups existed, or a
    check that they match."""
    stores = list(store_ids) if store_ids is not None else None
    with transaction.atomic():
        for model in ROLLUP_TABLES:
            rows = model.objects.all()
            if stores is not None:
                rows = rows.filter(store_id__in=stores)
            rows.delete()
        days = refresh_store_days(store_days_of_facts(stores))
        # Imported here: the segment upkeep builds on this module's helpers.
        from cxm.rollups.segments import forget_segments, refresh_segments

        forget_segments(stores)
        refresh_segments(stores)
        return days
