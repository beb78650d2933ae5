"""Today's incidents in a real Chromium: the store manager signs in, writes a comment on an
incident of their store and resolves it."""

import pytest
from django.utils import timezone

from cxm.incidents.models import Incident
from cxm.incidents.rules import Signal, ensure_default_rules
from cxm.incidents.services import open_or_join
from cxm.org.models import Store
from tests.test_dashboard_browser import page  # noqa: F401  (the Chromium fixture)

# The fakes' fixtures: fast password hashing among them.
pytest_plugins = ["tests.incidents_fakes"]
pytestmark = pytest.mark.browser


def test_the_store_manager_comments_and_resolves_an_incident(page, live_server, personas, chain):  # noqa: F811
    rule = next(r for r in ensure_default_rules(chain) if r.code == "detractor")
    now = timezone.now()
    for code in ("MSK-2", "NSK-1"):
        store = Store.objects.get(code=code)
        signal = Signal(store.pk, f"answer:{code}", f"Грубый продавец {code}", now, "Нагрубили")
        open_or_join(rule, signal, now)

    page.goto(f"{live_server.url}/incidents/")
    page.fill("#id_username", "manager")
    page.fill("#id_password", "pw-manager")
    page.click("button[type=submit].primary")
    page.wait_for_selector("article.incident")
    assert page.locator("article.incident").count() == 1  # NSK-1 is not theirs
    mine = Incident.objects.get(store__code="MSK-2")
    card = page.locator(f"article[data-incident='{mine.pk}']")
    card.locator("input[name=text]").fill("Позвонил покупателю, извинился")
    card.locator("form.comment button").click()
    page.wait_for_load_state()
    card = page.locator(f"article[data-incident='{mine.pk}']")
    card.locator("form.resolve button").click()
    page.wait_for_selector(f"table[data-table=closed] tr[data-incident='{mine.pk}']")
    assert page.locator("article.incident").count() == 0

    mine.refresh_from_db()
    assert mine.status == "resolved"
    assert mine.events.filter(kind="comment", text="Позвонил покупателю, извинился").exists()
    assert page.problems == []
