"""The customer-voice rollups — segments, survey factors and press reasons — stay equal to the
facts: after
random receipts of several categories and depths, presses that follow them, answers with
factor scores tied to them (some days later, one from the survey page), consultations, late
receipts, re-imports, a terminal's single push and a deleted seller, the segments and CSI
reports (and the ИЭЛ, from the service rollup) on random slices are the same read from the
rollups as summed from the raw facts, and the kept rows equal a rebuild. Runs on SQLite and
PostgreSQL (.ci/run). The worker's tick sums the recent changed days before any reader."""

from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cxm.feedback.banks import BANKS
from cxm.feedback.importers import insert_survey_answer, survey_answer_row
from cxm.feedback.reports import csi_report, iel_report
from cxm.feedback.segments import segments_report
from cxm.metrics.periods import Period
from cxm.org.models import Seller, Store
from cxm.reports.filters import ReportFilter
from cxm.rollups.models import FactorDay, ReasonDay, SegmentDay
from cxm.rollups.refresh import rebuild
from cxm.rollups.sources import RAW_FACTS, ROLLUPS, reading
from cxm.rollups.voice import refresh_voice_days
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
        if not record.get("declined"):
            codes = self.rng.sample([q.code for q in BANKS["rsqs"]], self.rng.randint(0, 3))
            record["answers"] = {code: self.rng.randint(1, 5) for code in codes}
        return record

    def seller_answer(self) -> dict:
        """An answer from a store's poster, naming a seller and tied to no receipt."""
        store = self.rng.choice(list(self.sellers))
        record = {**self.answer(store), "seller": self.rng.choice(self.sellers[store])}
        codes = self.rng.sample([q.code for q in BANKS["rsqs"]], 2)
        return {**record, "answers": {code: self.rng.randint(1, 5) for code in codes}}


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
        lambda: data.send("survey_responses", [data.seller_answer() for _ in range(15)]),
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
    figures = {}
    for source in (RAW_FACTS, ROLLUPS):
        with reading(source):
            figures[source.name] = {
                "segments": segments_report(flt),
                "csi": csi_report(flt),
                **{f"iel {by}": iel_report(flt, by) for by in (None, "store", "seller", "day")},
            }
    assert figures[ROLLUPS.name] == figures[RAW_FACTS.name], flt
    return figures[ROLLUPS.name]


def _kept() -> set:
    rows = set()
    for model in (SegmentDay, FactorDay, ReasonDay):
        columns = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
        rows.update((model.__name__, *row) for row in model.objects.values_list(*columns))
    return rows


@pytest.mark.parametrize("seed", [1, 2])
def test_segment_figures_equal_raw_figures_on_random_slices(chain, seed):
    data = Voice(chain, seed)
    scope = _scope()
    for step in _steps(data):
        step()
        for _ in range(2):
            _same_from_both(_random_filter(data.rng, scope))
        refresh_voice_days()
        kept = _kept()
        rebuild()
        refresh_voice_days()
        assert _kept() == kept
    # A seller with answers and reasoned presses leaves: they become the store's, of no seller.
    store = Store.objects.get(code="MSK-2")
    seller = Seller.objects.create(chain=chain, store=store, code="MSK-2-S9")
    data.send(
        "survey_responses",
        [{**data.seller_answer(), "store": store.code, "seller": seller.code} for _ in range(3)],
    )
    pressed = {"button": "bad", "reason": "wait", "seller": seller.code}
    data.send("presses", [{**data.press(store.code), **pressed} for _ in range(2)])
    refresh_voice_days()
    assert FactorDay.objects.filter(seller=seller).exists()
    assert ReasonDay.objects.filter(seller=seller).exists()
    seller.delete()
    refresh_voice_days()
    kept = _kept()
    rebuild()
    refresh_voice_days()
    assert _kept() == kept
    for _ in range(4):
        _same_from_both(_random_filter(data.rng, scope))
    whole = ReportFilter(scope, Period(FIRST_DAY - timedelta(days=1), FIRST_DAY + timedelta(DAYS)))
    figures = _same_from_both(whole)
    assert len(figures["csi"]["rows"]) >= 5 and figures["csi"]["csi"] is not None
    assert len(figures["iel None"]["negative_reasons"]) >= 3
    report = figures["segments"]
    # The random facts reach every cut: the figures compared are not empty ones.
    segments = {(row["cut"], row["segment"]) for row in report["rows"]}
    assert {"A", "B", "C"} <= {s for c, s in segments if c == "value"}
    assert {"single", "several", "with_addons"} <= {s for c, s in segments if c == "depth"}
    assert len({s for c, s in segments if c == "category"}) >= 4
    rows = report["rows"]
    assert sum(r["responses"] + r["declined"] for r in rows if r["cut"] == "depth") >= 20
    assert report["presses_tied"] >= 20
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
        with CaptureQueriesContext(connection) as iel_queries:
            iel_report(flt)
    read = " ".join(q["sql"] for q in queries.captured_queries)
    assert "sales_receipt" not in read and "feedback_press" not in read
    assert "rollups_segmentday" in read
    # The ИЭЛ's reasons given after negative presses are the reason rollup's.
    iel_read = " ".join(q["sql"] for q in iel_queries.captured_queries)
    assert "feedback_press" not in iel_read and "rollups_reasonday" in iel_read
    assert sum(r["receipts"] for r in report["rows"] if r["cut"] == "value") == (
        Receipt.objects.filter(operation_type=1, day__gte=flt.period.start).count()
    )


def test_an_answer_days_later_changes_its_receipt_s_segment(chain):
    data = Voice(chain, 4)
    data.send("receipts", [data.basket(day=FIRST_DAY) for _ in range(10)])
    day = Period(FIRST_DAY, FIRST_DAY)
    with reading(ROLLUPS):
        before = segments_report(ReportFilter(_scope(), day))
    answer = {**data.tied_answer(later_days=0), "declined": True}
    answer.pop("nps", None)
    answer["at"] = (datetime.fromisoformat(answer["at"]) + timedelta(days=3)).isoformat()
    data.send("survey_responses", [answer])
    after = _same_from_both(ReportFilter(_scope(), day))["segments"]  # a filter a request
    declines = [sum(r["declined"] for r in report["rows"]) for report in (before, after)]
    assert declines[1] == declines[0] + 3  # one in each cut


def test_the_rebuild_check_covers_the_segment_rollup(chain, capsys):
    from django.core.management import call_command

    data = Voice(chain, 5)
    for step in _steps(data)[:3]:
        step()
    call_command("rollups", "rebuild", "--check")
    assert "0 rows differed" in capsys.readouterr().out
    refresh_voice_days()
    SegmentDay.objects.filter(cut="depth").update(receipts=999)
    with pytest.raises(Exception, match="differ"):
        call_command("rollups", "rebuild", "--check")


def test_the_worker_s_tick_sums_the_recent_days_an_import_changed(chain):
    from django.utils import timezone

    from cxm.incidents.tasks import tick
    from cxm.rollups.models import SegmentState

    data = Voice(chain, 6)
    yesterday = timezone.localdate() - timedelta(days=1)
    data.send("receipts", [data.basket(day=yesterday) for _ in range(12)])
    assert not SegmentState.objects.filter(day=yesterday).exists()  # no reader yet
    assert tick.call()["voice_days_summed"] >= 1
    assert SegmentState.objects.filter(day=yesterday).exists()
    summed = SegmentDay.objects.filter(day=yesterday, cut="value")
    assert sum(summed.values_list("receipts", flat=True)) == (
        Receipt.objects.filter(operation_type=1, day=yesterday).count()
    )
    assert refresh_voice_days(first=yesterday) == 0  # the reader finds nothing left to sum
    assert tick.call()["voice_days_summed"] == 0
