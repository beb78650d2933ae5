"""`cxm report correlations` and GET /api/v1/reports/correlations: the same JSON, scoped to
the caller, bad parameters named; on the simulated chain the planted relation between
visitors and units sold is found with the figures of the simulator's truth."""

import json
from collections import defaultdict
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils.translation import override

from cxm.analytics.series import GRAINS, SERIES, report_frame, series_frame
from cxm.demo.loading import load_simulation
from cxm.demo.simulator import SimulationConfig
from cxm.demo.simulator.staff import StaffSimulation
from cxm.feedback.banks import BANKS
from cxm.feedback.models import SurveyResponse
from cxm.metrics.periods import Period
from cxm.metrics.revenue_sources import MONTH_DAYS
from cxm.org.cli import operator_scope
from cxm.reports.filters import FilterError, ReportFilter
from cxm.reports.registry import build_report
from tests.factories import bearer

WEEK = {"from": "2026-03-02", "to": "2026-03-08"}


def cli_json(capsys, *args: str) -> dict:
    call_command("report", *args, "--chain", "default", "--format", "json")
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def get(client, chain_sales):
    def fetch(*, as_="admin", **params):
        headers = bearer(chain_sales[as_]) if as_ else {}
        name = "drivers" if "outcome" in params else "correlations"
        return client.get(f"/api/v1/reports/{name}", params, **headers)

    return fetch


def test_the_api_gives_exactly_what_the_cli_prints(get, capsys):
    response = get(**WEEK, x=["revenue", "receipts"], y="traffic", grain="store-day")
    assert response.status_code == 200
    printed = cli_json(
        capsys, "correlations", "--from", WEEK["from"], "--to", WEEK["to"],
        "--x", "revenue,receipts", "--y", "traffic", "--grain", "store-day",
    )  # fmt: skip
    assert response.json() == printed
    assert [(r["x"], r["y"]) for r in printed["rows"]] == [
        ("revenue", "traffic"),
        ("receipts", "traffic"),
    ]
    # Three store-days with sales: too few points, said in words, no number.
    row = printed["rows"][0]
    assert row["n"] == 3 and row["problem"] == "too_few_points" and row["pearson_r"] is None
    assert {p["store"] for p in printed["points"]} == {"MSK-1", "MSK-2", "NSK-1"}


def test_a_store_manager_sees_only_their_store(get):
    body = get(as_="manager", **WEEK, x="revenue", y="traffic").json()
    assert {p["store"] for p in body["points"]} == {"MSK-2"}
    assert get(as_="manager", **WEEK, x="revenue", y="traffic", store="MSK-1").status_code == 403


def test_an_outsider_sees_nothing_and_an_anonymous_caller_is_refused(get):
    body = get(as_="outsider", **WEEK, x="revenue", y="traffic").json()
    assert body["points"] == [] and body["rows"][0]["problem"] == "too_few_points"
    assert get(as_=None, **WEEK, x="revenue", y="traffic").status_code == 401


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"x": "revenue", "y": "happiness"}, "y"),
        ({"x": "wealth", "y": "traffic"}, "x"),
        ({"y": "traffic"}, "x"),
        ({"x": "revenue", "y": "revenue"}, "y"),
        ({"x": "revenue", "y": "traffic", "grain": "store-year"}, "grain"),
    ],
)
def test_a_bad_parameter_is_named(get, params, field):
    response = get(**WEEK, **params)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", field]


def test_other_reports_refuse_correlation_options(get, client, chain_sales):
    response = client.get(
        "/api/v1/reports/kpi", {**WEEK, "x": "revenue"}, **bearer(chain_sales["admin"])
    )
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["query", "x"]
    with pytest.raises(CommandError, match="takes no 'grain'"):
        call_command("report", "kpi", "--from", WEEK["from"], "--to", WEEK["to"],
                     "--grain", "store-day", "--chain", "default")  # fmt: skip


def test_drivers_parameters_are_named(get):
    assert get(**WEEK, outcome="nps").status_code == 422
    response = get(**WEEK, outcome="nps", drivers=["coverage", "luck"])
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "drivers"]


CONFIG = SimulationConfig(stores=3, sellers_per_store=2, days=21, seed=5)


def test_the_analyses_on_the_simulated_chain(db, capsys):
    """One simulated chain (loading it is the slow part) for the three analyses."""
    chain, simulated, _ = load_simulation(CONFIG)
    flt = ReportFilter(operator_scope(chain), Period(simulated.start_date, simulated.end_date))
    visitors_and_units_sold_correlate(flt, simulated)
    drivers_are_ranked_and_problems_said(flt, simulated, capsys)
    checklist_items_are_factor_analysed(flt)
    revenue_sources_are_priced_from_the_simulated_kpi_tree(flt, simulated)
    series_read_in_columns_are_the_reports_figures(chain, simulated)
    survey_questions_are_factor_analysed(flt, capsys)


def visitors_and_units_sold_correlate(flt, simulated):
    report = build_report(
        "correlations", flt, x=["units", "receipts"], y=["traffic"], grain="store-day"
    )
    truth = simulated.truth().store_days
    units = np.array([float(f.units) for f in truth.values()])
    traffic = np.array([f.traffic for f in truth.values()], dtype=float)
    row = report["rows"][0]
    assert row["n"] == len(truth) == 3 * 21
    assert row["pearson_r"] == pytest.approx(np.corrcoef(units, traffic)[0, 1])
    assert row["significant"] and row["strength"] == "strong" and row["pearson_r"] > 0
    # Two pairs tested: Holm doubles the smaller p-value.
    smaller = min(report["rows"], key=lambda r: r["pearson_p"])
    assert smaller["pearson_p_adjusted"] == pytest.approx(min(1, 2 * smaller["pearson_p"]))
    monthly = build_report(
        "correlations", flt, x=["revenue", "consultations"], grain="seller-month"
    )
    assert {p["seller"] for p in monthly["points"]} <= {s["code"] for s in simulated.sellers}
    assert monthly["rows"][0]["n"] >= 6


def drivers_are_ranked_and_problems_said(flt, simulated, capsys):
    report = build_report(
        "drivers", flt, outcome="revenue", drivers=["traffic", "receipts"], grain="store-day"
    )
    assert report["n"] == 63 and report["problem"] is None
    # Revenue is receipts × ticket: receipts explain it ahead of the visitors behind them.
    assert [r["driver"] for r in report["rows"]] == ["receipts", "traffic"]
    assert sum(r["weight"] for r in report["rows"]) == pytest.approx(1)
    printed = cli_json(
        capsys, "drivers", "--from", str(simulated.start_date), "--to", str(simulated.end_date),
        "--outcome", "revenue", "--drivers", "traffic,receipts,traffic",
    )  # fmt: skip
    assert printed["rows"] == json.loads(json.dumps(report["rows"]))
    few = build_report(
        "drivers", flt, outcome="revenue", drivers=["receipts"], grain="seller-month"
    )
    assert few["problem"] in (None, "too_few_points") and few["message"]


def checklist_items_are_factor_analysed(flt):
    period = flt.period
    report = build_report("factors", flt)
    assert report["template"] and report["rows"]
    assert {row["declared_factor"] for row in report["rows"]} and report["n"] >= 0
    # Either the analysis ran or it says why not: never a half-filled answer.
    if report["problem"] is None:
        assert report["factors"] == len(report["alphas"]) >= 1
    else:
        assert report["problem"] in ("too_few_points", "constant", "singular", "no_factor")
    with pytest.raises(CommandError, match="no checklists of template"):
        call_command("report", "factors", "--from", str(period.start), "--to", str(period.end),
                     "--template", "nonesuch", "--chain", "default")  # fmt: skip


def revenue_sources_are_priced_from_the_simulated_kpi_tree(flt, simulated):
    """The table's store figures are the simulator's truth where it is exact (visitors,
    receipts, revenue, consultations), its consultation conversions are the planted ones
    as far as the failure matching recovers them, and the money at stake is the KPI tree's
    product over those figures: volume × (upper quartile − current) × value, a month."""
    report = build_report("revenue-sources", flt)
    stores = {row["store"]: row for row in report["stores"]}
    truth = simulated.truth().store_totals()
    assert set(stores) == set(truth)
    for code, figures in truth.items():
        row = stores[code]
        assert (row["traffic"], row["receipts"]) == (figures.traffic, figures.receipts)
        assert row["revenue"] == pytest.approx(figures.revenue / 100)
    staff = StaffSimulation(simulated)
    planted = defaultdict(list)
    for consultation in staff.iter_consultations():
        planted[consultation["store"]].append(not staff.truth().failed[consultation["id"]])
    for code, outcomes in planted.items():
        assert stores[code]["consultations"] == len(outcomes)
        assert stores[code]["consultation_conversion"] == pytest.approx(np.mean(outcomes), abs=0.03)
    rows = {row["source"]: row for row in report["rows"]}
    month = MONTH_DAYS / flt.period.days
    for source, volume, lever, value in (
        ("consultation", "matched_consultations", "consultation_conversion", "average_ticket"),
        ("engagement", "traffic", "coverage", None),
    ):
        levels = np.array([s[lever] for s in stores.values()])
        top = np.percentile(levels, 75)
        worth = [
            s[value] if value else s["consultation_conversion"] * s["average_ticket"]
            for s in stores.values()
        ]
        gained = [
            s[volume] * max(top - level, 0) * w
            for s, level, w in zip(stores.values(), levels, worth, strict=True)
        ]
        assert rows[source]["benchmark"] == pytest.approx(top)
        assert rows[source]["money_at_stake"] == pytest.approx(sum(gained) * month)
        assert rows[source]["money_at_stake"] > 0  # three stores never convert alike


def series_read_in_columns_are_the_reports_figures(chain, simulated):
    """The pages read the series column-wise; each point and figure is exactly the one the
    reports' rows give (sales, staff, ИЭЛ, NPS), at every grain, for the chain, one store
    and one seller (shift traffic), the sellers' months listed even when silent."""
    period = Period(simulated.start_date, simulated.end_date)
    names = [name for name, series in SERIES.items() if series.read is not None]
    seller = simulated.sellers[0]["code"]
    for store, seller_code in ((None, None), (simulated.stores[0]["code"], None), (None, seller)):
        for grain in GRAINS:
            # A fresh filter for each reading: a filter keeps what it has read.
            fresh = [
                ReportFilter(operator_scope(chain), period, store, None, seller_code)
                for _ in range(2)
            ]
            read = series_frame(fresh[0], names, grain)
            assert len(read) > 0
            by_rows = report_frame(fresh[1], names, grain)
            pd.testing.assert_frame_equal(read, by_rows, check_exact=True)


def survey_questions_are_factor_analysed(flt, capsys):
    """The survey's questions through the same analysis: each pair of questions over the
    customers who rated both (n is the smallest pair's, counted here from the answers); a
    week of three stores is too few customers per pair, and the message says so."""
    report = build_report("factors", flt, source="survey")
    assert report["source"] == "survey" and report["template"] == "rsqs"
    assert [r["item"] for r in report["rows"]] == [q.code for q in BANKS["rsqs"]]
    assert {r["declared_factor"] for r in report["rows"]} == {q.dimension for q in BANKS["rsqs"]}
    rated = [
        set(answers)
        for answers in SurveyResponse.objects.filter(declined=False).values_list(
            "answers", flat=True
        )
        if answers
    ]
    codes = [q.code for q in BANKS["rsqs"]]
    fewest = min(sum(a in r and b in r for r in rated) for a in codes for b in codes)
    assert report["n"] == fewest and report["pairwise_min"] == 50
    assert len(report["points"]) == len(rated)
    printed = cli_json(
        capsys, "factors", "--from", report["from"], "--to", report["to"], "--source", "survey"
    )
    assert printed == json.loads(json.dumps(report, default=str))
    week = flt.shifted(Period(flt.period.start, flt.period.start + timedelta(days=6)))
    with override("en"):
        short = build_report("factors", week, source="survey")
    assert short["problem"] == "too_few_points" and short["n"] < 50
    assert "design does not allow" in short["message"]
    with pytest.raises(FilterError, match="unknown source"):
        build_report("factors", flt, source="reviews")
