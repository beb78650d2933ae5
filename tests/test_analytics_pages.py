"""The analytics pages: login only, scoped, each with a JSON twin of the same figures, bad
parameters named; the waterfall's four effects add up to the revenue change."""

import math

import pytest

from cxm.analytics.pages import PAGE_POINTS, drawn
from cxm.metrics.decomposition import decompose_revenue, split_ticket_effect

PERIOD = {"from": "2026-03-02", "to": "2026-03-08"}


@pytest.fixture
def as_user(client, chain_sales):
    def login(name):
        client.force_login(chain_sales[name])
        return client

    return login


def test_pages_need_a_login(client, chain_sales):
    for path in ("correlations", "drivers", "revenue", "map"):
        response = client.get(f"/analytics/{path}/")
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("path", ["correlations", "drivers", "revenue", "map"])
def test_each_page_renders_and_its_json_twin_matches(as_user, path):
    client = as_user("analyst")
    page = client.get(f"/analytics/{path}/", PERIOD)
    assert page.status_code == 200
    data = client.get(f"/analytics/{path}/", {**PERIOD, "format": "json"}).json()
    assert data["page"] == path
    assert page.context["data"]["page"] == path


def test_the_correlation_page_answers_a_ready_made_question(as_user):
    data = (
        as_user("analyst")
        .get("/analytics/correlations/", {**PERIOD, "preset": "traffic_quality", "format": "json"})
        .json()
    )
    row = data["report"]["rows"][0]
    assert (row["x"], row["y"]) == ("units", "traffic")
    assert row["problem"] == "too_few_points" and row["verdict"]


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("correlations", {"x": "revenue", "y": "mood"}, "y"),
        ("correlations", {"preset": "astrology"}, "preset"),
        ("revenue", {"by": "day"}, "by"),
        ("drivers", {"outcome": "nps", "drivers": "luck"}, "drivers"),
        ("map", {"kpi": "luck"}, "kpi"),
        ("correlations", {"x": "revenue", "y": "units", "points": "store-year"}, "grain"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(as_user, path, params, field):
    response = as_user("analyst").get(f"/analytics/{path}/", {**PERIOD, **params, "format": "json"})
    assert response.status_code == 400 and response.json()["field"] == field


def test_the_points_of_an_analysis_are_chosen_apart_from_the_dashboard_grain(as_user):
    data = (
        as_user("analyst")
        .get(
            "/analytics/correlations/",
            {**PERIOD, "x": "revenue", "y": "receipts", "points": "seller-month", "format": "json"},
        )
        .json()
    )
    assert data["report"]["grain"] == "seller-month"
    # Every active seller is a point, one who sold nothing too (zero is a figure).
    sellers = {p["seller"] for p in data["report"]["points"]}
    assert sellers == {"MSK-1-S1", "MSK-1-S2", "MSK-2-S1", "NSK-1-S1"}


def test_the_driver_page_says_when_there_are_too_few_points(as_user):
    data = as_user("analyst").get("/analytics/drivers/", {**PERIOD, "format": "json"}).json()
    report = data["report"]
    assert report["outcome"] == "conversion" and report["problem"] == "too_few_points"
    assert report["rows"] == [] and report["message"]


def test_the_map_shows_only_the_managers_store_and_links_to_its_dashboard(as_user):
    data = as_user("manager").get("/analytics/map/", {**PERIOD, "format": "json"}).json()
    assert [s["code"] for s in data["stores"]] == ["MSK-2"]
    store = data["stores"][0]
    assert (store["lat"], store["lon"]) == (55.75, 37.59)
    assert store["value"] == 2500.0  # one receipt of 2 500 roubles
    assert store["link"].startswith("/?") and "store=MSK-2" in store["link"]
    forbidden = as_user("manager").get("/analytics/map/", {**PERIOD, "store": "MSK-1"})
    assert forbidden.status_code == 403


def test_the_map_colours_by_conversion_and_aggregates_regions(as_user):
    data = (
        as_user("admin")
        .get("/analytics/map/", {**PERIOD, "kpi": "conversion", "format": "json"})
        .json()
    )
    values = {s["code"]: s["value"] for s in data["stores"]}
    # MSK-1: two sales (and a return) for 40 visitors; Центр: 3 sales for 50 visitors.
    assert values == {"MSK-1": 0.05, "MSK-2": 0.1, "NSK-1": 0.05}
    regions = {r["region"]: r["value"] for r in data["regions"]}
    assert regions == {"Центр": pytest.approx(0.06), "Сибирь": 0.05}


def test_the_waterfall_effects_add_up_to_the_change(as_user):
    data = (
        as_user("admin")
        .get("/analytics/revenue/", {**PERIOD, "store": "MSK-1", "format": "json"})
        .json()
    )
    total = data["total"]
    effects = sum(total[step] for step in data["steps"])
    assert effects == pytest.approx(total["revenue"] - total["base_revenue"])
    assert total["upt_effect"] + total["price_effect"] == pytest.approx(total["ticket_effect"])


def test_the_ticket_splits_exactly_into_upt_and_average_price():
    """Base: 100 receipts of 1.5 units for 100 000; now: 110 receipts of 1.6 units for
    132 000 (ticket 1 000 → 1 200, UPT 1.5 → 1.6, price 666.67 → 750)."""
    whole = decompose_revenue(132000, 110, 1100, 100000, 100, 1000)
    upt, price = split_ticket_effect(132000, 110, 176, 100000, 100, 150)
    assert upt + price == pytest.approx(whole.ticket_effect)
    weight = (132000 - 100000) / math.log(1.32)
    assert upt == pytest.approx(weight * math.log(1.6 / 1.5))
    assert price == pytest.approx(weight * math.log(750 / (100000 / 150)))
    assert split_ticket_effect(132000, 110, 0, 100000, 100, 150) is None


def test_a_page_draws_a_sample_of_many_points_and_keeps_them_all_in_its_twin():
    """A year of a big chain is tens of thousands of points: the HTML page plots and lists
    a random sample of PAGE_POINTS in their order, saying how many there are; the data the
    JSON twin and the XLSX file carry is untouched."""
    points = [{"store": "S", "day": day, "units": float(day)} for day in range(3 * PAGE_POINTS)]
    data = {"page": "correlations", "report": {"points": points}}
    page = drawn(data)["report"]
    days = [p["day"] for p in page["points"]]
    assert len(days) == PAGE_POINTS and page["points_total"] == 3 * PAGE_POINTS
    assert days == sorted(set(days)) and days[-1] - days[0] > 2 * PAGE_POINTS
    assert data["report"]["points"] is points and len(points) == 3 * PAGE_POINTS
    few = {"page": "correlations", "report": {"points": points[:10]}}
    assert drawn(few) is few
