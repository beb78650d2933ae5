"""Visitor counts: time zones, corrections, bad input."""

from cxm.imports.records import read_payload
from cxm.imports.registry import run_import
from cxm.traffic.models import VisitorCount
from tests.factories import count


def test_it_imports_counts_on_the_stores_local_day_and_hour(chain):
    result = run_import(
        "traffic", chain, read_payload([count(store="NSK-1", start="2026-03-02T23:00:00")])
    )
    assert result.accepted == 1
    saved = VisitorCount.objects.get()
    assert (saved.day.isoformat(), saved.hour) == ("2026-03-02", 23)


def test_a_resent_interval_is_a_duplicate_and_a_corrected_one_replaces_it(chain):
    run_import("traffic", chain, read_payload([count()]))
    same = run_import("traffic", chain, read_payload([count()]))
    corrected = run_import("traffic", chain, read_payload([count(visitors=45)]))
    assert (same.duplicates, corrected.updated) == (1, 1)
    assert VisitorCount.objects.get().visitors_in == 45


def test_bad_counts_are_rejected_by_field(chain):
    bad = [
        count(visitors=-3),
        count(store="NOPE"),
        count(start="10:00"),
        {"store": "MSK-1", "start": "2026-03-02T11:00:00+03:00", "visitors_in": 5},
    ]
    result = run_import("traffic", chain, read_payload([count(), *bad]))
    assert result.accepted == 1
    assert [r.field for r in result.rejected] == ["visitors_in", "store", "start", "minutes"]
