"""Every analysis page exports to XLSX — its result first, then the data it was computed
from, then the filters — through the report exporter that makes text of formulas; every
page shows that data too. The factor-analysis page of the service standard."""

import io

import numpy as np
import pytest
from django.conf import settings
from openpyxl import load_workbook

from cxm.feedback.banks import BANKS
from cxm.imports.records import read_payload
from cxm.imports.registry import run_import
from cxm.org.models import Store
from cxm.staff.services import define_template

WEEK = {"from": "2026-03-02", "to": "2026-03-08"}
ITEMS = [
    {"code": code, "factor": factor, "points": 1}
    for code, factor in (
        ("greet", "Контакт"),
        ("smile", "Контакт"),
        ("needs", "Потребности"),
        ("offer", "Допродажа"),
    )
]
# (page, its own parameters, the sheet of the data it was computed from)
PAGES = [
    ("correlations", {"x": "revenue", "y": "traffic"}, "points"),
    ("drivers", {"outcome": "revenue", "drivers": ["traffic", "receipts"]}, "points"),
    ("factors", {}, "points"),
    ("revenue", {}, None),
    ("sources", {}, "stores"),
    ("map", {"kpi": "conversion"}, "regions"),
]


@pytest.fixture
def analyst(client, chain_sales, chain):
    """`chain_sales` plus 16 checklists of MSK-1 against a four-item standard, the items
    planted on two factors (greeting and smile together, needs and offer together)."""
    define_template(chain, "std", "Стандарт", ITEMS)
    rng = np.random.default_rng(7)
    records = []
    for n in range(16):
        contact, sale = rng.random() < 0.5, rng.random() < 0.5
        answers = {
            "greet": "yes" if contact or rng.random() < 0.1 else "no",
            "smile": "yes" if contact or rng.random() < 0.2 else "no",
            "needs": "yes" if sale or rng.random() < 0.1 else "no",
            "offer": "yes" if sale or rng.random() < 0.2 else "no",
        }
        records.append(
            {
                "id": f"x-k{n}",
                "store": "MSK-1",
                "seller": "MSK-1-S1",
                "at": f"2026-03-0{2 + n % 5}T12:{n:02d}:00+03:00",
                "template": "std",
                "answers": answers,
                "evaluator": "ТП",
            }
        )
    assert not run_import("checklists", chain, read_payload(records)).rejected
    client.force_login(chain_sales["analyst"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _book(response):
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"].endswith('.xlsx"')
    return load_workbook(io.BytesIO(response.content))


@pytest.mark.parametrize(("page", "params", "data"), PAGES, ids=[p[0] for p in PAGES])
def test_each_analysis_page_exports_its_result_and_its_data(analyst, page, params, data):
    book = _book(analyst.get(f"/analytics/{page}/", {**WEEK, **params, "format": "xlsx"}))
    twin = analyst.get(f"/analytics/{page}/", {**WEEK, **params, "format": "json"}).json()
    sheets = book.sheetnames
    assert sheets[-1] == "about"
    about = dict(book["about"].iter_rows(min_row=2, values_only=True))
    assert (about["from"], about["to"]) == (WEEK["from"], WEEK["to"])
    if data:
        assert data in sheets
        rows = list(book[data].iter_rows(values_only=True))
        shown = twin["report"][data] if "report" in twin else twin[data]
        assert len(rows) - 1 == len(shown) > 0  # a header and one line per data row
    # The first sheet is the result: one line per row of the page.
    result = list(book[sheets[0]].iter_rows(values_only=True))
    expected = twin["report"]["rows"] if "report" in twin else twin.get("rows", twin.get("stores"))
    if expected:
        assert len(result) - 1 == len(expected)
    else:  # too few points for the drivers: no rows, and the reason on the last sheet
        assert not result and about["message"] == twin["report"]["message"]


@pytest.mark.parametrize(("page", "params", "data"), PAGES, ids=[p[0] for p in PAGES])
def test_each_analysis_page_links_its_export_and_shows_its_data(analyst, page, params, data):
    html = analyst.get(f"/analytics/{page}/", {**WEEK, **params}).content.decode()
    assert 'data-export="xlsx"' in html and "format=xlsx" in html
    if page != "map":  # the map's data is its stores and regions table
        assert 'data-section="data"' in html


def test_the_export_keeps_the_pages_own_choices(analyst):
    params = {**WEEK, "outcome": "revenue", "drivers": ["traffic", "receipts"]}
    html = analyst.get("/analytics/drivers/", params).content.decode()
    assert "drivers=traffic&amp;drivers=receipts" in html and "outcome=revenue" in html


def test_text_that_a_spreadsheet_would_run_stays_text(analyst):
    Store.objects.filter(code="MSK-1").update(name='=HYPERLINK("http://evil.example","x")')
    book = _book(analyst.get("/analytics/revenue/", {**WEEK, "format": "xlsx"}))
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert any(str(c.value).startswith("'=HYPERLINK") for c in cells)


def test_a_bad_parameter_of_an_export_is_a_400_naming_it(analyst):
    response = analyst.get("/analytics/map/", {**WEEK, "kpi": "luck", "format": "xlsx"})
    assert response.status_code == 400
    assert analyst.get("/analytics/revenue/", {**WEEK, "format": "pdf"}).status_code == 400


def test_an_export_needs_a_login_and_keeps_to_the_scope(client, chain_sales):
    response = client.get("/analytics/sources/", {**WEEK, "format": "xlsx"})
    assert response.status_code == 302
    client.force_login(chain_sales["manager"])
    forbidden = client.get("/analytics/revenue/", {**WEEK, "store": "MSK-1", "format": "xlsx"})
    assert forbidden.status_code == 403
    book = _book(client.get("/analytics/sources/", {**WEEK, "format": "xlsx"}))
    stores = [row[0] for row in book["stores"].iter_rows(min_row=2, values_only=True)]
    assert stores == ["MSK-2"]


def test_the_factor_page_analyses_the_standards_items(analyst):
    twin = analyst.get("/analytics/factors/", {**WEEK, "format": "json"}).json()
    report = twin["report"]
    assert twin["templates"] == ["std"] and report["template"] == "std"
    assert [row["item"] for row in report["rows"]] == ["greet", "needs", "offer", "smile"]
    assert report["n"] == len(report["points"]) == 16
    # The analysis ran, or says in words why it could not: never a half-filled answer.
    assert report["message"]
    if report["problem"] is None:
        assert report["factors"] == len(report["alphas"]) >= 1
    # The item correlations it factored: symmetric, ones on the diagonal.
    matrix = {row["item"]: row for row in report["correlations"]}
    assert matrix["greet"]["greet"] == pytest.approx(1)
    assert matrix["greet"]["smile"] == pytest.approx(matrix["smile"]["greet"])
    html = analyst.get("/analytics/factors/", WEEK).content.decode()
    assert 'data-table="loadings"' in html and 'data-table="correlations"' in html
    assert "nan" not in html.lower().replace("financ", "")


def test_the_factor_page_says_when_there_are_no_checklists(client, chain_sales):
    client.force_login(chain_sales["analyst"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    twin = client.get("/analytics/factors/", {**WEEK, "format": "json"}).json()
    assert twin["report"]["template"] is None and twin["report"]["problem"] == "too_few_points"
    assert "No checklists in the period" in client.get("/analytics/factors/", WEEK).content.decode()
    bad = client.get("/analytics/factors/", {**WEEK, "template": "nope", "format": "json"})
    assert bad.status_code == 400 and bad.json()["field"] == "template"


def test_the_factor_page_analyses_the_survey_when_asked(client, chain_sales):
    client.force_login(chain_sales["analyst"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    survey = {**WEEK, "source": "survey"}
    twin = client.get("/analytics/factors/", {**survey, "format": "json"}).json()
    assert twin["sources"] == ["checklists", "survey"] and twin["templates"] == list(BANKS)
    report = twin["report"]
    assert report["source"] == "survey" and report["template"] is None
    assert report["problem"] == "too_few_points" and report["pairwise_min"] == 50
    html = client.get("/analytics/factors/", survey).content.decode()
    assert "No survey answers in the period" in html and 'name="source"' in html
    bad = client.get("/analytics/factors/", {**WEEK, "source": "reviews", "format": "json"})
    assert bad.status_code == 400 and bad.json()["field"] == "source"
