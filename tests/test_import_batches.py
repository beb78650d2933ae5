"""Large files are written batch by batch, each batch in a transaction of its own; on
PostgreSQL the next batch is checked while the server checks the written one's foreign keys
(`write_in_batches`, `constraints_checked_meanwhile`). These tests commit for real (the
import's own transactions, not the test's), on SQLite and on PostgreSQL."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

import cxm.imports.records as records
from cxm.feedback.models import Press
from cxm.imports.bulk import constraints_checked_meanwhile
from cxm.imports.records import read_payload
from cxm.imports.registry import run_import
from cxm.org.models import Store
from cxm.rollups.refresh import rebuild
from cxm.sales.models import Receipt, ReceiptItem
from tests.factories import press, receipt
from tests.test_feedback_hotpath import _service_rows
from tests.test_rollups import _rows as sales_rollup_rows

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the constraint check is PostgreSQL's"
)


@pytest.fixture
def meanwhile_blocks(monkeypatch) -> list[int]:
    """How many batches were checked while the server checked the one before (a spy: the
    real context manager runs)."""
    entered: list[int] = []
    real = records.constraints_checked_meanwhile

    def counted():
        entered.append(1)
        return real()

    monkeypatch.setattr(records, "constraints_checked_meanwhile", counted)
    return entered


@pytest.mark.django_db(transaction=True)
def test_a_file_of_many_batches_keeps_its_good_receipts_and_names_its_bad_one(
    chain, settings, meanwhile_blocks
):
    settings.CXM_IMPORT_BATCH = 2
    sent = [receipt(n) for n in range(1, 8)]
    sent[3]["totalSum"] = "lots"  # the second batch's second receipt
    result = run_import("receipts", chain, read_payload(sent))
    assert (result.accepted, result.duplicates) == (6, 0)
    assert [(r.position, r.field) for r in result.rejected] == [("item 4", "totalSum")]
    assert Receipt.objects.count() == 6
    assert ReceiptItem.objects.count() == 12
    # Batches of 2, 2, 2 and 1: on PostgreSQL the batch after each full one was checked while
    # the server checked the full one's foreign keys; elsewhere after its commit.
    assert len(meanwhile_blocks) == (3 if connection.vendor == "postgresql" else 0)
    kept = sales_rollup_rows()
    rebuild()
    assert sales_rollup_rows() == kept


@pytest.mark.django_db(transaction=True)
def test_a_pushed_press_is_written_alone_as_before(chain, meanwhile_blocks):
    with CaptureQueriesContext(connection) as queries:
        assert run_import("presses", chain, read_payload([press(1)])).accepted == 1
    assert meanwhile_blocks == []
    assert not [q for q in queries if "SAVEPOINT" in q["sql"]]  # no transaction around it


@pytest.mark.django_db(transaction=True)
def test_presses_sent_again_among_new_ones_stay_duplicates_batch_by_batch(chain, monkeypatch):
    monkeypatch.setattr("cxm.feedback.importers.SHORT_ROWS_BATCH", 2)
    first = [press(n, f"2026-03-02T12:0{n}:00+03:00") for n in range(1, 6)]
    assert run_import("presses", chain, read_payload(first)).accepted == 5
    # The unique id refuses the first batch inside the batch's transaction (a savepoint), the
    # stored ones are left out and the rest written in the same transaction.
    later = [press(n, f"2026-03-02T13:0{n}:00+03:00") for n in (6, 7)]
    again = run_import("presses", chain, read_payload([first[0], *later, *first[1:]]))
    assert (again.accepted, again.duplicates, again.rejected) == (2, 5, [])
    assert Press.objects.count() == 7
    kept = _service_rows()
    rebuild()
    assert _service_rows() == kept


def _line_of_no_receipt() -> None:
    """A receipt line whose receipt does not exist: refused only when the deferred foreign
    keys are checked."""
    ReceiptItem.objects.create(receipt_id=987654, position=1, name="x", price=1, quantity=1, sum=1)


@postgres_only
def test_a_broken_foreign_key_fails_at_the_end_of_the_block(db):
    with pytest.raises(IntegrityError, match="sales_receiptitem"), transaction.atomic():
        _line_of_no_receipt()
        with constraints_checked_meanwhile():
            checked_meanwhile = sum(range(1000))
    assert checked_meanwhile == 499500
    assert not ReceiptItem.objects.exists()  # rolled back; the connection answers again


@postgres_only
def test_a_statement_in_the_block_waits_for_the_check_and_its_failure(db):
    ran = []
    with pytest.raises(IntegrityError), transaction.atomic():
        _line_of_no_receipt()
        with constraints_checked_meanwhile():
            ran.append(Store.objects.count())
    assert ran == []  # the failure came before the statement


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_statement_in_the_block_gets_its_answer_and_the_transaction_commits(chain):
    with transaction.atomic():
        run_import("receipts", chain, read_payload([receipt(1)]))
        with constraints_checked_meanwhile():
            stores = Store.objects.count()
    assert stores == 3
    assert Receipt.objects.count() == 1
