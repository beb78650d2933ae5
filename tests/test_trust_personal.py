"""Customers' personal data: exported by their contact in any spelling, erased on request (the
answer stays, anonymous) and after the retention period, shown in full only to the managers who
handle the incident, masked elsewhere; no IP address is stored."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone

from cxm.feedback.models import SurveyResponse
from cxm.feedback.survey import poster_link
from cxm.imports.records import read_payload
from cxm.imports.registry import run_import
from cxm.incidents.models import Delivery, Incident, Subscription
from cxm.incidents.services import evaluate_chain
from cxm.incidents.tasks import tick
from cxm.org.models import Store
from cxm.trust.models import AuditEntry


def answers(chain, *records):
    if not records:
        return
    base = {"store": "MSK-1", "at": "2026-03-02T12:05:00+03:00", "nps": 3}
    result = run_import("survey_responses", chain, read_payload([{**base, **r} for r in records]))
    assert not result.rejected, result.rejected


def test_a_customers_answers_are_exported_and_erased_by_their_phone(chain):
    answers(
        chain,
        {"id": "a", "contact": "+7 912 345-67-89", "contact_consent": True, "comment": "долго"},
        {"id": "b", "contact": "89123456789", "contact_consent": True},
        {"id": "c", "contact": "+7 900 000-00-01", "contact_consent": True},
    )
    out = StringIO()
    call_command("customer_data", "8 (912) 345 67 89", stdout=out)
    found = json.loads(out.getvalue())["survey_responses"]
    assert sorted(r["contact"] for r in found) == ["+7 912 345-67-89", "89123456789"]
    assert [r["comment"] for r in found if r["comment"]] == ["долго"]
    call_command("customer_data", "+79123456789", "--erase", stdout=StringIO())
    kept = {r.external_id: r.contact for r in SurveyResponse.objects.all()}
    assert kept == {"a": "", "b": "", "c": "+7 900 000-00-01"}
    assert SurveyResponse.objects.get(external_id="a").comment == "долго"  # anonymous now


# --- who sees a contact, alerts, retention, no IP addresses ----------------------------------

PHONE = "+7 912 345-67-89"


@pytest.fixture
def complaint(personas, chain):
    """A detractor at MSK-2 who left a phone with consent, and the incident it opened."""
    at = (timezone.now() - timedelta(minutes=5)).isoformat()
    answers(
        chain,
        {
            "id": "d-1",
            "store": "MSK-2",
            "at": at,
            "nps": 1,
            "comment": "Нагрубили",
            "contact": PHONE,
            "contact_consent": True,
        },
    )
    Subscription.objects.create(user=personas["analyst"], channel="email", address="a@example.ru")
    evaluate_chain(chain)
    return Incident.objects.get()


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_only_the_managers_who_handle_the_incident_see_the_contact(complaint, personas):
    assert PHONE not in complaint.key  # a keyed hash joins the customer's complaints
    url = f"/api/v1/incidents/{complaint.pk}"
    for handler in ("manager", "admin"):
        assert as_user(personas[handler]).get(url).json()["contact"] == PHONE
        assert (
            PHONE in as_user(personas[handler]).get(f"/incidents/{complaint.pk}/").content.decode()
        )
    # The analyst reads incidents but handles none: masked, on the page and the API alike.
    analyst = as_user(personas["analyst"])
    assert analyst.get(url).json()["contact"] == "••• 89"
    page = analyst.get(f"/incidents/{complaint.pk}/").content.decode()
    assert PHONE not in page and "••• 89" in page


def test_lists_exports_alerts_and_the_admin_show_the_contact_masked(complaint, personas):
    manager = as_user(personas["manager"])
    assert manager.get("/api/v1/incidents").json()[0]["contact"] == "••• 89"
    for address in ("/incidents/", "/incidents/?format=csv", "/incidents/?format=json"):
        body = manager.get(address).content.decode()
        assert PHONE not in body and "345-67" not in body, address
    xlsx = manager.get("/incidents/?format=xlsx").content
    assert b"345-67" not in xlsx
    alerts = Delivery.objects.filter(incident=complaint)
    assert alerts.exists() and not alerts.filter(body__contains="345").exists()
    staff = personas["admin"]
    staff.is_staff = staff.is_superuser = True
    staff.save()
    admin = as_user(staff)
    answer = SurveyResponse.objects.get()
    for page in (
        f"/admin/incidents/incident/{complaint.pk}/change/",
        f"/admin/feedback/surveyresponse/{answer.pk}/change/",
    ):
        body = admin.get(page).content.decode()
        assert "••• 89" in body and PHONE not in body, page


def test_an_erased_customer_leaves_no_contact_and_the_request_is_audited(complaint):
    chain = complaint.chain.code
    call_command("customer_data", "89123456789", "--chain", chain, "--erase", stdout=StringIO())
    complaint.refresh_from_db()
    assert (complaint.contact, complaint.key) == ("", f"erased:{complaint.pk}")
    assert SurveyResponse.objects.get().contact == ""
    entry = AuditEntry.objects.get(model="trust.CustomerContact")
    assert entry.changes == {"survey_responses.contact": [1, 0], "incidents.contact": [1, 0]}
    assert "345-67" not in json.dumps(entry.changes) + entry.object_repr


@override_settings(CXM_CONTACT_RETENTION_DAYS=30)
def test_contacts_are_forgotten_after_the_retention_period(chain):
    old = (timezone.now() - timedelta(days=31)).isoformat()
    recent = (timezone.now() - timedelta(days=29)).isoformat()
    consented = {"contact_consent": True, "nps": 9}
    answers(
        chain,
        {"id": "old", "at": old, "contact": "old@example.ru", **consented},
        {"id": "recent", "at": recent, "contact": "new@example.ru", **consented},
    )
    out = StringIO()
    call_command("forget_contacts", stdout=out)
    assert "1 rows" in out.getvalue()
    kept = dict(SurveyResponse.objects.values_list("external_id", "contact"))
    assert kept == {"old": "", "recent": "new@example.ru"}
    entry = AuditEntry.objects.get(model="trust.CustomerContact")
    assert entry.changes["survey_responses.contact"] == [1, 0]
    assert "30 days" in entry.object_repr
    # The worker's periodic tick does the same.
    assert tick.call()["contacts_forgotten"] == 0
    with override_settings(CXM_CONTACT_RETENTION_DAYS=1):
        assert tick.call()["contacts_forgotten"] == 1


def test_a_survey_answer_stores_no_ip_address_and_is_anonymous_without_a_contact(client, chain):
    answers(chain)  # the chain's stores are there; any link to the survey will do
    link = poster_link(Store.objects.get(code="MSK-1"))
    agent = "Mozilla/5.0 (Linux; Android 14) TestPhone/7"
    form = client.get(link, REMOTE_ADDR="203.0.113.99", HTTP_USER_AGENT=agent)
    assert form.status_code == 200
    done = client.post(link, {"nps": "8"}, REMOTE_ADDR="203.0.113.99", HTTP_USER_AGENT=agent)
    assert done.status_code == 200
    answer = SurveyResponse.objects.get(channel="link")
    assert (answer.contact, answer.contact_consent, answer.receipt_id) == ("", False, None)
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            dump = repr(cursor.fetchall())
            assert "203.0.113.99" not in dump and "TestPhone" not in dump, table
