"""GET /api/v1/reports/{name}: the same JSON as `cxm report NAME --format json`, within the
caller's scope, with bad parameters named."""

import json
from datetime import date

import pytest
from django.core.management import call_command

from cxm.metrics.periods import Period
from cxm.org.scope import scope_for
from cxm.reports import formats
from cxm.reports.filters import ReportFilter
from cxm.reports.registry import build_report
from tests.factories import bearer

WEEK = {"from": "2026-03-02", "to": "2026-03-08"}


@pytest.fixture
def get(client, personas, sales):
    def fetch(name, *, as_="admin", **params):
        return client.get(f"/api/v1/reports/{name}", params, **bearer(personas[as_]))

    return fetch


def cli_json(capsys, *args: str) -> dict:
    call_command("report", *args, "--chain", "default", "--format", "json")
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("by", ["store", "seller", "day", "week", "region", "hour"])
def test_kpi_is_exactly_what_the_cli_prints(get, capsys, by):
    response = get("kpi", **WEEK, by=by)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == cli_json(
        capsys, "kpi", "--from", WEEK["from"], "--to", WEEK["to"], "--by", by
    )


def test_decomposition_with_a_base_period_is_what_the_cli_prints(get, capsys):
    response = get(
        "decomposition", **WEEK, base_from="2026-02-23", base_to="2026-03-01", by="store"
    )
    assert response.status_code == 200
    assert response.json() == cli_json(
        capsys,
        "decomposition",
        "--from",
        WEEK["from"],
        "--to",
        WEEK["to"],
        "--base-from",
        "2026-02-23",
        "--base-to",
        "2026-03-01",
        "--by",
        "store",
    )


def test_the_report_is_build_report_in_the_callers_scope(get, personas):
    response = get("kpi", as_="manager", **WEEK, by="store")
    flt = ReportFilter(scope_for(personas["manager"]), Period(date(2026, 3, 2), date(2026, 3, 8)))
    expected = json.loads(formats.to_json(build_report("kpi", flt, by="store")))
    assert response.json() == expected
    assert [row["store"] for row in response.json()["rows"]] == ["MSK-2"]


def test_the_heatmap_has_cells_by_weekday_and_hour(get):
    response = get("heatmap", **WEEK)
    assert response.status_code == 200
    assert {"weekday", "hour", "conversion"} <= set(response.json()["rows"][0])


@pytest.mark.parametrize(
    ("persona", "params"),
    [
        ("manager", {"store": "MSK-1"}),
        ("regional", {"store": "MSK-2"}),
        ("outsider", {"store": "MSK-1"}),
        ("manager", {"seller": "MSK-1-S1"}),
        ("seller", {"seller": "MSK-1-S2"}),  # a colleague in the same store
    ],
)
def test_a_store_or_seller_outside_the_scope_is_403(get, persona, params):
    response = get("kpi", as_=persona, **WEEK, **params)
    assert response.status_code == 403
    assert response.json()["detail"]


def test_an_unknown_store_is_403_like_a_foreign_one(get):
    # The same answer, so that probing codes tells nothing about other chains.
    assert get("kpi", **WEEK, store="NOPE").status_code == 403


def test_a_seller_sees_only_their_own_figures(get):
    response = get("kpi", as_="seller", **WEEK, by="seller")
    assert [row["seller"] for row in response.json()["rows"]] == ["MSK-1-S1"]


@pytest.mark.parametrize(
    ("name", "params", "loc"),
    [
        ("kpi", {"to": "2026-03-08"}, "from"),
        ("kpi", {"from": "2026-03-02"}, "to"),
        ("kpi", {"from": "2026-13-01", "to": "2026-03-08"}, "from"),
        ("kpi", {"from": "2026-03-08", "to": "2026-03-02"}, "to"),
        ("kpi", {**WEEK, "by": "colour"}, "by"),
        ("kpi", {**WEEK, "region": "Марс"}, "region"),
        ("decomposition", {**WEEK, "by": "day"}, "by"),
        ("decomposition", {**WEEK, "base_from": "2026-02-23"}, "base_to"),
        ("decomposition", {**WEEK, "base_to": "2026-03-01"}, "base_from"),
    ],
)
def test_a_bad_parameter_is_422_naming_it(get, name, params, loc):
    response = get(name, **params)
    assert response.status_code == 422
    assert [p["loc"][-1] for p in response.json()["detail"]] == [loc]


def test_an_unknown_report_is_422_naming_it(get):
    response = get("weather", **WEEK)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "name"]
