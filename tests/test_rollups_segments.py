"""The segment rollup stays equal to the facts: after random receipts of several categories
and depths, presses that follow them, answers tied to them (some days later, one from the
survey page), consultations, late receipts, re-imports and a terminal's single push, the
segments report on random slices is the same read from the rollup as summed from the raw
facts, and the kept rows equal a rebuild. Runs on SQLite and PostgreSQL (.ci/run)."""

from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cxm.feedback.importers import insert_survey_answer, survey_answer_row
from cxm.feedback.segments import segments_report
from cxm.metrics.periods import Period
from cxm.org.models import Store
from cxm.reports.filters import ReportFilter
from cxm.rollups.models import SegmentDay
from cxm.rollups.refresh import rebuild
from cxm.rollups.segments import refresh_segments
from cxm.rollups.sources import RAW_FACTS, ROLLUPS, reading
from cxm.sales.models import Receipt
from tests.test_rollups import DAYS, FIRST_DAY, REGISTERS, _random_filter, _scope
from tests.test_rollups_service import Service

# Main items, add-ons (accessories, services) and lines no rule knows.
ITEMS = [
    "Смартфон Samsung Galaxy A55",
    "Телевизор LG 55",
    "Ноутбук ASUS VivoBook",
    "Чехол для телефона",
    "Кронштейн для ТВ",
    "Услуга установки",
    "Кабель USB-C",
    "Непонятный товар",
]


class Voice(Service):
    """The service chain's facts, plus receipts of mixed composition and the presses and
    answers that follow them."""

    def __init__(self, chain, seed: int):
        super().__init__(chain, seed)
        self.answered: set[int] = set()

    def basket(self, store: str | None = None, day: date | None = None) -> dict:
        record = self.receipt(store, day, operation=self.rng.choice([1, 1, 1, 2]))
        items = []
        for _ in range(self.rng.choice([1, 1, 2, 3])):
            price = self.rng.choice([99_00, 1_990_00, 1_990_00, 24_990_00, 89_990_00])
            quantity = self.rng.choice(["1", "1", "2"])
            line = price * int(quantity)
            name = self.rng.choice(ITEMS)
            items.append({"name": name, "price": price, "quantity": quantity, "sum": line})
        total = sum(item["sum"] for item in items)
        record.update(items=items, totalSum=total, ecashTotalSum=total)
        return record

    def following_press(self) -> dict:
        """A press up to four minutes after a sent sale receipt, at its till or elsewhere."""
        sale = self.rng.choice([r for r in self.sent if r["operationType"] == 1])
        store = _store_of(sale)
        at = datetime.fromisoformat(sale["dateTime"]) + timedelta(
            seconds=self.rng.randrange(0, 240)
        )
        record = {**self.press(store), "at": at.isoformat()}
        record["terminal"] = self.rng.choice([sale["kktRegId"], "A"])
        return record

    def tied_answer(self, later_days: int = 2) -> dict:
        """An answer to a sent sale receipt not answered yet, up to `later_days` after it."""
        sale = self.rng.choice(
            [
                r
                for r in self.sent
                if r["operationType"] == 1 and r["fiscalDocumentNumber"] not in self.answered
            ]
        )
        self.answered.add(sale["fiscalDocumentNumber"])
        at = datetime.fromisoformat(sale["dateTime"]) + timedelta(
            days=self.rng.randrange(0, later_days + 1), minutes=5
        )
        record = {**self.answer(_store_of(sale)), "at": at.isoformat()}
        record["receipt"] = {"fn": sale["fiscalDriveNumber"], "fd": sale["fiscalDocumentNumber"]}
        return record


def _store_of(sale: dict) -> str:
    return next(code for code, register in REGISTERS.items() if register == sale["kktRegId"])


def _steps(data: Voice) -> list:
    rng = data.rng

    def one_answer_from_the_survey_page() -> None:
        record = data.tied_answer()
        receipt = Receipt.objects.get(fiscal_document_number=record.pop("receipt")["fd"])
        store = Store.objects.get(code=record["store"])
        tie = (receipt.pk, receipt.store_id, receipt.seller_id)
        assert insert_survey_answer(survey_answer_row(data.chain, record, store, tie))

    return [
        lambda: data.send("receipts", [data.basket() for _ in range(80)]),
        lambda: data.send("presses", [data.following_press() for _ in range(40)]),
        lambda: data.send("survey_responses", [data.tied_answer() for _ in range(20)]),
        lambda: data.send("consultations", [data.consultation() for _ in range(25)]),
        # Late receipts for the first day (some at the pressed tills) and new presses.
        lambda: data.send("receipts", [data.basket(day=FIRST_DAY) for _ in range(10)]),
        lambda: data.send("presses", [data.following_press() for _ in range(15)]),
        # A re-import of what was sent, with some new receipts among the old.
        lambda: data.send("receipts", rng.sample(data.sent, 20) + [data.basket()]),
        # A terminal's single push and a single answer from the survey page.
        lambda: data.send("presses", [data.following_press()]),
        one_answer_from_the_survey_page,
    ]


def _same_from_both(flt: ReportFilter) -> dict:
    with reading(RAW_FACTS):
        raw = segments_report(flt)
    with reading(ROLLUPS):
        rolled = segments_report(flt)
    assert rolled == raw, flt
    return rolled


def _kept() -> set:
    columns = [f.attname for f in SegmentDay._meta.concrete_fields if f.attname != "id"]
    return set(SegmentDay.objects.values_list(*columns))


@pytest.mark.parametrize("seed", [1, 2])
def test_segment_figures_equal_raw_figures_on_random_slices(chain, seed):
    data = Voice(chain, seed)
    scope = _scope()
    for step in _steps(data):
        step()
        for _ in range(2):
            _same_from_both(_random_filter(data.rng, scope))
        refresh_segments()
        kept = _kept()
        rebuild()
        assert _kept() == kept
    whole = ReportFilter(scope, Period(FIRST_DAY - timedelta(days=1), FIRST_DAY + timedelta(DAYS)))
    report = _same_from_both(whole)
    # The random facts reach every cut: the figures compared are not empty ones.
    segments = {(row["cut"], row["segment"]) for row in report["rows"]}
    assert {"A", "B", "C"} <= {s for c, s in segments if c == "value"}
    assert {"single", "several", "with_addons"} <= {s for c, s in segments if c == "depth"}
    assert len({s for c, s in segments if c == "category"}) >= 4
    rows = report["rows"]
    assert sum(r["responses"] + r["declined"] for r in rows if r["cut"] == "depth") >= 20
    assert report["presses_tied"] >= 30
    assert 0 < report["value_boundary_share"] < 1


def test_the_rollup_path_reads_no_receipt(chain):
    data = Voice(chain, 3)
    for step in _steps(data)[:3]:
        step()
    flt = ReportFilter(_scope(), Period(FIRST_DAY, FIRST_DAY + timedelta(DAYS)))
    with reading(ROLLUPS):
        segments_report(flt)  # sums the changed store-days
        with CaptureQueriesContext(connection) as queries:
            report = segments_report(flt)
    read = " ".join(q["sql"] for q in queries.captured_queries)
    assert "sales_receipt" not in read and "feedback_press" not in read
    assert "rollups_segmentday" in read
    assert sum(r["receipts"] for r in report["rows"] if r["cut"] == "value") == (
        Receipt.objects.filter(operation_type=1, day__gte=flt.period.start).count()
    )


def test_an_answer_days_later_changes_its_receipt_s_segment(chain):
    data = Voice(chain, 4)
    data.send("receipts", [data.basket(day=FIRST_DAY) for _ in range(10)])
    flt = ReportFilter(_scope(), Period(FIRST_DAY, FIRST_DAY))
    with reading(ROLLUPS):
        before = segments_report(flt)
    answer = {**data.tied_answer(later_days=0), "declined": True}
    answer.pop("nps", None)
    answer["at"] = (datetime.fromisoformat(answer["at"]) + timedelta(days=3)).isoformat()
    data.send("survey_responses", [answer])
    after = _same_from_both(flt)
    declines = [sum(r["declined"] for r in report["rows"]) for report in (before, after)]
    assert declines[1] == declines[0] + 3  # one in each cut


def test_the_rebuild_check_covers_the_segment_rollup(chain, capsys):
    from django.core.management import call_command

    data = Voice(chain, 5)
    for step in _steps(data)[:3]:
        step()
    call_command("rollups", "rebuild", "--check")
    assert "0 rows differed" in capsys.readouterr().out
    refresh_segments()
    SegmentDay.objects.filter(cut="depth").update(receipts=999)
    with pytest.raises(Exception, match="differ"):
        call_command("rollups", "rebuild", "--check")
