"""One customer's personal data: exported by their contact in any spelling, and erased on
request — the answer stays, anonymous."""

import json
from io import StringIO

from django.core.management import call_command

from cxm.feedback.models import SurveyResponse
from cxm.imports.records import read_payload
from cxm.imports.registry import run_import


def answers(chain, *records):
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
