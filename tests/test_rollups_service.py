"""The service rollup (consultations, checklists, terminal presses, survey answers) and the
heat map's month rollup stay equal to the facts: after random imports, late facts, re-imports,
single pushes and a deleted seller, the seller ranking, the NPS report and the heat map on
random slices are the same read from the rollups as summed from the raw facts, and the kept
rows equal a rebuild. Runs on SQLite and PostgreSQL (.ci/run)."""

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cxm.feedback.importers import insert_survey_answer, survey_answer_row
from cxm.feedback.models import NEGATIVE_BUTTONS, Reason
from cxm.feedback.reports import nps_report
from cxm.metrics.periods import Period
from cxm.org.models import Seller, Store
from cxm.reports.filters import ReportFilter
from cxm.reports.kpi import conversion_heatmap
from cxm.rollups.models import ServiceDay, StoreMonthHour
from cxm.rollups.refresh import rebuild
from cxm.rollups.sources import RAW_FACTS, ROLLUPS, reading
from cxm.rollups.visitors import drain_backlog
from cxm.staff.matching import refresh_matches
from cxm.staff.reports import STAFF_GROUPINGS, sellers_report
from cxm.staff.services import define_template
from tests.test_rollups import DAYS, FIRST_DAY, ZONES, Chain, _random_filter, _scope

BUTTONS = ["excellent", "good", "neutral", "poor", "bad", "like", "dislike"]
ITEMS = [
    {"code": "greet", "factor": "Приветствие", "points": 1, "weight": 1, "critical": True},
    {"code": "needs", "factor": "Потребности", "points": 2, "weight": 1.5},
    {"code": "extra", "factor": "Аксессуары", "points": 1, "weight": 0.5, "na_allowed": True},
]


class Service(Chain):
    """The test chain's receipts plus random consultations, checklists, presses and survey
    answers, each with a seller of its store (or none where the fact allows it)."""

    def __init__(self, chain, seed: int):
        super().__init__(chain, seed)
        # The reasons given after negative presses are drawn apart, so that each seed draws
        # the same other facts as before there were reasons.
        self.reasons = random.Random(seed)
        self.serial = 0
        self.sellers = {
            store: list(Seller.objects.filter(store__code=store).values_list("code", flat=True))
            for store in ZONES
        }

    def _base(self, store: str | None, day: date | None, *, seller_required: bool) -> dict:
        self.serial += 1
        store = store or self.rng.choice(list(ZONES))
        sellers = self.sellers[store] + ([] if seller_required else [None])
        record = {"id": f"x{self.serial}", "store": store, "at": self.moment(store, day)}
        seller = self.rng.choice(sellers)
        return {**record, "seller": seller} if seller else record

    def consultation(self, store=None, day=None) -> dict:
        record = self._base(store, day, seller_required=True)
        return {**record, "started_at": record.pop("at")}

    def checklist(self, store=None, day=None) -> dict:
        answers = {
            "greet": self.rng.choice(["yes", "yes", "no"]),
            "needs": self.rng.choice(["yes", "no", 1]),
            "extra": self.rng.choice(["yes", "no", "na"]),
        }
        return {
            **self._base(store, day, seller_required=True),
            "template": "std",
            "answers": answers,
        }

    def press(self, store=None, day=None) -> dict:
        record = self._base(store, day, seller_required=False)
        button = self.rng.choice(BUTTONS)
        # Two terminals a store: presses close together on one are repeats.
        record = {**record, "button": button, "terminal": self.rng.choice("AB")}
        # What went wrong, answered after most negative presses (the NPS page's reasons).
        if button in NEGATIVE_BUTTONS and self.reasons.random() < 0.8:
            record["reason"] = self.reasons.choice(Reason.values)
        return record

    def answer(self, store=None, day=None) -> dict:
        # An answer's seller is its receipt's (none here): the NPS verdict tests each seller's
        # answers against their receipts, which random sellers would outnumber.
        record = self._base(store, day, seller_required=False)
        record.pop("seller", None)
        if self.rng.random() < 0.2:
            return {**record, "declined": True}
        return {**record, "nps": self.rng.randrange(11)}


def _service_steps(data: Service) -> list:
    rng = data.rng
    sent: list[tuple[str, dict]] = []

    def send(kind: str, records: list[dict]) -> None:
        sent.extend((kind, record) for record in records)
        data.send(kind, records)

    def one_answer_from_the_survey_page() -> None:
        record = data.answer()
        store = Store.objects.get(code=record["store"])
        assert insert_survey_answer(survey_answer_row(data.chain, record, store, None))

    return [
        lambda: data.send("receipts", [data.receipt() for _ in range(50)]),
        lambda: send("consultations", [data.consultation() for _ in range(25)]),
        lambda: send("checklists", [data.checklist() for _ in range(8)]),
        lambda: send("presses", [data.press() for _ in range(40)]),
        lambda: send("survey_responses", [data.answer() for _ in range(30)]),
        # Late facts for the first day, in a batch with the last day's.
        lambda: send(
            "presses",
            [data.press(day=FIRST_DAY) for _ in range(5)]
            + [data.press(day=FIRST_DAY + timedelta(days=DAYS - 1)) for _ in range(5)],
        ),
        # New receipts re-match consultations: their outcomes change.
        lambda: data.send("receipts", [data.receipt() for _ in range(30)]),
        lambda: send("consultations", [data.consultation() for _ in range(10)]),
        # A re-import of what was sent, some new among it.
        lambda: [
            send(kind, [record for k, record in rng.sample(sent, 20) if k == kind] + [new()])
            for kind, new in (
                ("presses", data.press),
                ("survey_responses", data.answer),
                ("checklists", data.checklist),
            )
        ],
        # A terminal's single push and a single answer from the survey page.
        lambda: send("presses", [data.press()]),
        one_answer_from_the_survey_page,
    ]


def _service_figures(flt: ReportFilter, rng: random.Random) -> dict:
    """The seller ranking (by a random grouping) and the NPS report (by every grouping)."""
    by = rng.choice(STAFF_GROUPINGS)
    figures = {"sellers": sellers_report(flt, by), "by": by}
    for nps_by in (None, "store", "region", "seller", "day", "week", "month"):
        figures[f"nps {nps_by}"] = nps_report(flt, nps_by)
    return figures


def _same_from_both(flt: ReportFilter, rng: random.Random) -> dict:
    state = rng.getstate()
    with reading(RAW_FACTS):
        raw = _service_figures(flt, rng)
    rng.setstate(state)
    with reading(ROLLUPS):
        rolled = _service_figures(flt, rng)
    assert rolled == raw, flt
    return rolled


def _kept(model) -> set:
    columns = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
    return set(model.objects.values_list(*columns))


@pytest.fixture
def standard(chain):
    return define_template(chain, "std", "Стандарт", ITEMS)


@pytest.mark.parametrize("seed", [1, 2])
def test_service_figures_equal_raw_figures_on_random_slices(chain, standard, seed):
    data = Service(chain, seed)
    scope = _scope()
    for step in _service_steps(data):
        step()
        kept = _kept(ServiceDay)
        rebuild()
        assert _kept(ServiceDay) == kept
        _same_from_both(_random_filter(data.rng, scope), data.rng)
    # A seller with presses and answers (none of whose consultations or checklists hold
    # them) leaves: their presses and answers become the store's, of no seller.
    seller = Seller.objects.create(
        chain=chain, store=Store.objects.get(code="MSK-2"), code="MSK-2-S9"
    )
    records = [{**data.press("MSK-2"), "seller": seller.code} for _ in range(4)]
    records[0]["at"] = f"{FIRST_DAY}T12:00:00+03:00"
    data.send("presses", records)
    assert ServiceDay.objects.filter(seller=seller).exists()
    seller.delete()
    assert _kept(ServiceDay) == (rebuild() and _kept(ServiceDay))
    for _ in range(6):
        _same_from_both(_random_filter(data.rng, scope), data.rng)
    whole = ReportFilter(scope, Period(FIRST_DAY - timedelta(days=1), FIRST_DAY + timedelta(DAYS)))
    figures = _same_from_both(whole, data.rng)
    total = figures["nps None"]["total"]
    assert total["responses"] + total["declined"] == 31 + 1  # 30 + a new one + the page's
    assert sum(r["consultations"] for r in figures["sellers"]["rows"]) == 35


def _tables_read(report, flt: ReportFilter, by: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        report(flt, by)
    return [q["sql"] for q in captured.captured_queries]


def _matched_by_the_worker() -> None:
    """What the worker does after the imports: their store-days' consultations matched."""
    refresh_matches(list(Store.objects.values_list("pk", flat=True)), date.min, date.max)


def test_the_nps_page_and_the_ranking_read_the_service_rollup(chain, standard):
    data = Service(chain, 3)
    for step in _service_steps(data)[:5]:
        step()
    _matched_by_the_worker()
    period = Period(FIRST_DAY, FIRST_DAY + timedelta(days=DAYS))
    ranking = _tables_read(sellers_report, ReportFilter(_scope(), period), "seller")
    nps = _tables_read(nps_report, ReportFilter(_scope(), period), "store")
    for queries in (ranking, nps):
        assert any("rollups_serviceday" in sql for sql in queries)
        assert not any("staff_checklist" in sql or "feedback_press" in sql for sql in queries)
    # The ranking's only reads of consultations are the matching's check of what changed.
    assert not any("feedback_surveyresponse" in sql for sql in ranking)
    assert not any("staff_consultation" in sql for sql in nps)
    # The NPS verdict still reads the answers tied to receipts: by the receipt's hour, by its
    # seller (selective surveying), and how many are tied.
    assert len([sql for sql in nps if "feedback_surveyresponse" in sql]) == 3


def test_the_heat_map_reads_most_of_a_month_from_the_month_rollup(chain):
    """Receipts and visitor counts over three months: the heat map of any period — whole
    months, most of a month, a little of one — is the same from the rollups and from the
    facts."""
    data = Chain(chain, 21)
    first = date(2026, 1, 20)
    days = [first + timedelta(days=n) for n in range(0, 80, 3)]
    data.send("receipts", [data.receipt(day=day) for day in days for _ in range(3)])
    counts = [
        {
            "store": store,
            "start": datetime(day.year, day.month, day.day, data.rng.choice([10, 13, 21]))
            .replace(tzinfo=ZoneInfo(zone))
            .isoformat(),
            "minutes": 60,
            "visitors_in": data.rng.randrange(1, 30),
        }
        for day in days
        for store, zone in ZONES.items()
    ]
    data.send("traffic", counts)
    drain_backlog()  # the tick sums the visitor counts (cxm.rollups.visitors)
    assert StoreMonthHour.objects.filter(month=date(2026, 2, 1), visitors__gt=0).exists()
    kept = _kept(StoreMonthHour)
    rebuild()
    assert _kept(StoreMonthHour) == kept
    # Each period, and whether it holds most of some calendar month (then that month's rows
    # are read, less the store-hours of its days outside the period).
    periods = [
        (Period(date(2026, 2, 1), date(2026, 2, 28)), True),
        (Period(date(2026, 1, 25), date(2026, 3, 31)), True),
        (Period(date(2026, 1, 1), date(2026, 4, 30)), True),
        (Period(date(2026, 2, 10), date(2026, 3, 5)), True),
        (Period(date(2026, 2, 3), date(2026, 2, 25)), True),
        (Period(date(2026, 2, 20), date(2026, 3, 12)), False),
        (Period(date(2026, 3, 2), date(2026, 3, 8)), False),
    ]
    for period, whole in periods:
        for store in (None, "MSK-1", "NSK-1"):
            flt = ReportFilter(_scope(), period, store)
            with reading(RAW_FACTS):
                raw = conversion_heatmap(flt)
            with CaptureQueriesContext(connection) as captured:
                rolled = conversion_heatmap(flt)
            assert rolled == raw, (period, store)
            read = " ".join(q["sql"] for q in captured.captured_queries)
            assert ("rollups_storemonthhour" in read) == whole, (period, read)
    assert raw["rows"] and sum(cell["receipts"] for cell in raw["rows"]) > 0


def test_the_rebuild_check_covers_the_service_and_month_rollups(chain, standard, capsys):
    from django.core.management import CommandError, call_command

    data = Service(chain, 4)
    for step in _service_steps(data)[:5]:
        step()
    _matched_by_the_worker()
    call_command("rollups", "rebuild", "--check")
    assert "0 rows differed" in capsys.readouterr().out
    for model, change in ((ServiceDay, {"promoters": 99}), (StoreMonthHour, {"receipts": 0})):
        kept = _kept(model)
        model.objects.filter(store__code="MSK-1").update(**change)
        with pytest.raises(CommandError, match="differ"):
            call_command("rollups", "rebuild", "--check", "--store", "MSK-1")
        call_command("rollups", "rebuild", "--store", "MSK-1")
        assert _kept(model) == kept
