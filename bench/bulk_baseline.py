"""The baseline of bench/import_receipts.py: the same receipt and item rows written with
the database driver's own bulk path (SQLite executemany, PostgreSQL COPY), skipping
everything CXM adds (validation, seller and duplicate lookups, categories). It decodes with
orjson, as the import does: the comparison is of what each does with the decoded rows."""

import os
import sqlite3
import time
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import orjson

RECEIPT_COLUMNS = (
    "id, store_id, seller_id, fiscal_drive_number, fiscal_document_number, fiscal_sign, "
    "kkt_reg_id, document_code, operation_type, at, day, hour, total, cash, ecash, units, "
    "operator, operator_inn"
)
ITEM_COLUMNS = "receipt_id, position, name, price, quantity, sum, category_id"


def rows(path: str, registers: dict[str, tuple[int, ZoneInfo]]):
    receipt_id = 0
    with open(path, "rb") as fh:
        for line in fh:
            r = orjson.loads(line)
            receipt_id += 1
            store_id, tz = registers[r["kktRegId"].strip()]
            local = datetime.fromisoformat(r["dateTime"]).replace(tzinfo=tz)
            units = sum(Decimal(str(i["quantity"])) for i in r["items"])
            receipt = (
                receipt_id,
                store_id,
                None,
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
            )
            items = [
                (receipt_id, n, i["name"], i["price"], Decimal(str(i["quantity"])), i["sum"], None)
                for n, i in enumerate(r["items"])
            ]
            yield receipt, items


def load_sqlite(path: str, db: str) -> None:
    conn = sqlite3.connect(db)
    registers = {
        reg: (store, ZoneInfo(tz))
        for reg, store, tz in conn.execute(
            "SELECT kkt_reg_id, store_id, timezone FROM org_register "
            "JOIN org_store ON org_store.id = store_id"
        )
    }
    receipts, items = [], []
    for receipt, lines in rows(path, registers):
        receipt = (
            receipt[:9]
            + (receipt[9].isoformat(), receipt[10].isoformat())
            + receipt[11:15]
            + (str(receipt[15]),)
            + receipt[16:]
        )
        receipts.append(receipt)
        items.extend(line[:4] + (str(line[4]),) + line[5:] for line in lines)
    with conn:
        conn.executemany(
            f"INSERT INTO sales_receipt ({RECEIPT_COLUMNS}) VALUES ({', '.join('?' * 18)})",
            receipts,
        )
        conn.executemany(
            f"INSERT INTO sales_receiptitem ({ITEM_COLUMNS}) VALUES ({', '.join('?' * 7)})", items
        )


def load_postgres(path: str, url: str) -> None:
    import psycopg

    with psycopg.connect(url) as conn:
        registers = {
            reg: (store, ZoneInfo(tz))
            for reg, store, tz in conn.execute(
                "SELECT kkt_reg_id, store_id, timezone FROM org_register "
                "JOIN org_store ON org_store.id = store_id"
            )
        }
        with conn.cursor() as cur:
            with cur.copy(f"COPY sales_receipt ({RECEIPT_COLUMNS}) FROM STDIN") as receipts_copy:
                buffered = []
                for receipt, lines in rows(path, registers):
                    receipts_copy.write_row(receipt)
                    buffered.extend(lines)
            with cur.copy(f"COPY sales_receiptitem ({ITEM_COLUMNS}) FROM STDIN") as items_copy:
                for line in buffered:
                    items_copy.write_row(line)


def main(path: str) -> None:
    url = os.environ["CXM_DATABASE_URL"]
    started = time.perf_counter()
    if url.startswith("sqlite:///"):
        load_sqlite(path, url.removeprefix("sqlite:///"))
    else:
        load_postgres(path, url)
    print(time.perf_counter() - started)
