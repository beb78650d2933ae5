"""Bulk writes for imports: rows of model fields sent down the driver's own bulk path —
executemany on SQLite, COPY on PostgreSQL. Django's bulk_create spends most of a large
import compiling SQL for every row (see bench/import_receipts.py); here the statement is
built once. Ids can be reserved up front, so that lines point at their receipts without
reading the receipts back."""

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection, connections, models

# Only these need Django's conversion to what the driver stores (e.g. aware datetimes to
# UTC text on SQLite); ints, strings and None go as they are.
_CONVERTED = (models.DateTimeField, models.DateField, models.DecimalField)


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` fresh primary keys for `model`, to be inserted in this transaction."""
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, model._meta.pk.column, count],
            )
            return sorted(row[0] for row in cursor.fetchall())
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


def insert_rows(
    model: type[models.Model], field_names: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """Insert rows (values in the order of `field_names`) within the caller's transaction."""
    fields = [model._meta.get_field(name) for name in field_names]
    convert = _converters(fields)
    prepared = [tuple(c(v) if c else v for c, v in zip(convert, row, strict=True)) for row in rows]
    if not prepared:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in prepared:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", prepared)


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
    transaction: one statement sent with executemany (pipelined on PostgreSQL), where
    bulk_update would compile a CASE expression over every row."""
    fields = [model._meta.get_field(name) for name in field_names]
    convert = [None, *_converters(fields)]
    prepared = [
        (*values, pk)
        for pk, *values in (
            tuple(c(v) if c else v for c, v in zip(convert, row, strict=True)) for row in rows
        )
    ]
    if not prepared:
        return
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {quote(model._meta.db_table)} SET {assignments} "
            f"WHERE {quote(model._meta.pk.column)} = %s",
            prepared,
        )


def _converters(fields: list[models.Field]) -> list[Callable[[Any], Any] | None]:
    # The connection itself, not the thread-local proxy: this runs for every value.
    real = connections[connection.alias]

    def converter(field: models.Field) -> Callable[[Any], Any]:
        return lambda value: field.get_db_prep_save(value, real)

    return [converter(f) if isinstance(f, _CONVERTED) else None for f in fields]
