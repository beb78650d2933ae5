"""A customer's comment that is HTML, script or SQL is kept as plain text and shown escaped on
every page that shows it; the SQL is never run."""

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from cxm.feedback.models import SurveyResponse
from cxm.feedback.survey import poster_link
from cxm.imports.records import read_payload
from cxm.imports.registry import run_import
from cxm.incidents.models import Incident
from cxm.incidents.services import evaluate_chain
from cxm.org.models import Store

HOSTILE = (
    "<script>alert('x')</script><img src=x onerror=alert(1)>"
    "'); DROP TABLE feedback_surveyresponse; --"
)


def test_a_hostile_comment_is_stored_verbatim_and_shown_escaped(personas, chain):
    at = (timezone.now() - timedelta(minutes=5)).isoformat()
    record = {"id": "h-1", "store": "MSK-2", "at": at, "nps": 0, "comment": HOSTILE}
    assert not run_import("survey_responses", chain, read_payload([record])).rejected
    evaluate_chain(chain)
    incident = Incident.objects.get()
    assert SurveyResponse.objects.get().comment == HOSTILE  # the table is there, text intact
    manager = Client()
    manager.force_login(personas["manager"])
    for page in ("/incidents/", f"/incidents/{incident.pk}/"):
        body = manager.get(page).content.decode()
        assert "<script>alert(" not in body and "<img src=x" not in body, page
        assert "&lt;script&gt;alert(" in body, page
    api = manager.get(f"/api/v1/incidents/{incident.pk}")
    assert api["Content-Type"].startswith("application/json")
    assert api.json()["detail"] == HOSTILE  # JSON carries the text; it is the client's to escape


def test_a_hostile_survey_form_is_kept_as_text(client, chain):
    link = poster_link(Store.objects.get(code="MSK-1"))
    done = client.post(link, {"nps": "3", "comment": HOSTILE})
    assert done.status_code == 200
    assert SurveyResponse.objects.get().comment == HOSTILE
