"""The speech pages in a real Chromium: a store's manager opens the speech page, sees the
receipt whose expected offer was missing with the form to avoid highlighted and what the
conversation is tied to, follows the link to why customers leave, sees the reason under
its product category, and nothing breaks."""

import pytest
from playwright.sync_api import expect

from cxm.org.models import Role, Store
from tests.conftest import make_user
from tests.test_dashboard_browser import page as chromium_page  # noqa: F401 (the `page` fixture)
from tests.test_speech_reports import day  # noqa: F401 (the `day` fixture)
from tests.test_staff_browser import _log_in

pytestmark = pytest.mark.browser


def test_a_manager_sees_the_missed_offer_highlighted(
    chromium_page,  # noqa: F811 (the imported fixture)
    live_server,
    day,  # noqa: F811
    chain,
):
    page = chromium_page
    make_user(chain, "boss", Role.STORE_MANAGER, store=Store.objects.get(code="MSK-1"))
    _log_in(page, f"{live_server.url}/speech/?from=2026-03-02&to=2026-03-02", "boss")
    expect(page.locator("h1")).to_have_text("Речевая аналитика")
    missed = page.locator("table[data-table=missed] tr[data-code=t2]")
    expect(missed.locator("mark.wrong_form")).to_have_text("Больше ничего")
    expect(page.locator("table[data-table=leave-reasons] tr[data-code=price]")).to_contain_text(
        "Дороговато"
    )
    expect(page.locator("nav.main-nav")).to_contain_text("Речевая аналитика")
    expect(missed.locator("[data-link=consultation]")).to_contain_text("c2")
    expect(page.locator("table[data-table=feedback] tr[data-split=offer]")).to_have_count(2)
    page.get_by_role("link", name="по магазинам, категориям и неделям").click()
    expect(page.locator("h1")).to_have_text("Почему уходят покупатели")
    row = page.locator("table[data-table=categories] tr[data-code=price]")
    expect(row).to_contain_text("Бытовая техника")
    expect(row).to_contain_text("Дороговато")
    assert page.problems == []
