"""The baseline of bench/import_receipts.py: the same rows written with the database driver's
own bulk path (SQLite executemany in one transaction, PostgreSQL COPY), skipping everything
CXM adds (validation, store, seller and duplicate lookups, categories, repeat presses, the
rollups and the sales-failure matching). It decodes with orjson, as the import does: the
comparison is of what each does with the decoded records.

The rows are the import's own: a receipt's seller and a line's category, which only CXM's
seller matching and categories could find, are taken from SAME_ROWS — the values an import
of the same file wrote (bench/import_receipts.py reads them, untimed) — so that the bulk load
writes, and the database checks, the same foreign keys. Without it they are left empty.

    CXM_DATABASE_URL=… python bench/bulk_baseline.py KIND FILE [SAME_ROWS]   (prints the seconds)
"""

import os
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import orjson

Row = tuple
Lookups = dict[str, dict]


def receipt_rows(path: str, lookups: Lookups) -> Iterator[tuple[str, Row]]:
    registers = lookups["registers"]
    sellers, categories = lookups["receipt sellers"], lookups["categories"]
    for receipt_id, r in enumerate(records(path), start=1):
        store_id, tz = registers[r["kktRegId"].strip()]
        local = datetime.fromisoformat(r["dateTime"]).replace(tzinfo=tz)
        units = sum(Decimal(str(i["quantity"])) for i in r["items"])
        yield (
            "sales_receipt",
            (
                receipt_id,
                store_id,
                sellers.get((r.get("operatorInn", ""), r["operator"])),
                r["fiscalDriveNumber"],
                r["fiscalDocumentNumber"],
                str(r["fiscalSign"]),
                r["kktRegId"],
                3,
                r["operationType"],
                local.astimezone(UTC),
                local.date(),
                local.hour,
                r["totalSum"],
                r.get("cashTotalSum", 0),
                r.get("ecashTotalSum", 0),
                units,
                r["operator"],
                r.get("operatorInn", ""),
            ),
        )
        for n, i in enumerate(r["items"]):
            yield (
                "sales_receiptitem",
                (
                    receipt_id,
                    n,
                    i["name"],
                    i["price"],
                    Decimal(str(i["quantity"])),
                    i["sum"],
                    categories.get(i["name"]),
                ),
            )


def traffic_rows(path: str, lookups: Lookups) -> Iterator[tuple[str, Row]]:
    stores = lookups["stores"]
    for r in records(path):
        store_id, tz = stores[r["store"]]
        start, local = moment(r["start"], tz)
        yield (
            "traffic_visitorcount",
            (
                store_id,
                start,
                r["minutes"],
                r["visitors_in"],
                r.get("visitors_out", r["visitors_in"]),
                local.date(),
                local.hour,
            ),
        )


def consultation_rows(path: str, lookups: Lookups) -> Iterator[tuple[str, Row]]:
    for r in records(path):
        store_id, tz = lookups["stores"][r["store"]]
        started, local = moment(r["started_at"], tz)
        ended = r.get("ended_at")
        ended = moment(ended, tz)[0] if ended else None
        yield (
            "staff_consultation",
            (
                lookups["chain"],
                r["id"],
                store_id,
                lookups["sellers"][r["seller"]],
                started,
                ended,
                local.date(),
                local.hour,
                False,
            ),
        )


def press_rows(path: str, lookups: Lookups) -> Iterator[tuple[str, Row]]:
    sellers = lookups["sellers"]
    for r in records(path):
        store_id, tz = lookups["stores"][r["store"]]
        at, local = moment(r["at"], tz)
        seller = r.get("seller")
        yield (
            "feedback_press",
            (
                lookups["chain"],
                r["id"],
                store_id,
                sellers[seller] if seller else None,
                r.get("terminal", ""),
                at,
                local.date(),
                local.hour,
                r["button"],
                r.get("question", ""),
                r.get("reason", ""),
                False,
            ),
        )


def moment(text: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """A contract time in UTC and on the store's clock (no offset: the store's local time)."""
    at = datetime.fromisoformat(text)
    at = at if at.tzinfo else at.replace(tzinfo=tz)
    return at.astimezone(UTC), at.astimezone(tz)


COLUMNS = {
    "sales_receipt": "id, store_id, seller_id, fiscal_drive_number, fiscal_document_number, "
    "fiscal_sign, kkt_reg_id, document_code, operation_type, at, day, hour, total, cash, ecash, "
    "units, operator, operator_inn",
    "sales_receiptitem": "receipt_id, position, name, price, quantity, sum, category_id",
    "traffic_visitorcount": "store_id, start, minutes, visitors_in, visitors_out, day, hour",
    "staff_consultation": "chain_id, code, store_id, seller_id, started_at, ended_at, day, hour, "
    "queued_for_review",
    "feedback_press": "chain_id, external_id, store_id, seller_id, terminal, at, day, hour, "
    "button, question, reason, repeat",
}
# Columns SQLite gets as text (dates, times, decimals), by position in the rows above.
AS_TEXT = {
    "sales_receipt": (9, 10, 15),
    "sales_receiptitem": (4,),
    "traffic_visitorcount": (1, 5),
    "staff_consultation": (4, 5, 6),
    "feedback_press": (5, 6),
}
ROWS: dict[str, Callable[[str, Lookups], Iterator[tuple[str, Row]]]] = {
    "receipts": receipt_rows,
    "traffic": traffic_rows,
    "consultations": consultation_rows,
    "presses": press_rows,
}


def records(path: str) -> Iterator[dict]:
    with open(path, "rb") as fh:
        for line in fh:
            yield orjson.loads(line)


def lookups(execute: Callable[[str], list], same_rows: str | None) -> Lookups:
    chosen = orjson.loads(Path(same_rows).read_bytes()) if same_rows else {}
    return {
        "receipt sellers": {(inn, name): pk for inn, name, pk in chosen.get("sellers", [])},
        "categories": dict(chosen.get("categories", [])),
        "registers": {
            reg: (store, ZoneInfo(tz))
            for reg, store, tz in execute(
                "SELECT kkt_reg_id, store_id, timezone FROM org_register "
                "JOIN org_store ON org_store.id = store_id"
            )
        },
        "stores": {
            code: (pk, ZoneInfo(tz))
            for pk, code, tz in execute("SELECT id, code, timezone FROM org_store")
        },
        "sellers": dict(execute("SELECT code, id FROM org_seller")),
        "chain": execute("SELECT id FROM org_chain")[0][0],
    }


def sqlite_value(value):
    """What Django stores on SQLite: UTC wall time and dates as text, decimals as text."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    return value if value is None else str(value)


def load_sqlite(kind: str, path: str, db: str, same_rows: str | None) -> None:
    conn = sqlite3.connect(db)
    found = lookups(lambda sql: conn.execute(sql).fetchall(), same_rows)
    tables: dict[str, list] = {}
    for table, row in ROWS[kind](path, found):
        row = list(row)
        for i in AS_TEXT[table]:
            row[i] = sqlite_value(row[i])
        tables.setdefault(table, []).append(tuple(row))  # a tuple of plain values: GC untracks it
    with conn:
        for table, rows in tables.items():
            marks = ", ".join("?" * len(rows[0]))
            conn.executemany(f"INSERT INTO {table} ({COLUMNS[table]}) VALUES ({marks})", rows)


def load_postgres(kind: str, path: str, url: str, same_rows: str | None) -> None:
    import psycopg

    with psycopg.connect(url) as conn:
        found = lookups(lambda sql: conn.execute(sql).fetchall(), same_rows)
        # Receipts first, then their lines, as the import writes them: one COPY a table.
        later: dict[str, list] = {}
        with conn.cursor() as cur:
            rows = ROWS[kind](path, found)
            first_table, first_row = next(rows)
            with cur.copy(f"COPY {first_table} ({COLUMNS[first_table]}) FROM STDIN") as copy:
                copy.write_row(first_row)
                for table, row in rows:
                    if table == first_table:
                        copy.write_row(row)
                    else:
                        later.setdefault(table, []).append(row)
            for table, buffered in later.items():
                with cur.copy(f"COPY {table} ({COLUMNS[table]}) FROM STDIN") as copy:
                    for row in buffered:
                        copy.write_row(row)


def main(kind: str, path: str, same_rows: str | None = None) -> None:
    url = os.environ["CXM_DATABASE_URL"]
    started = time.perf_counter()
    if url.startswith("sqlite:///"):
        load_sqlite(kind, path, url.removeprefix("sqlite:///"), same_rows)
    else:
        load_postgres(kind, path, url, same_rows)
    print(time.perf_counter() - started)


if __name__ == "__main__":
    main(*sys.argv[1:4])
