"""The full loop: a simulated detractor answer → an incident → alerts delivered to a real
SMTP server and a fake Telegram Bot API on loopback → resolved by the store manager →
verified (closed); escalation to the regional manager after the deadline; a failing
channel is recorded and retried with back-off without delaying the others."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from cxm.imports.records import read_payload
from cxm.imports.registry import run_import
from cxm.incidents.models import Attempt, Delivery, Incident, Subscription
from cxm.incidents.services import escalate_overdue, evaluate_chain
from cxm.org.models import Role, Store
from tests.conftest import make_user
from tests.factories import bearer

# The fakes' fixtures: an SMTP server, a Telegram Bot API, fast password hashing.
pytest_plugins = ["tests.incidents_fakes"]


def detractor(answer_id: str, store: str = "MSK-2", **extra) -> dict:
    at = (timezone.now() - timedelta(minutes=5)).isoformat()
    record = {"id": answer_id, "store": store, "at": at, "nps": 2, "channel": "qr"}
    record.update(comment="Продавец грубил, товар не нашли", **extra)
    return record


@pytest.fixture
def subscribed(personas):
    personas["manager"].email = "manager@example.ru"
    personas["manager"].save()
    Subscription.objects.create(
        user=personas["manager"], channel="email", address="manager@example.ru"
    )
    Subscription.objects.create(user=personas["manager"], channel="telegram", address="1001")
    Subscription.objects.create(user=personas["regional"], channel="telegram", address="2002")
    return personas


def test_a_detractor_answer_reaches_the_manager_and_is_closed(
    worker, subscribed, chain, smtp_server, telegram, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = run_import(
            "survey_responses",
            chain,
            read_payload([detractor("a-1", contact="+7 900 000-00-01", contact_consent=True)]),
        )
    assert not result.rejected
    worker()  # the after-import evaluation, then the deliveries it queued

    incident = Incident.objects.get()
    assert incident.store.code == "MSK-2" and incident.owner == subscribed["manager"]
    assert incident.contact == "+7 900 000-00-01"
    assert [m["to"] for m in smtp_server.messages] == [["manager@example.ru"]]
    assert (
        "Продавец грубил" in smtp_server.messages[0]["data"]
        or "=D0" in smtp_server.messages[0]["data"]
    )
    assert [m["chat_id"] for m in telegram.sent] == ["1001"]
    assert "MSK-2" in telegram.sent[0]["text"]
    # The regional manager of Сибирь does not see MSK-2 and hears nothing.
    assert not Delivery.objects.filter(subscription__user=subscribed["regional"]).exists()

    manager = Client()
    url = f"/api/v1/incidents/{incident.pk}"
    headers = bearer(subscribed["manager"])
    assert (
        manager.post(
            f"{url}/comments", {"text": "Позвонил"}, content_type="application/json", **headers
        ).status_code
        == 201
    )
    answer = manager.post(
        f"{url}/status",
        {"status": "resolved", "outcome": "returned"},
        content_type="application/json",
        **headers,
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "resolved"
    # A store manager does not verify their own work; the chain admin does.
    assert (
        manager.post(
            f"{url}/status", {"status": "verified"}, content_type="application/json", **headers
        ).status_code
        == 403
    )
    admin = Client().post(
        f"{url}/status",
        {"status": "verified"},
        content_type="application/json",
        **bearer(subscribed["admin"]),
    )
    assert admin.json()["status"] == "verified" and admin.json()["closed_at"]
    kinds = [e["kind"] for e in admin.json()["events"]]
    assert kinds == ["opened", "comment", "status", "status"]


def test_the_same_customer_twice_joins_the_open_incident(personas, chain):
    contact = {"contact": "anna@example.ru", "contact_consent": True}
    run_import("survey_responses", chain, read_payload([detractor("a-1", **contact)]))
    evaluate_chain(chain)
    run_import("survey_responses", chain, read_payload([detractor("a-2", **contact)]))
    tally = evaluate_chain(chain)
    assert tally["joined"] == 1 and tally["opened"] == 0
    assert Incident.objects.get().signals == 2
    # Evaluating again reads nothing new: nothing joins twice.
    assert evaluate_chain(chain)["joined"] == 0


def test_a_detractor_without_comment_or_consented_contact_opens_nothing(personas, chain):
    silent = detractor("a-1", contact="+7 900", contact_consent=False)
    silent["comment"] = ""
    run_import("survey_responses", chain, read_payload([silent]))
    assert evaluate_chain(chain)["opened"] == 0


def test_an_overdue_incident_escalates_to_the_regional_manager(
    worker, personas, chain, telegram, django_capture_on_commit_callbacks
):
    regional_msk = make_user(
        chain,
        "regional-centre",
        Role.REGIONAL_MANAGER,
        region=Store.objects.get(code="MSK-2").region,
    )
    Subscription.objects.create(user=regional_msk, channel="telegram", address="3003")
    run_import("survey_responses", chain, read_payload([detractor("a-1")]))
    with django_capture_on_commit_callbacks(execute=True):
        evaluate_chain(chain)
    incident = Incident.objects.get()
    assert incident.owner == personas["manager"]
    assert escalate_overdue(chain, incident.due_at - timedelta(minutes=1)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert escalate_overdue(chain, incident.due_at + timedelta(minutes=1)) == 1
    incident.refresh_from_db()
    assert incident.escalated and incident.owner == regional_msk
    worker()
    assert [m["chat_id"] for m in telegram.sent] == ["3003", "3003"]  # new, then escalated
    assert "escalated" in telegram.sent[1]["text"] or "эскал" in telegram.sent[1]["text"].lower()
    assert escalate_overdue(chain, incident.due_at + timedelta(hours=5)) == 0  # once


def test_a_failing_channel_is_recorded_retried_with_backoff_and_delays_no_other(
    worker, personas, chain, smtp_server, telegram, settings, django_capture_on_commit_callbacks
):
    settings.CXM_NOTIFY_TIMEOUT_SECONDS = 1
    settings.CXM_NOTIFY_BACKOFF_SECONDS = 60
    manager = personas["manager"]
    Subscription.objects.create(user=manager, channel="email", address="gone@bounce.invalid")
    Subscription.objects.create(user=manager, channel="telegram", address="timeout")
    Subscription.objects.create(user=manager, channel="email", address="ok@example.ru")
    telegram.slow_chats.add("timeout")
    with django_capture_on_commit_callbacks(execute=True):
        run_import("survey_responses", chain, read_payload([detractor("a-1")]))
    worker()

    by_address = {
        d.subscription.address: d for d in Delivery.objects.select_related("subscription")
    }
    assert by_address["ok@example.ru"].state == "sent"
    assert [m["to"] for m in smtp_server.messages] == [["ok@example.ru"]]
    for address in ("gone@bounce.invalid", "timeout"):
        failed = by_address[address]
        assert failed.state == "pending" and failed.attempts == 1
        attempt = Attempt.objects.get(delivery=failed)
        assert not attempt.ok and attempt.error
        assert telegram.token not in attempt.error
        wait = failed.next_attempt_at - attempt.at
        assert timedelta(seconds=59) < wait <= timedelta(seconds=61)
    assert "refused" in Attempt.objects.get(delivery=by_address["gone@bounce.invalid"]).error
    assert "Timeout" in Attempt.objects.get(delivery=by_address["timeout"]).error

    # The retry is due only after the back-off; then the second waits twice as long.
    assert worker() == 0
    telegram.slow_chats.clear()
    later = timezone.now() + timedelta(seconds=61)
    assert worker(now=later) == 2
    assert Delivery.objects.get(pk=by_address["timeout"].pk).state == "sent"
    bounced = Delivery.objects.get(pk=by_address["gone@bounce.invalid"].pk)
    assert bounced.attempts == 2 and bounced.state == "pending"
    assert bounced.next_attempt_at - bounced.attempt_log.last().at == timedelta(seconds=120)


def test_a_delivery_gives_up_after_the_last_attempt(
    worker, personas, chain, settings, telegram, django_capture_on_commit_callbacks
):
    settings.CXM_NOTIFY_MAX_ATTEMPTS = 2
    Subscription.objects.create(user=personas["manager"], channel="telegram", address="x")
    telegram.broken_chats.add("x")
    run_import("survey_responses", chain, read_payload([detractor("a-1")]))
    with django_capture_on_commit_callbacks(execute=True):
        evaluate_chain(chain)
    worker()
    worker(now=timezone.now() + timedelta(hours=1))
    delivery = Delivery.objects.get()
    assert delivery.state == "failed" and delivery.attempts == 2
    assert "chat not found" in delivery.attempt_log.last().error
