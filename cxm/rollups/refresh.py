"""Keeping the rollups equal to the facts: the figures of each touched (store, day) are
recomputed from the facts of that store-day, in set-based SQL that runs on SQLite and
PostgreSQL alike, inside the transaction that changed the facts. Receipts and visitor counts
feed the sales rollups (and the month × weekday × hour heat map of their store-months);
consultations, checklists, terminal presses and survey answers feed the service rollup.

Recomputing rather than adding deltas makes every change safe by construction: a late
receipt, a consultation's outcome, a re-import (which inserts nothing new) or a seller who is
deleted — the store-day's rows are thrown away and summed again. The batch imports that only
add facts — receipts and presses — add their figures instead (add_to_sales_rollups,
add_to_service_days): they hold them in memory, and summing each touched store-day again
was up to two fifths of an import (docs/scaling.md §Ingest). Visitor counts are summed off
the import's path, before they are read (cxm.rollups.visitors)."""

from collections.abc import Iterable, Iterator, Sequence
from contextlib import nullcontext
from datetime import date, timedelta
from decimal import Decimal
from itertools import islice
from typing import NamedTuple

from django.db import connection, models, transaction
from django.db.models import sql

from cxm.feedback.models import NEGATIVE_BUTTONS, POSITIVE_BUTTONS, Button, Press, SurveyResponse
from cxm.imports.bulk import insert_rows
from cxm.rollups import versions
from cxm.rollups.models import (
    FactorDay,
    ReasonDay,
    SegmentDay,
    SellerDay,
    ServiceDay,
    ShiftDay,
    StoreDay,
    StoreHour,
    StoreMonthHour,
    VisitorBacklog,
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
RECEIPT_MEASURES = (
    "sales",
    "returns",
    "receipts",
    "return_receipts",
    "units_sold",
    "units_returned",
)


def quoted_table(model: type[models.Model]) -> str:
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
    `keys` is the condition that selects the store-days' rows (key_condition)."""
    return (_sales_statements(keys) if SALES in rollups else []) + (
        _service_statements(keys) if SERVICE in rollups else []
    )


def _sales_statements(keys: str) -> list[tuple[str, int]]:
    measures = ", ".join(RECEIPT_MEASURES)
    sums = ", ".join(f"SUM({m})" for m in RECEIPT_MEASURES)
    hour, day, seller = quoted_table(StoreHour), quoted_table(StoreDay), quoted_table(SellerDay)
    receipts, visitors = quoted_table(Receipt), quoted_table(VisitorCount)
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
        # Their visitor counts are summed above: nothing left for cxm.rollups.visitors.
        (f"DELETE FROM {quoted_table(VisitorBacklog)} WHERE {keys}", 1),
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
        f"SELECT store_id, seller_id, day, {exprs} FROM {quoted_table(model)}"
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
    service = quoted_table(ServiceDay)
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
        lock_stores(cursor, sorted({store for store, _ in unique}))
        for chunk in chunks(unique, CHUNK):
            condition, params = key_condition(chunk)
            for sql, repeats in _statements(condition, rollups):
                cursor.execute(sql, params * repeats)
        if HEAT_MAP in rollups:
            refresh_store_months(cursor, unique)
        if written is None:
            written = [kind for r in rollups for kind in _SUMMED.get(r, ())]
        versions.mark_written(unique, written)
    return len(unique)


# The kinds of facts (cxm.rollups.versions) each rollup sums.
_SUMMED = {
    SALES: (versions.SALES, versions.TRAFFIC),
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


def write_counted(fact: Press | SurveyResponse, column: str) -> None:
    """Writes one fact — a terminal's press or a phone's survey answer, written on its own,
    many a second — and adds it to its service row and its store-day's feedback version
    (cxm.rollups.versions). Recomputing the store-day would re-read all its presses and
    answers on every request; one written fact changes no other's figures (a press's repeat
    flag is decided before it is written), so adding it is exact. Taken under the same store
    lock as a recomputation. Raises IntegrityError, writing nothing, when the fact's unique
    key is taken."""
    assert column in _SERVICE_COLUMNS and column not in _HOURS, column
    key = [fact.store_id, fact.seller_id, fact.day]
    if connection.vendor != "postgresql":
        # SQLite: the transaction begins IMMEDIATE and holds the only write lock.
        with transaction.atomic(), connection.cursor() as cursor:
            type(fact).objects.bulk_create([fact])
            cursor.execute(_count_in_service_day(column, source=""), key)
            versions.mark_written([(fact.store_id, fact.day)], [versions.FEEDBACK])
        return
    # PostgreSQL: one statement — the fact, the store lock, the row, the version. Every press
    # and answer of the store waits for the lock until its holder commits: a round trip to
    # the web process in between, which under load waits for the process's other threads,
    # was what the answers' rate stopped at (docs/feedback.md §Load). In autocommit the
    # statement commits itself; inside a caller's transaction a savepoint keeps it usable
    # after an IntegrityError.
    insert, params = _insert_statement(fact)
    pk = connection.ops.quote_name(fact._meta.pk.column)
    # The lock is taken after the fact is written (it is selected from it): a press sent twice
    # at once waits for its twin's insert without holding the lock its twin waits for.
    locked = "FROM (SELECT pg_advisory_xact_lock(%s, %s) FROM fact) AS locked"
    version, ones, on_conflict = versions.written([versions.FEEDBACK])
    nested = transaction.atomic() if connection.in_atomic_block else nullcontext()
    with nested, connection.cursor() as cursor:
        cursor.execute(
            f"WITH fact AS ({insert} RETURNING {pk}), "
            f"counted AS ({_count_in_service_day(column, locked)} RETURNING store_id, day) "
            f"{version} SELECT store_id, day, {ones} FROM counted WHERE true {on_conflict} "
            f"RETURNING (SELECT {pk} FROM fact)",
            [*params, *key, _LOCK_NAMESPACE, fact.store_id],
        )
        fact.pk = cursor.fetchone()[0]
    fact._state.adding, fact._state.db = False, connection.alias


def _count_in_service_day(column: str, source: str) -> str:
    """Adds one to `column` of the service row of (store id, seller id, day), its parameters;
    `source`: the FROM clause its values are selected from."""
    service = quoted_table(ServiceDay)
    ones = ", ".join("1" if c == column else "0" for c in _ADDED_COLUMNS)
    return f"""INSERT INTO {service} (store_id, seller_id, day, {", ".join(_ADDED_COLUMNS)})
        SELECT %s, %s, %s, {ones} {source} WHERE true
        ON CONFLICT (store_id, day, COALESCE(seller_id, 0))
        DO UPDATE SET {column} = {service}.{column} + 1"""


def _insert_statement(fact: models.Model) -> tuple[str, list]:
    """The ORM's INSERT of one new row, as bulk_create writes it, for a larger statement."""
    fields = [f for f in fact._meta.concrete_fields if not (f.generated or f.primary_key)]
    query = sql.InsertQuery(type(fact))
    query.insert_values(fields, [fact])
    [(insert, params)] = query.get_compiler(connection=connection).as_sql()
    return insert, list(params)


def _month(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('month', {column}) AS date)"
    return f"date({column}, 'start of month')"


def _weekday(column: str) -> str:
    """0 = Monday, as Python's date.weekday()."""
    if connection.vendor == "postgresql":
        return f"CAST(extract(isodow FROM {column}) AS integer) - 1"
    return f"(CAST(strftime('%%w', {column}) AS integer) + 6) %% 7"


def refresh_store_months(cursor, keys: list[StoreDayKey]) -> None:
    """The heat-map rollup of every store-month the keys fall in, from its store-hours."""
    months = sorted({(store, day.replace(day=1)) for store, day in keys})
    table, hour = quoted_table(StoreMonthHour), quoted_table(StoreHour)
    for chunk in chunks(months, CHUNK):
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


def key_condition(keys: list[StoreDayKey]) -> tuple[str, list]:
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


def lock_stores(cursor, store_ids: list[int]) -> None:
    if connection.vendor != "postgresql":
        return  # SQLite: the transaction began IMMEDIATE and holds the only write lock
    cursor.execute(
        "SELECT pg_advisory_xact_lock(%s, id) FROM"
        " (SELECT unnest(%s::int[]) AS id ORDER BY 1) AS ordered",
        [_LOCK_NAMESPACE, store_ids],
    )
    cursor.fetchall()


def replace_store_days(cursor, model, keys: list[StoreDayKey], rows: Iterable[Sequence]) -> None:
    """These store-days' rows of `model` replaced by `rows` (its fields but the id, in order)."""
    condition, params = key_condition(keys)
    cursor.execute(
        f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)} WHERE {condition}", params
    )
    fields = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
    insert_rows(model, fields, rows)


def chunks(items: list, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


# Adding new facts to the rollups -----------------------------------------------------------
# An import that only adds facts (new receipts, new presses) changes each rollup row by the
# figures of what it wrote, which it holds in memory: it adds them with one upsert a row
# instead of summing its store-days' facts again. Exact because
# the rollups equal the facts before (refresh_store_days and rebuild keep them so) and the
# write changes no other fact's figures; `rebuild --check` and the tests compare.


class NewReceipt(NamedTuple):
    """A receipt just written, as the sales rollups count it."""

    store_id: int
    seller_id: int | None
    day: date  # the store's local day
    hour: int
    operation_type: int
    total: int
    units: Decimal


_NO_RECEIPT = (0, 0, 0, 0, Decimal(0), Decimal(0))
_HOUR_COLUMNS = (*RECEIPT_MEASURES, "visitors", "intervals")


def add_to_sales_rollups(receipts: Iterable[NewReceipt]) -> int:
    """Add receipts just written, in the caller's transaction, to the store-hours, store-days,
    seller-days and the heat map; returns how many store-days.
    Counts the write in their sales version (cxm.rollups.versions)."""
    hours: dict[tuple[int, date, int], list] = {}
    sellers: dict[tuple[int, int | None, date], list] = {}
    for r in receipts:
        figures = _receipt_figures(r)
        _add(hours, (r.store_id, r.day, r.hour), (*figures, 0, 0))
        seller = sellers.get((r.store_id, r.seller_id, r.day))
        if seller is None:
            sellers[r.store_id, r.seller_id, r.day] = [*figures, r.hour, r.hour]
        else:
            _add_into(seller, figures)
            seller[6], seller[7] = min(seller[6], r.hour), max(seller[7], r.hour)
    if not hours:
        return 0
    days: dict[tuple[int, date], list] = {}
    months: dict[tuple[int, date, int, int], list] = {}
    for (store, day, hour), figures in hours.items():
        _add(days, (store, day), figures)
        month = (store, day.replace(day=1), day.weekday(), hour)
        _add(months, month, (figures[2], figures[6], figures[7]))  # receipts, visitors, intervals
    added = {
        StoreHour: (("store_id", "day", "hour"), _HOUR_COLUMNS, hours),
        StoreDay: (("store_id", "day"), _HOUR_COLUMNS, days),
        SellerDay: (("store_id", "seller_id", "day"), RECEIPT_MEASURES, sellers),
        StoreMonthHour: (
            ("store_id", "month", "weekday", "hour"),
            ("receipts", "visitors", "intervals"),
            months,
        ),
    }
    with transaction.atomic(), connection.cursor() as cursor:
        lock_stores(cursor, sorted({store for store, _ in days}))
        for model, (key, columns, rows) in added.items():
            _upsert_sums(cursor, model, key, columns, rows)
        versions.mark_written(days, [versions.SALES])
    return len(days)


def add_to_service_days(presses: Iterable[tuple[int, int | None, date, str]]) -> int:
    """Add facts just written that each count one in a column of the service rollup —
    (store id, seller id, day, column), as press_column names it — in the caller's
    transaction; returns how many store-days. Counts the write in their feedback version."""
    rows: dict[tuple[int, int | None, date], list[int]] = {}
    position = {column: i for i, column in enumerate(_ADDED_COLUMNS)}
    for store_id, seller_id, day, column in presses:
        row = rows.get((store_id, seller_id, day))
        if row is None:
            row = rows[store_id, seller_id, day] = [0] * len(_ADDED_COLUMNS)
        row[position[column]] += 1
    if not rows:
        return 0
    store_days = {(store, day) for store, _, day in rows}
    # No savepoint in the caller's transaction: a failure here fails the caller's write too.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        lock_stores(cursor, sorted({store for store, _ in store_days}))
        _upsert_sums(cursor, ServiceDay, ("store_id", "seller_id", "day"), _ADDED_COLUMNS, rows)
        versions.mark_written(store_days, [versions.FEEDBACK])
    return len(store_days)


def _receipt_figures(r: NewReceipt) -> tuple:
    """The receipt's figures in the order of RECEIPT_MEASURES."""
    if r.operation_type == _SALE:
        return (r.total, 0, 1, 0, r.units, Decimal(0))
    if r.operation_type == _RETURN:
        return (0, r.total, 0, 1, Decimal(0), r.units)
    return _NO_RECEIPT  # other fiscal documents: a row of the hour and the seller, no figures


def _add(sums: dict, key: tuple, figures: Iterable) -> None:
    row = sums.get(key)
    if row is None:
        sums[key] = list(figures)
    else:
        _add_into(row, figures)


def _add_into(row: list, figures: Iterable) -> None:
    for i, value in enumerate(figures):
        row[i] += value


def _upsert_sums(cursor, model, key: tuple[str, ...], columns: Sequence[str], rows: dict) -> None:
    """Add `rows` ({key values: [column values…]}) to `model`'s rows, inserting the missing.
    A seller-day's first and last hour follow the figures in its list and take the earlier
    and the later; a seller in the key is matched as the unique index does, no seller as 0.
    PostgreSQL: one statement over the rows sent as an array a column (a statement a row
    cost more than summing the facts again); SQLite: executemany, in-process."""
    table = quoted_table(model)
    hours = {"first_hour": "<", "last_hour": ">"} if model is SellerDay else {}
    # A column no row adds to (a traffic batch's receipt figures) is a constant 0: half the
    # values to send and to add up.
    used = [i for i, column in enumerate(columns) if any(r[i] for r in rows.values())]
    sent = (*key, *(columns[i] for i in used), *hours)
    # The unique index's columns: one with a seller counts no seller as 0.
    target = "store_id, day, COALESCE(seller_id, 0)" if "seller_id" in key else ", ".join(key)
    sets = [f"{columns[i]} = {table}.{columns[i]} + excluded.{columns[i]}" for i in used]
    sets += [f"{h} = {_two(way)}({table}.{h}, excluded.{h})" for h, way in hours.items()]
    # Nothing to add (a batch of documents that are neither sales nor returns): the row only.
    upsert = f"ON CONFLICT ({target}) " + (
        f"DO UPDATE SET {', '.join(sets)}" if sets else "DO NOTHING"
    )
    last = len(columns)
    # No order needed against deadlocks: the caller holds its stores' locks (lock_stores).
    flat = [(*k, *(r[i] for i in used), *r[last:]) for k, r in rows.items()]
    names = (*key, *columns, *hours)
    if connection.vendor == "postgresql":
        types = {f.column: f.cast_db_type(connection) for f in model._meta.concrete_fields}
        arrays = ", ".join(f"%s::{types[name]}[]" for name in sent)
        picked = ", ".join(name if name in sent else "0" for name in names)
        for chunk in chunks(flat, _UPSERTS_PER_STATEMENT):
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(names)}) SELECT {picked}"
                f" FROM unnest({arrays}) AS v({', '.join(sent)}) {upsert}",
                [_array_text(column) for column in zip(*chunk, strict=True)],
            )
        return
    cursor.executemany(  # dates and decimals go as Django's SQLite backend adapts them
        f"INSERT INTO {table} ({', '.join(names)})"
        f" VALUES ({', '.join('%s' if name in sent else '0' for name in names)}) {upsert}",
        flat,
    )


_UPSERTS_PER_STATEMENT = 5000


def _array_text(values: Iterable[int | Decimal | date | None]) -> str:
    """PostgreSQL's text form of an array of numbers and dates: written out here, the
    driver's array adapter quoted each element with a pattern match, most of the upsert's
    Python time."""
    return "{" + ",".join("NULL" if v is None else str(v) for v in values) + "}"


def _two(which: str) -> str:
    """The smaller ("<") or larger (">") of two values: min/max on SQLite, LEAST/GREATEST on
    PostgreSQL."""
    if connection.vendor == "postgresql":
        return {"<": "LEAST", ">": "GREATEST"}[which]
    return {"<": "min", ">": "max"}[which]


FACTS = (Receipt, VisitorCount, Consultation, Checklist, Press, SurveyResponse)
ROLLUP_TABLES = (
    StoreHour,
    StoreDay,
    SellerDay,
    StoreMonthHour,
    ServiceDay,
    SegmentDay,
    FactorDay,
    ReasonDay,
    ShiftDay,
)


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
        # Imported here: they build on this module's helpers. Their rows are summed by their
        # next reader (refresh_voice_days after the matching, refresh_shift_days).
        from cxm.rollups.shifts import forget_shift_days
        from cxm.rollups.voice import forget_voice_days

        forget_voice_days(stores)
        forget_shift_days(stores)
        return refresh_store_days(store_days_of_facts(stores))
