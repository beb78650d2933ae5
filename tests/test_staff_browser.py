"""The seller's consultation button in a real Chromium: presses made while the network is
cut wait in the tablet's storage and go out with their original times when it is back; the
store manager then sees the consultation in their list."""

from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from cxm.org.models import Role, Store
from cxm.staff.models import Consultation
from tests.conftest import make_user
from tests.test_dashboard_browser import page as chromium_page  # noqa: F401 (the `page` fixture)

pytestmark = pytest.mark.browser


def _log_in(page: Page, url: str, username: str) -> None:
    page.goto(url)
    page.fill("#id_username", username)
    page.fill("#id_password", f"pw-{username}")
    page.click("button[type=submit].primary")
    page.wait_for_url(url)


def test_presses_made_offline_reach_the_store_managers_list(
    chromium_page,  # noqa: F811 (the imported fixture)
    live_server,
    personas,
    chain,
):
    page = chromium_page
    make_user(chain, "boss", Role.STORE_MANAGER, store=Store.objects.get(code="MSK-1"))
    _log_in(page, f"{live_server.url}/staff/button/", "seller")
    expect(page.locator("#today")).to_have_text("0")

    page.context.set_offline(True)
    before = datetime.now(UTC)
    page.click("#press")
    page.click("#press")  # a double press: one consultation
    expect(page.locator("#queued")).to_have_text("2")
    page.wait_for_timeout(1500)
    assert Consultation.objects.count() == 0
    back_online = datetime.now(UTC)

    page.context.set_offline(False)
    expect(page.locator("#queue")).to_be_hidden(timeout=15000)
    expect(page.locator("#today")).to_have_text("1")
    consultation = Consultation.objects.get()
    assert consultation.seller.code == "MSK-1-S1"
    assert before <= consultation.started_at < back_online  # the time of the press itself
    assert page.evaluate("localStorage.getItem('cxm-button-MSK-1-S1')") == "[]"

    page.click("#end")  # the consultation ends: sent again with its end
    expect(page.locator("#end")).to_be_hidden()
    expect(page.locator("#queue")).to_be_hidden(timeout=15000)
    consultation.refresh_from_db()
    assert consultation.ended_at is not None and consultation.ended_at > consultation.started_at
    expect(page.locator("#today")).to_have_text("1")
    offline = "ERR_INTERNET_DISCONNECTED"  # the sends tried while the network was cut
    assert [p for p in page.problems if offline not in p] == []

    manager = page.context.browser.new_context(locale="ru-RU")
    boss = manager.new_page()
    _log_in(boss, f"{live_server.url}/staff/failures/", "boss")
    expect(
        boss.locator(f"table[data-table=latest] tr[data-code='{consultation.code}']")
    ).to_contain_text("MSK-1-S1")
    manager.close()
