"""Service-standard compliance: a worked example by hand, versioned templates, and the
`checklists` import rejecting what the template does not allow."""

import json
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cxm.imports.records import read_payload
from cxm.imports.registry import run_import
from cxm.metrics.compliance import AnswerError, ItemSpec, score_checklist
from cxm.metrics.periods import Period
from cxm.org.scope import scope_for
from cxm.reports.filters import ReportFilter
from cxm.reports.registry import build_report
from cxm.staff.models import Checklist
from cxm.staff.services import define_template

ITEMS = [
    {"code": "greet", "factor": "Приветствие", "points": 1, "weight": 1, "critical": True},
    {"code": "open_q", "factor": "Потребности", "points": 2, "weight": 2},
    {"code": "needs", "factor": "Потребности", "points": 2, "weight": 1},
    {"code": "accessory", "factor": "Аксессуары", "points": 1, "weight": 1, "na_allowed": True},
]
SPECS = [ItemSpec(**item) for item in ITEMS]
# Visit 1: 1·1 + 2·0 + 1·1 (one of two points) = 2 of 1 + 4 + 2 = 7 possible; N/A left out.
VISIT_1 = {"greet": "yes", "open_q": "no", "needs": 1, "accessory": "na"}
# Visit 2: 7 of 8 points, but the critical greeting failed: the visit scores 0 of 8.
VISIT_2 = {"greet": "no", "open_q": "yes", "needs": "yes", "accessory": "yes"}


def test_the_worked_example_scores_by_hand():
    one = score_checklist(SPECS, VISIT_1)
    assert (one.earned, one.possible) == (2.0, 7.0)
    assert one.compliance == pytest.approx(2 / 7)
    assert one.by_factor() == {"Приветствие": 1.0, "Потребности": 1 / 6, "Аксессуары": None}
    two = score_checklist(SPECS, VISIT_2)
    assert two.critical_failed and (two.earned, two.possible) == (0.0, 8.0)
    assert two.by_factor()["Потребности"] == 1.0  # the steps done still show per factor


@pytest.mark.parametrize(
    ("answers", "item"),
    [
        ({"unknown": "yes"}, "unknown"),
        ({"open_q": "na"}, "open_q"),  # N/A not allowed there
        ({"needs": 3}, "needs"),  # more than its points
        ({"greet": "maybe"}, "greet"),
    ],
)
def test_answers_the_template_does_not_allow_are_refused(answers, item):
    with pytest.raises(AnswerError) as caught:
        score_checklist(SPECS, answers)
    assert caught.value.item == item


def _checklist(cid, answers, **extra):
    return {
        "id": cid,
        "store": "MSK-1",
        "seller": "MSK-1-S1",
        "at": "2026-03-02T12:00:00+03:00",
        "template": "std",
        "answers": answers,
        "evaluator": "ТП Петрова",
        **extra,
    }


@pytest.fixture
def standard(chain):
    return define_template(chain, "std", "Стандарт", ITEMS)


def test_a_changed_standard_is_a_new_version_and_an_unchanged_one_is_not(chain, standard):
    assert define_template(chain, "std", "Стандарт", ITEMS) == standard
    changed = define_template(chain, "std", "Стандарт", [*ITEMS[:3], {**ITEMS[3], "weight": 2}])
    assert (standard.version, changed.version) == (1, 2)


def test_checklists_import_and_the_compliance_report_gives_the_worked_example(
    chain, standard, personas
):
    records = [
        _checklist("v1", VISIT_1),
        _checklist("v2", VISIT_2),
        _checklist("bad-item", {"greet": "yes", "smile": "yes"}),
        _checklist("bad-source", VISIT_1, source="phone"),
        _checklist("bad-seller", VISIT_1, seller="NOBODY"),
        _checklist("future", VISIT_1, at="2099-01-01T10:00:00+03:00"),
        _checklist("bad-template", VISIT_1, template="nope"),
    ]
    result = run_import("checklists", chain, read_payload(records))
    assert result.accepted == 2
    assert [(r.position, r.field) for r in result.rejected] == [
        ("item 3", "answers.smile"),
        ("item 4", "source"),
        ("item 5", "seller"),
        ("item 6", "at"),
        ("item 7", "template"),
    ]
    assert "not an item of this template version" in result.rejected[0].message
    again = run_import("checklists", chain, read_payload(records[:2]))
    assert (again.accepted, again.duplicates) == (0, 2)

    flt = ReportFilter(scope_for(personas["admin"]), Period(date(2026, 3, 2), date(2026, 3, 2)))
    report = build_report("compliance", flt, by="seller")
    assert report["rows"] == [{"seller": "MSK-1-S1", "compliance": 2 / 15, "checklists": 2}]
    factors = {f["factor"]: f["compliance"] for f in report["factors"]}
    assert factors == {"Аксессуары": 1.0, "Потребности": 7 / 12, "Приветствие": 0.5}
    items = {i["item"]: i["compliance"] for i in report["items"]}
    assert items["needs"] == 0.75 and items["open_q"] == 0.5
    # The store manager of another store sees none of it.
    other = ReportFilter(scope_for(personas["manager"]), flt.period)
    assert build_report("compliance", other)["rows"] == []


def test_a_recording_checklist_is_linked_to_its_consultation(chain, standard, personas):
    consultation = {
        "id": "c1",
        "store": "MSK-1",
        "seller": "MSK-1-S1",
        "started_at": "2026-03-02T11:00:00+03:00",
    }
    assert not run_import("consultations", chain, read_payload([consultation])).rejected
    records = [
        _checklist("r1", VISIT_1, source="recording", consultation="c1"),
        _checklist("r2", VISIT_1, source="recording", consultation="c404"),
    ]
    result = run_import("checklists", chain, read_payload(records))
    assert result.accepted == 1 and result.rejected[0].field == "consultation"
    assert Checklist.objects.get(code="r1").consultation.code == "c1"
    # c1 ended in no sale: its skipped steps count as errors on failed consultations.
    flt = ReportFilter(scope_for(personas["admin"]), Period(date(2026, 3, 2), date(2026, 3, 2)))
    errors = {e["item"]: e for e in build_report("compliance", flt)["typical_errors"]}
    assert errors["open_q"]["failed_on_failed"] == 1.0 and errors["greet"]["failed_on_failed"] == 0
    assert errors["needs"]["failed_on_failed"] == 1.0  # 1 of 2 points is not all of them
    assert errors["open_q"]["n_failed"] == 1 and errors["open_q"]["failed_on_converted"] is None


def test_the_checklist_form_saves_a_visit_and_names_what_is_wrong(client, standard, personas):
    client.force_login(personas["manager"])  # manager of MSK-2
    page = client.get("/staff/checklist/")
    assert page.status_code == 200 and 'data-item="greet"' in page.content.decode()
    answers = {
        "item-greet": "yes",
        "item-open_q": "no",
        "item-needs": "yes",
        "item-accessory": "na",
    }
    form = {"template": "std", "store": "MSK-2", "seller": "MSK-2-S1", "at": "2026-03-02T15:00"}
    saved = client.post("/staff/checklist/", {**form, **answers})
    assert (
        saved.status_code == 200
        and "Checklist saved" in saved.content.decode()
        or ("Чек-лист сохранён" in saved.content.decode())
    )
    checklist = Checklist.objects.get()
    assert (checklist.earned, checklist.possible) == (3.0, 7.0)  # 1 + 0 + 2 of 1 + 4 + 2
    assert checklist.store.code == "MSK-2" and checklist.source == "visit"
    wrong = client.post("/staff/checklist/", {**form, **answers, "item-open_q": "na"})
    assert wrong.status_code == 422 and 'data-field="answers.open_q"' in wrong.content.decode()
    foreign = client.post("/staff/checklist/", {**form, **answers, "store": "MSK-1"})
    assert foreign.status_code == 422 and Checklist.objects.count() == 1
    client.force_login(personas["seller"])
    assert client.get("/staff/checklist/").status_code == 403


def test_a_standard_is_loaded_from_a_file_as_a_new_version(chain, tmp_path, capsys):
    from django.core.management import call_command

    path = tmp_path / "standard.json"
    path.write_text(
        json.dumps({"code": "std", "name": "Стандарт", "items": ITEMS}), encoding="utf-8"
    )
    call_command("checklist_template", str(path))
    call_command("checklist_template", str(path))
    assert capsys.readouterr().out.splitlines() == [
        "std version 1: 4 items",
        "std version 1: 4 items",
    ]


def test_a_batch_s_consultations_are_looked_up_together(chain, standard):
    """The consultations a batch of checklists names are read in one statement: importing
    six costs as many statements as importing two (one a checklist made the demo's 14,000
    checklists 14,000 statements)."""
    presses = [
        {"id": f"c{n}", "store": "MSK-1", "seller": "MSK-1-S1",
         "started_at": f"2026-03-02T1{n}:00:00+03:00"}
        for n in range(6)
    ]  # fmt: skip
    assert not run_import("consultations", chain, read_payload(presses)).rejected

    def statements(codes: list[str]) -> int:
        records = [
            _checklist(f"r-{code}-{len(codes)}", VISIT_1, source="recording", consultation=code)
            for code in codes
        ]
        with CaptureQueriesContext(connection) as captured:
            assert run_import("checklists", chain, read_payload(records)).accepted == len(codes)
        return len(captured)

    assert statements(["c0", "c1"]) == statements([f"c{n}" for n in range(6)])
    assert Checklist.objects.filter(consultation__code="c5").count() == 1
