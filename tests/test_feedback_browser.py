"""Customer voice in a real Chromium: a customer answers the QR survey on a phone (an unhappy
one tells the store first), a kiosk terminal takes presses (also offline) and ignores repeats."""

import pytest
from playwright.sync_api import sync_playwright

from cxm.feedback.models import FeedbackSetup, Press, SurveyResponse
from cxm.feedback.survey import receipt_link
from cxm.imports.records import read_payload
from cxm.imports.registry import run_import
from cxm.incidents.models import Incident
from cxm.metrics.periods import Period
from cxm.org.cli import operator_scope
from cxm.org.models import Store
from cxm.reports.filters import ReportFilter
from cxm.reports.registry import build_report
from cxm.sales.models import Receipt
from tests.factories import device_bearer, receipt
from tests.test_dashboard_browser import CHROMIUM_ARGS

pytestmark = pytest.mark.browser


@pytest.fixture
def browser(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def watch(page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


def test_a_customer_answers_on_a_phone_and_the_answer_counts_in_the_stores_nps(
    browser, live_server, chain
):
    assert not run_import("receipts", chain, read_payload([receipt(7)])).rejected
    Store.objects.filter(code="MSK-1").update(review_links={"yandex": "https://yandex.ru/maps/1"})
    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = phone.new_page()
    problems = watch(page)
    page.goto(live_server.url + receipt_link(Receipt.objects.get()))
    page.click(".scores label.score-10")
    for factor in page.locator("fieldset.factor").all():
        factor.locator(".scale label").nth(4).click()
    page.fill("textarea[name=comment]", "Спасибо!")
    page.click("button[name=send]")
    page.wait_for_selector("[data-invite=promoter]")
    assert page.locator(".reviews.large .review-link").count() == 1
    answer = SurveyResponse.objects.get()
    assert answer.nps == 10 and len(answer.answers) == 3
    flt = ReportFilter(operator_scope(chain), Period(answer.day, answer.day), store="MSK-1")
    assert build_report("nps", flt)["total"]["promoters"] == 1
    assert problems == []


def test_an_unhappy_customer_tells_the_store_first_on_a_phone(browser, live_server, chain):
    assert not run_import("receipts", chain, read_payload([receipt(8)])).rejected
    Store.objects.filter(code="MSK-1").update(review_links={"yandex": "https://yandex.ru/maps/1"})
    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = phone.new_page()
    problems = watch(page)
    page.goto(live_server.url + receipt_link(Receipt.objects.get()))
    page.click(".scores label.score-3")
    page.click("button[name=send]")
    page.wait_for_selector("[data-invite=detractor] form.tell")
    assert page.locator(".reviews.small .review-link").count() == 1  # never hidden
    page.fill("textarea[name=message]", "Долго ждал консультанта")
    page.fill("input[name=contact]", "+7 900 000-00-00")
    page.check("input[name=consent]")
    page.click("form.tell button[type=submit]")
    page.wait_for_selector("[data-told=yes]")
    assert page.locator(".reviews.small .review-link").count() == 1
    incident = Incident.objects.get()
    assert (incident.store.code, incident.contact) == ("MSK-1", "+7 900 000-00-00")
    assert problems == []


def test_the_terminal_takes_a_press_with_its_seller_and_ignores_a_repeat(
    browser, live_server, chain
):
    token = device_bearer("MSK-1", "terminal")["HTTP_AUTHORIZATION"].split()[1]
    page = browser.new_context(viewport={"width": 1024, "height": 768}).new_page()
    problems = watch(page)
    page.goto(f"{live_server.url}/feedback/terminal/#token={token}")
    page.wait_for_selector("[data-screen=ask]:not([hidden])")
    assert "#token" not in page.url  # the token is kept on the tablet, not in the address
    page.click("[data-button=excellent]")
    page.click("[data-seller=MSK-1-S2]")
    page.wait_for_selector("[data-screen=thanks]:not([hidden])")
    page.wait_for_selector("[data-screen=ask]:not([hidden])")
    page.click("[data-button=bad]")  # within the repeat interval: ignored on the tablet
    page.wait_for_function("document.querySelector('[data-queued]').textContent === '0'")
    press = Press.objects.get()
    assert (press.button, press.seller.code, press.repeat) == ("excellent", "MSK-1-S2", False)
    assert problems == []


def test_the_terminal_queues_presses_offline_with_their_own_time(browser, live_server, chain):
    FeedbackSetup.objects.create(chain=chain, press_repeat_seconds=1)
    token = device_bearer("MSK-1", "terminal")["HTTP_AUTHORIZATION"].split()[1]
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/feedback/terminal/?mode=like#token={token}")
    page.wait_for_selector("[data-screen=ask]:not([hidden])")
    context.set_offline(True)
    page.click("[data-button=dislike]")
    page.click("[data-reason=price]")  # the follow-up question after a negative press
    page.click("[data-screen=seller] [data-skip]")
    page.wait_for_function("document.querySelector('[data-queued]').textContent === '1'")
    pressed_at = page.evaluate("JSON.parse(localStorage.getItem('cxm-terminal-queue'))[0].at")
    assert not Press.objects.exists()
    page.wait_for_timeout(1200)
    context.set_offline(False)
    page.wait_for_function(
        "document.querySelector('[data-queued]').textContent === '0'", timeout=10_000
    )
    press = Press.objects.get()
    assert (press.button, press.reason, press.seller) == ("dislike", "price", None)
    assert press.at.isoformat().startswith(pressed_at[:19])
