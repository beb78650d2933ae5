"""The revenue-source table (seed 004_…): the money at stake in each source, worked by hand
from the KPI tree; the page, `cxm report revenue-sources` and the API give the same table;
sources without data say so, never a number made up."""

import json

import numpy as np
import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

from cxm.imports.records import read_payload
from cxm.imports.registry import run_import
from cxm.metrics.revenue_sources import (
    MONTH_DAYS,
    Lever,
    StakeProblem,
    gain,
    money_at_stake,
    upper_quartile,
)
from tests.factories import bearer

WEEK = {"from": "2026-03-02", "to": "2026-03-08"}
PER_MONTH = MONTH_DAYS / 7  # the week's money as an average month's


# --- the formulas, worked by hand ---


def test_the_benchmark_is_the_stores_upper_quartile():
    # R: quantile(c(.4, .5, .6, .7), .75, type = 7) = 0.625
    assert upper_quartile([0.4, 0.5, 0.6, 0.7, None]) == pytest.approx(0.625)
    assert upper_quartile([0.4, None]) is None  # one store is no benchmark


def test_each_store_is_raised_to_the_benchmark_and_the_month_is_an_average_one():
    """Four stores of 1 000 consultations, conversion 40…70 %, ticket 2 000 ₽: to the upper
    quartile (62,5 %) the first gains 1 000 × 0,225 × 2 000 = 450 000 ₽, the second
    250 000, the third 50 000, the fourth (above it) nothing — 750 000 ₽ over 30 days."""
    levers = {
        code: Lever(volume=1000, current=rate, value=2000)
        for code, rate in zip("ABCD", (0.4, 0.5, 0.6, 0.7), strict=True)
    }
    stake = money_at_stake(levers, [lv.current for lv in levers.values()], days=30)
    month = MONTH_DAYS / 30
    assert stake.benchmark == pytest.approx(0.625)
    assert stake.per_store == pytest.approx(
        {"A": 450_000 * month, "B": 250_000 * month, "C": 50_000 * month, "D": 0.0}
    )
    assert stake.total == pytest.approx(750_000 * month) and stake.problem is None


def test_the_offer_formula_is_the_seeds_receipts_without_offer_times_uptake():
    """Receipts without an offer × (ticket with − without) × uptake, the uptake being the
    share of those receipts that reaching the benchmark offer rate would cover."""
    expected, rate, benchmark, with_offer, without = 400, 0.55, 0.8, 3200.0, 2600.0
    uptake = (benchmark - rate) / (1 - rate)
    seed_formula = expected * (1 - rate) * (with_offer - without) * uptake
    lever = Lever(volume=expected, current=rate, value=with_offer - without)
    assert gain(lever, benchmark) == pytest.approx(seed_formula) == pytest.approx(60_000)


def test_an_offer_that_goes_with_a_smaller_ticket_puts_nothing_at_stake():
    assert gain(Lever(volume=100, current=0.2, value=-300.0), 0.6) == 0.0


def test_missing_figures_and_unmeasured_values_say_why():
    nothing = {"A": Lever(10, None, 5.0), "B": Lever(10, None, 5.0)}
    assert money_at_stake(nothing, [None, None], 7).problem == StakeProblem.NO_DATA
    alone = {"A": Lever(10, 0.5, 5.0)}
    assert money_at_stake(alone, [0.5], 7).problem == StakeProblem.NO_BENCHMARK
    unpriced = money_at_stake(alone, [0.5, 0.9], 7, value_known=False)
    assert unpriced.problem == StakeProblem.NOT_ESTIMABLE and unpriced.total is None


# --- the report on a chain made through the import contract ---


def _consultation(n: int, store: str, seller: str, at: str) -> dict:
    return {"id": f"rs-c{n}", "store": store, "seller": seller, "started_at": at}


@pytest.fixture
def voices(chain_sales, chain):
    """On top of `chain_sales` (MSK-1: 2 sales and a return, ticket 1 000 ₽, 40 visitors;
    MSK-2: one sale of 2 500 ₽, 10 visitors; NSK-1: one of 1 200 ₽, 20 visitors):

    * consultations — MSK-1: three, two followed by its seller's sale (2/3); MSK-2: three,
      one sold (1/3); NSK-1: one, sold (1/1);
    * feedback-terminal presses — MSK-1: two likes (ИЭЛ 100); MSK-2: one dislike (ИЭЛ −100);
      NSK-1: none (no ИЭЛ)."""
    consultations = [
        _consultation(1, "MSK-1", "MSK-1-S1", "2026-03-02T11:50:00+03:00"),
        _consultation(2, "MSK-1", "MSK-1-S1", "2026-03-02T12:40:00+03:00"),
        _consultation(3, "MSK-1", "MSK-1-S1", "2026-03-02T14:00:00+03:00"),
        _consultation(4, "MSK-2", "MSK-2-S1", "2026-03-03T11:45:00+03:00"),
        _consultation(5, "MSK-2", "MSK-2-S1", "2026-03-03T13:00:00+03:00"),
        _consultation(6, "MSK-2", "MSK-2-S1", "2026-03-03T14:00:00+03:00"),
        _consultation(7, "NSK-1", "NSK-1-S1", "2026-03-04T11:50:00+07:00"),
    ]
    presses = [
        {"id": "rs-p1", "store": "MSK-1", "at": "2026-03-02T12:01:00+03:00", "button": "like"},
        {"id": "rs-p2", "store": "MSK-1", "at": "2026-03-02T13:01:00+03:00", "button": "like"},
        {"id": "rs-p3", "store": "MSK-2", "at": "2026-03-03T12:01:00+03:00", "button": "dislike"},
    ]
    assert not run_import("consultations", chain, read_payload(consultations)).rejected
    assert not run_import("presses", chain, read_payload(presses)).rejected
    return chain_sales


@pytest.fixture
def client(client):
    """A client that chose English, so the rows' messages can be matched by their words."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _report(client, who, **params):
    response = client.get("/api/v1/reports/revenue-sources", {**WEEK, **params}, **bearer(who))
    assert response.status_code == 200, response.content
    return response.json()


def _rows(report):
    return {row["source"]: row for row in report["rows"]}


def test_the_seven_sources_of_the_seed_in_its_order(client, voices):
    report = _report(client, voices["admin"])
    assert [r["source"] for r in report["rows"]] == [
        "offers",
        "phrasing",
        "engagement",
        "consultation",
        "loyalty",
        "dissatisfaction",
        "reviews",
    ]
    assert [r["drivers"][0]["driver"] for r in report["rows"]] == [
        "average_ticket",
        "average_ticket",
        "conversion",
        "conversion",
        "repeat_visits",
        "repeat_visits",
        "new_visitors",
    ]


def test_raising_consultation_conversion_to_the_upper_quartile_worked_by_hand(client, voices):
    """Conversions 2/3, 1/3, 1: upper quartile 5/6. MSK-1: 3 × (5/6 − 2/3) × 1 000 = 500 ₽;
    MSK-2: 3 × (5/6 − 1/3) × 2 500 = 3 750 ₽; NSK-1 is above it. 4 250 ₽ in the week."""
    row = _rows(_report(client, voices["admin"]))["consultation"]
    assert row["lever"] == "consultation_conversion" and row["benchmark"] == pytest.approx(5 / 6)
    assert row["lever_value"] == pytest.approx(4 / 7)  # 4 of the chain's 7 sold
    assert row["money_at_stake"] == pytest.approx(4250 * PER_MONTH)
    assert row["money_problem"] is None and "₽" in row["message"]
    # Its information source, the checklists, has none: said, and the money still stands.
    assert row["problem"] == "no_data" and row["value"] is None
    assert row["message"].startswith("No data: no checklists")


def test_engaging_more_visitors_worked_by_hand(client, voices):
    """Coverage 3/40, 3/10, 1/20: upper quartile 0,1875. MSK-1: 40 × 0,1125 × 2/3 × 1 000 =
    3 000 ₽; NSK-1: 20 × 0,1375 × 1 × 1 200 = 3 300 ₽; MSK-2 is above it."""
    report = _report(client, voices["admin"])
    row = _rows(report)["engagement"]
    assert row["benchmark"] == pytest.approx(0.1875)
    assert row["money_at_stake"] == pytest.approx(6300 * PER_MONTH)
    stores = {s["store"]: s for s in report["stores"]}
    assert stores["MSK-1"]["at_stake_engagement"] == pytest.approx(3000 * PER_MONTH)
    assert stores["MSK-2"]["at_stake_engagement"] == 0.0


def test_emotional_loyalty_is_priced_a_repeat_visit_per_customer(client, voices):
    """ИЭЛ 100 and −100 (NSK-1 has no presses): upper quartile 50. MSK-2's one receipt ×
    150 points / 100 × 2 500 ₽ = 3 750 ₽."""
    row = _rows(_report(client, voices["admin"]))["loyalty"]
    assert row["benchmark"] == pytest.approx(50)
    assert row["value"] == pytest.approx(100 * (2 - 1) / 4)  # the chain: 4 receipts
    assert row["money_at_stake"] == pytest.approx(3750 * PER_MONTH)


def test_sources_without_data_say_so(client, voices):
    rows = _rows(_report(client, voices["admin"]))
    for source in ("offers", "phrasing", "dissatisfaction", "reviews"):
        assert rows[source]["value"] is None and rows[source]["money_at_stake"] is None
        assert rows[source]["problem"] == "no_data"
        assert rows[source]["message"].startswith("No data")
    assert rows["reviews"]["money_problem"] == "not_estimable"
    assert rows["offers"]["money_problem"] == "no_data"


def test_the_trend_is_against_the_comparison_period(client, voices):
    rows = _rows(_report(client, voices["admin"]))
    ticket = rows["offers"]["drivers"][0]
    # This week 4 sales for 5 700 ₽ net; the week before one sale of 1 500 ₽.
    assert (ticket["value"], ticket["previous"]) == (1425.0, 1500.0)
    assert ticket["change"] == pytest.approx(-75.0)
    loyalty = rows["loyalty"]
    assert loyalty["previous"] is None and loyalty["change"] is None  # no presses before


def test_a_store_manager_sees_their_store_measured_against_the_chain(client, voices):
    report = _report(client, voices["manager"])
    assert [s["store"] for s in report["stores"]] == ["MSK-2"]
    row = _rows(report)["consultation"]
    # The benchmark is still the chain's; only MSK-2's money is summed.
    assert row["benchmark"] == pytest.approx(5 / 6)
    assert row["money_at_stake"] == pytest.approx(3750 * PER_MONTH)


def test_a_seller_gets_no_table(client, voices):
    response = client.get("/api/v1/reports/revenue-sources", WEEK, **bearer(voices["seller"]))
    assert response.status_code == 403


def test_the_cli_prints_what_the_api_serves(client, voices, capsys):
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]  # both in the chain's language
    with translation.override(settings.LANGUAGE_CODE):
        call_command("report", "revenue-sources", "--from", WEEK["from"], "--to", WEEK["to"],
                     "--chain", "default", "--format", "json")  # fmt: skip
    printed = json.loads(capsys.readouterr().out)
    assert printed == _report(client, voices["admin"])


def test_the_page_shows_the_table_and_the_stores_it_came_from(client, voices):
    client.force_login(voices["analyst"])
    page = client.get("/analytics/sources/", WEEK)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-source="consultation"' in html and 'data-table="stores"' in html
    twin = client.get("/analytics/sources/", {**WEEK, "format": "json"}).json()
    assert twin["page"] == "sources"
    money = _rows(twin["report"])["consultation"]["money_at_stake"]
    assert money == pytest.approx(4250 * PER_MONTH)
    assert not any(
        isinstance(v, float) and np.isnan(v) for s in twin["report"]["stores"] for v in s.values()
    )
