"""Bulk writes for imports: rows of model fields sent down the driver's own bulk path —
executemany on SQLite, COPY on PostgreSQL. Django's bulk_create spends most of a large
import compiling SQL for every row (see bench/import_receipts.py); here the statement is
built once. Ids can be reserved up front, so that lines point at their receipts without
reading the receipts back."""

import select
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.db import connection, connections, models
from psycopg import pq
from psycopg.errors import error_from_result


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` fresh primary keys for `model`, to be inserted in this transaction."""
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, model._meta.pk.column])
            # One array rather than a row an id: a batch's ids arrive in one fetch. The
            # sequence is named as a constant: looked up for every id, it took most of the
            # statement's time (14 ms for 2,000 ids, 2–4 ms with the constant).
            cursor.execute(
                "SELECT array_agg(nextval(%s::regclass)) FROM generate_series(1, %s)",
                [cursor.fetchone()[0], count],
            )
            return sorted(cursor.fetchone()[0])
        # SQLite: the caller's transaction began IMMEDIATE (settings), so it holds the write
        # lock and nobody else can take these ids meanwhile. AUTOINCREMENT never reuses an id,
        # hence sqlite_sequence as well as the table's max.
        cursor.execute(
            f"SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "
            f'coalesce((SELECT max("{model._meta.pk.column}") FROM "{table}"), 0))',
            [table],
        )
        first = cursor.fetchone()[0] + 1
    return list(range(first, first + count))


def stored_keys(
    model: type[models.Model], column: str, chain_id: int, keys: list[str]
) -> dict[str, int]:
    """Which of `keys` — a contract's ids, held in `column` of `model` — the chain already
    holds, with each one's row id: the batch's ids sent as one parameter (`__any`,
    cxm/rollups/lookups.py), where the ORM's `__in` bound each of a batch's thousands on its
    own and sent as many literals (22–30 ms a batch of 2,000 on PostgreSQL against 7–8 ms)."""
    rows = model.objects.filter(chain_id=chain_id, **{f"{column}__any": keys})
    return dict(rows.values_list(column, "id"))


def insert_rows(
    model: type[models.Model], field_names: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """Insert rows (values in the order of `field_names`) within the caller's transaction."""
    fields = [model._meta.get_field(name) for name in field_names]
    prepared = _prepared(fields, rows)
    if not prepared:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The driver's own COPY, its errors worded as Django's (IntegrityError and so on),
            # as every other statement's are.
            with (
                connection.wrap_database_errors,
                cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
            ):
                for row in prepared:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", prepared)


@contextmanager
def constraints_checked_meanwhile() -> Iterator[None]:
    """Run the block while PostgreSQL checks the deferred constraints of the transaction open
    on this connection — the foreign keys of every row it wrote, which its COMMIT would check
    while the importer waited (a third of a receipt import's time). The check is sent without
    waiting for its answer; any statement the block sends first waits for it, and so does
    the end of the block, which raises the check's failure (IntegrityError) if it failed."""
    pgconn = connection.connection.pgconn
    pgconn.send_query(b"SET CONSTRAINTS ALL IMMEDIATE")
    while pgconn.flush():  # a non-blocking connection may not send it all at once
        select.select([], [pgconn.socket], [])
    answered = False

    def answer() -> None:
        nonlocal answered
        if answered:
            return
        answered = True
        failed = None
        while (result := pgconn.get_result()) is not None:  # every result, or libpq stays busy
            if result.status == pq.ExecStatus.FATAL_ERROR:
                failed = failed or error_from_result(result, connection.connection.info.encoding)
        if failed is not None:
            with connection.wrap_database_errors:
                raise failed

    def answer_first(execute, sql, params, many, context):
        answer()
        return execute(sql, params, many, context)

    try:
        with connection.execute_wrapper(answer_first):
            yield
    finally:
        answer()


def insert_objects(model: type[models.Model], objects: Sequence[models.Model]) -> None:
    """bulk_create's drop-in for unsaved instances whose ids nobody reads back: every concrete
    field but the primary key, down the same bulk path as insert_rows."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    insert_rows(
        model,
        [f.name for f in fields],
        ([getattr(o, f.attname) for f in fields] for o in objects),
    )


def update_rows(
    model: type[models.Model], field_names: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """Set `field_names` of the rows given as (primary key, *values), within the caller's
    transaction, where bulk_update would compile a CASE expression over every row.
    PostgreSQL: one UPDATE joined to the rows sent as one array a column (unnest) — its
    planner takes the arrays' length and finds each row by key (an UPDATE joined to a VALUES
    list hashed the whole table for every thousand rows; a statement a row cost 45 µs each).
    SQLite: one statement a row with executemany, in-process and cheap."""
    fields = [model._meta.pk, *(model._meta.get_field(name) for name in field_names)]
    prepared = _prepared(fields, rows)
    if not prepared:
        return
    quote = connection.ops.quote_name
    table, key = quote(model._meta.db_table), quote(model._meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(
                f"unnest(%s::{f.cast_db_type(connection)}[]) AS {quote(f.column)}" for f in fields
            )
            assignments = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in fields[1:])
            for start in range(0, len(prepared), _UPDATES_PER_STATEMENT):
                chunk = prepared[start : start + _UPDATES_PER_STATEMENT]
                cursor.execute(
                    f"UPDATE {table} SET {assignments} FROM (SELECT {arrays}) AS v"
                    f" WHERE {table}.{key} = v.{key}",
                    [list(column) for column in zip(*chunk, strict=True)],
                )
            return
        assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields[1:])
        cursor.executemany(
            f"UPDATE {table} SET {assignments} WHERE {key} = %s",
            [(*values, pk) for pk, *values in prepared],
        )


# Rows a statement: the planner still probes the key's index for each (EXPLAIN: Nested Loop).
_UPDATES_PER_STATEMENT = 1000


def _prepared(fields: list[models.Field], rows: Iterable[Sequence[Any]]) -> list[Sequence[Any]]:
    """The rows as the driver takes them: only date, time and decimal columns are converted,
    in place of a copy of each row; ints, strings and None go as they are."""
    converted = [(i, c) for i, c in enumerate(map(_converter, fields)) if c is not None]
    if not converted:
        return list(rows)
    prepared = []
    for row in rows:
        values = list(row)
        for i, convert in converted:
            values[i] = convert(values[i])
        prepared.append(values)
    return prepared


def _converter(field: models.Field) -> Callable[[Any], Any] | None:
    """What the driver stores for this field's values, as Django would send them, with the
    usual type done inline: Django's own conversion costs microseconds a value, a large
    import's largest share of Python time. Anything unusual takes Django's way."""
    # The connection itself, not the thread-local proxy: this runs for every value.
    real = connections[connection.alias]
    sqlite = real.vendor == "sqlite"

    def django(value: Any) -> Any:
        return field.get_db_prep_save(value, real)

    if isinstance(field, models.DateTimeField):  # before DateField, its base class
        if sqlite:  # UTC wall time as text, like DatabaseOperations.adapt_datetimefield_value
            return lambda v: (
                v.replace(tzinfo=None).isoformat(" ")
                if type(v) is datetime and v.tzinfo is UTC
                else django(v)
            )
        return lambda v: v if type(v) is datetime and v.tzinfo is not None else django(v)
    if isinstance(field, models.DateField):
        if sqlite:
            return lambda v: v.isoformat() if type(v) is date else django(v)
        return lambda v: v if type(v) is date else django(v)
    if isinstance(field, models.DecimalField):
        return lambda v: v if type(v) is Decimal and v.is_finite() else django(v)
    return None
