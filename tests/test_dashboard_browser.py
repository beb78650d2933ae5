"""The dashboard in a real Chromium: a store manager signs in through the form and sees the
cards and charts of their one store, with no script errors."""

import pytest
from playwright.sync_api import Page, sync_playwright

from tests.test_dashboard import WEEK

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture
def page(monkeypatch):
    # The live server's ORM calls come from Playwright's event loop thread.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        context = browser.new_context(locale="ru-RU", viewport={"width": 1024, "height": 1366})
        page = context.new_page()
        page.problems = []
        page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
        page.on("pageerror", lambda e: page.problems.append(str(e)))
        yield page
        browser.close()


def sign_in(page: Page, url: str, username: str) -> None:
    page.goto(url)
    assert "/accounts/login/" in page.url
    page.fill("#id_username", username)
    page.fill("#id_password", f"pw-{username}")
    page.click("button[type=submit].primary")
    page.wait_for_selector(".cards")


def test_a_store_manager_sees_their_store_dashboard(page, live_server, chain_sales):
    sign_in(page, f"{live_server.url}/?{WEEK}", "manager")
    assert page.locator(".card").count() == 6
    assert "2\xa0500,00\xa0₽" in page.inner_text(".card[data-metric=revenue] .value")
    for chart in ("chart-waterfall", "chart-trend", "chart-heatmap"):
        page.wait_for_selector(f"#{chart} canvas")
    stores = page.locator("select[name=store] option").evaluate_all(
        "options => options.map(o => o.value)"
    )
    assert stores == ["", "MSK-2"]
    assert page.locator("table[data-table=seller] tbody tr").count() == 1
    assert page.problems == []


def test_the_grain_switch_and_the_language_switch_work_in_place(page, live_server, chain_sales):
    sign_in(page, f"{live_server.url}/?{WEEK}", "analyst")
    page.click(".switch a:has-text('Недели')")
    page.wait_for_url("**grain=week**")
    page.wait_for_selector("#chart-trend canvas")
    page.select_option("select[name=region]", "Сибирь")
    page.wait_for_url("**region=**")
    stores = page.locator("select[name=store] option").evaluate_all("os => os.map(o => o.value)")
    assert stores == ["", "NSK-1"] and "grain=week" in page.url
    page.select_option("select[name=region]", "")
    page.wait_for_selector("table[data-table=store] tbody tr[data-code=MSK-1]")
    page.click("table[data-table=store] tbody tr[data-code=MSK-1] a")
    page.wait_for_url("**store=MSK-1**")
    page.wait_for_selector("table[data-table=seller]")
    page.click("form.language button[value=en]")
    page.wait_for_selector("text=Where is the money")
    assert "store=MSK-1" in page.url
    assert page.problems == []
