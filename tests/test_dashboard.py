"""The dashboard page and its JSON twin: login, scope per persona, filter errors, the same
numbers on the page and in the JSON, Russian and English."""

import json
import re

import pytest

WEEK = "from=2026-03-02&to=2026-03-08"


def login(client, name: str):
    assert client.login(username=name, password=f"pw-{name}")
    return client


def twin(client, query: str = WEEK) -> dict:
    response = client.get(f"/?{query}&format=json")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


def test_it_sends_an_anonymous_visitor_to_the_login_page(client, db):
    response = client.get(f"/?{WEEK}")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/")


def test_the_logout_button_signs_the_user_out(client, personas):
    login(client, "analyst")
    assert client.post("/accounts/logout/")["Location"] == "/accounts/login/"
    assert client.get("/").status_code == 302


def test_the_login_page_signs_a_user_in(client, personas):
    page = client.get("/accounts/login/")
    assert page.status_code == 200 and 'name="password"' in page.content.decode()
    response = client.post("/accounts/login/", {"username": "analyst", "password": "pw-analyst"})
    assert response.status_code == 302 and response["Location"] == "/"


@pytest.mark.parametrize(
    ("persona", "stores"),
    [
        ("admin", ["MSK-1", "MSK-2", "NSK-1"]),
        ("analyst", ["MSK-1", "MSK-2", "NSK-1"]),
        ("regional", ["NSK-1"]),
        ("manager", ["MSK-2"]),
        ("seller", ["MSK-1"]),
        ("outsider", ["OTH-1"]),
    ],
)
def test_each_persona_sees_exactly_its_scope(client, chain_sales, persona, stores):
    data = twin(login(client, persona))
    assert [s["code"] for s in data["choices"]["stores"]] == stores
    assert {row["store"] for row in data["stores"]} <= set(stores)
    seller_stores = {s["store"] for s in data["choices"]["sellers"]}
    assert seller_stores <= set(stores)


def test_the_director_sees_the_chain_totals(client, chain_sales):
    data = twin(login(client, "admin"))
    cards = {card["metric"]: card for card in data["cards"]}
    assert cards["revenue"]["value"] == 2000 + 2500 + 1200
    assert cards["receipts"]["value"] == 4
    assert cards["traffic"]["value"] == 70
    assert cards["conversion"]["value"] == pytest.approx(4 / 70)
    assert cards["revenue"]["previous"] == 1500
    assert cards["revenue"]["vs_previous"]["rel"] == pytest.approx(5700 / 1500 - 1)
    assert cards["revenue"]["last_year"] == 2000
    stores = {row["store"]: row for row in data["stores"]}
    assert stores["MSK-2"]["revenue"] == 2500
    assert stores["MSK-2"]["drill"] == f"?{WEEK}&store=MSK-2"
    assert data["sellers"] is None


def test_the_revenue_change_splits_into_three_effects(client, chain_sales):
    data = twin(login(client, "admin"))
    total = data["decomposition"]["total"]
    effects = total["traffic_effect"] + total["conversion_effect"] + total["ticket_effect"]
    assert effects == pytest.approx(total["revenue"] - total["base_revenue"])
    assert data["decomposition"]["by"] == "store"
    assert {row["store"] for row in data["decomposition"]["rows"]} == {"MSK-1", "MSK-2", "NSK-1"}


def test_a_store_page_has_the_chain_page_figures_of_its_store(client, chain_sales):
    # The chain page reads its stores' figures by store; a store's page has its one store's
    # from the days its total reads, and gives each seller that store's traffic.
    chain = twin(login(client, "admin"))
    rows = {row["store"]: row for row in chain["stores"]}
    decomposed = {row["store"]: row for row in chain["decomposition"]["rows"]}
    for code, row in rows.items():
        store = twin(client, f"{WEEK}&store={code}")
        assert store["stores"] == [row]
        traffic = {(r["traffic"], r["base_traffic"]) for r in store["decomposition"]["rows"]}
        assert traffic <= {(decomposed[code]["traffic"], decomposed[code]["base_traffic"])}
    msk1 = twin(client, f"{WEEK}&store=MSK-1")["decomposition"]["rows"]
    assert {r["seller"]: r["traffic"] for r in msk1} == {"MSK-1-S1": 40, "MSK-1-S2": 40}


def test_a_store_manager_sees_their_store_and_its_sellers(client, chain_sales):
    data = twin(login(client, "manager"))
    assert [row["store"] for row in data["stores"]] == ["MSK-2"]
    assert data["cards"][0]["value"] == 2500
    assert [row["seller"] for row in data["sellers"]] == ["MSK-2-S1"]
    assert data["decomposition"]["by"] == "seller"


def test_a_seller_sees_only_their_own_figures(client, chain_sales):
    data = twin(login(client, "seller"))
    cards = {card["metric"]: card for card in data["cards"]}
    assert cards["revenue"]["value"] == 2000
    assert cards["traffic"]["value"] is None  # traffic belongs to the store
    assert [s["code"] for s in data["choices"]["sellers"]] == ["MSK-1-S1"]
    assert data["heatmap"] is None


def test_a_store_outside_the_scope_is_forbidden(client, chain_sales):
    login(client, "manager")
    assert client.get(f"/?{WEEK}&store=MSK-1&format=json").status_code == 403
    page = client.get(f"/?{WEEK}&store=MSK-1")
    assert page.status_code == 403


def test_a_seller_cannot_look_at_a_colleague(client, chain_sales):
    login(client, "seller")
    assert client.get(f"/?{WEEK}&seller=MSK-1-S2&format=json").status_code == 403


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-13-01&to=2026-03-08", "from"),
        ("from=2026-03-02&to=yesterday", "to"),
        ("from=2026-03-08&to=2026-03-02", "to"),
        ("from=2026-03-02", "to"),
        ("period=fortnight", "period"),
        (f"{WEEK}&grain=hour", "grain"),
        (f"{WEEK}&sort=colour", "sort"),
    ],
)
def test_a_bad_filter_is_a_400_naming_the_field(client, chain_sales, query, field):
    login(client, "analyst")
    response = client.get(f"/?{query}&format=json")
    assert response.status_code == 400
    assert json.loads(response.content)["field"] == field
    page = client.get(f"/?{query}")
    assert page.status_code == 400
    assert f"<code>{field}</code>" in page.content.decode()


def test_the_page_shows_the_numbers_of_its_json_twin(client, chain_sales):
    login(client, "admin")
    data = twin(client)
    html = client.get(f"/?{WEEK}").content.decode()
    for card in data["cards"]:
        shown = re.search(rf'data-metric="{card["metric"]}" data-value="([^"]*)"', html)
        assert shown is not None, card
        value = float(shown[1]) if shown[1] else None
        assert value == (None if card["value"] is None else pytest.approx(card["value"])), card
    assert "5\xa0700,00\xa0₽" in html  # revenue, Russian style
    assert "5,7\xa0%" in html  # conversion 4 / 70
    assert "2\xa0500,00\xa0₽" in html  # MSK-2 in the store table
    charts = json.loads(re.search(r'id="dashboard-data"[^>]*>(.*?)</script>', html, re.S)[1])
    assert charts["cards"] == json.loads(json.dumps(data["cards"]))


def test_the_page_speaks_russian_by_default_and_english_on_request(client, chain_sales):
    login(client, "admin")
    # Even to a browser set to English: the chain's language comes first, the switch second.
    html = client.get(f"/?{WEEK}", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "Выручка" in html and "Где деньги" in html
    response = client.post("/i18n/setlang/", {"language": "en", "next": f"/?{WEEK}"})
    assert response.status_code == 302
    html = client.get(f"/?{WEEK}").content.decode()
    assert "Revenue" in html and "Where is the money" in html and "Выручка" not in html
    assert "₽5,700.00" in html


def test_a_drill_down_link_narrows_the_page_to_the_store(client, chain_sales):
    login(client, "admin")
    row = next(r for r in twin(client)["stores"] if r["store"] == "MSK-1")
    data = twin(client, row["drill"].lstrip("?"))
    assert [r["store"] for r in data["stores"]] == ["MSK-1"]
    assert data["filter"]["store"] == "MSK-1"
    sold = {r["seller"] for r in data["sellers"] if r["receipts"]}
    assert sold == {"MSK-1-S1"}
    assert {r["seller"] for r in data["sellers"]} <= {"MSK-1-S1", "MSK-1-S2"}


def test_tables_sort_by_the_chosen_column(client, chain_sales):
    login(client, "admin")
    ascending = [r["store"] for r in twin(client, f"{WEEK}&sort=revenue")["stores"]]
    descending = [r["store"] for r in twin(client, f"{WEEK}&sort=-revenue")["stores"]]
    assert ascending == ["NSK-1", "MSK-1", "MSK-2"] and descending == ascending[::-1]


@pytest.mark.parametrize("grain", ["day", "week", "month"])
def test_the_trend_follows_the_grain(client, chain_sales, grain):
    login(client, "admin")
    rows = twin(client, f"{WEEK}&grain={grain}")["trend"]["rows"]
    assert sum(row["revenue"] for row in rows) == 5700
    assert all(grain in row for row in rows)


def test_a_seller_sees_where_their_own_money_went(client, chain_sales):
    total = twin(login(client, "seller"))["decomposition"]["total"]
    assert (total["seller"], total["revenue"], total["base_revenue"]) == ("MSK-1-S1", 2000, 1500)
    effects = total["traffic_effect"] + total["conversion_effect"] + total["ticket_effect"]
    assert effects == pytest.approx(500)


def test_the_dashboard_runs_a_fixed_number_of_queries(
    client, chain_sales, django_assert_max_num_queries
):
    login(client, "admin")
    client.get(f"/?{WEEK}")  # the session and the user are loaded once
    # The same count whatever the number of stores, sellers or days.
    with django_assert_max_num_queries(40):
        client.get(f"/?{WEEK}&format=json")


@pytest.mark.parametrize(
    ("page", "report", "first_column"),
    [("/", "kpi", "store"), ("/staff/sellers/", "sellers", "seller")],
)
def test_a_page_exports_its_rows_with_its_own_filters(
    client, chain_sales, page, report, first_column
):
    from io import BytesIO

    from openpyxl import load_workbook

    html = login(client, "manager").get(f"{page}?{WEEK}").content.decode()
    link = re.search(rf'href="(/incidents/export/{report}/\?[^"]+)" data-export="xlsx"', html)
    assert link, "no XLSX link on the page"
    response = client.get(link.group(1).replace("&amp;", "&"))
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == first_column
    # The store manager's scope and the page's week travel with the link.
    assert {r[0] for r in rows[1:]} <= {"MSK-2", "MSK-2-S1"} and len(rows) > 1
    filters = dict(book.worksheets[1].iter_rows(values_only=True))
    assert filters["from"] == "2026-03-02" and filters["to"] == "2026-03-08"
