"""The composite front-staff KPI's weights and the chain's targets: the chain admin sets them
on a page or through the API, bad values are refused with a message naming them, others
are refused, every change is in the audit log, and every place that shows the composite
KPI or a target uses them — the seller ranking, the dashboard, the reports, the API."""

import pytest
from django.conf import settings

from cxm.metrics.composite import SetupError, check_targets, check_weights, composite_scores
from cxm.staff.kpi import kpi_choice
from cxm.staff.models import KpiSetup
from cxm.trust.models import AuditEntry
from tests.factories import bearer

WEEK = {"from": "2026-03-02", "to": "2026-03-08"}
FORM = {
    "weight_consultation_conversion": "3",
    "weight_coverage": "1",
    "weight_compliance": "0",
    "weight_like_index": "",
    "weight_average_ticket": "",
    "weight_upt": "",
    "target_conversion": "8",
    "target_consultation_conversion": "60",
    "target_average_ticket": "2000",
}


@pytest.fixture
def admin(client, chain_sales):
    """The chain admin's browser, in English so messages can be matched by their words."""
    client.force_login(chain_sales["admin"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


# --- the rules ---


def test_a_component_with_a_target_scores_the_share_of_it_reached():
    rows = [{"coverage": 0.1, "compliance": 0.9}, {"coverage": 0.3, "compliance": 0.6}]
    weights = {"coverage": 1, "compliance": 1}
    # Coverage against a 20 % target: 0.5 and 1 (capped); compliance min–max: 1 and 0.
    assert composite_scores(rows, weights, {"coverage": 0.2}) == pytest.approx([0.75, 0.5])
    assert composite_scores(rows, weights) == pytest.approx([0.5, 0.5])


@pytest.mark.parametrize(
    ("weights", "field"),
    [
        ({"coverage": -1}, "coverage"),
        ({"coverage": 0, "compliance": 0}, "weights"),
        ({}, "weights"),
        ({"luck": 1}, "luck"),
        ({"coverage": float("nan")}, "coverage"),
    ],
)
def test_weights_must_be_known_non_negative_and_not_all_zero(weights, field):
    with pytest.raises(SetupError) as refused:
        check_weights(weights)
    assert refused.value.field == field and str(refused.value)


@pytest.mark.parametrize(
    ("targets", "field"),
    [({"conversion": 1.5}, "conversion"), ({"upt": 0}, "upt"), ({"mood": 1}, "mood")],
)
def test_targets_must_be_known_positive_and_shares_at_most_one(targets, field):
    with pytest.raises(SetupError) as refused:
        check_targets(targets)
    assert refused.value.field == field
    assert check_targets({"conversion": None, "upt": 1.4}) == {"upt": 1.4}


# --- the page ---


def test_the_chain_admin_sets_weights_and_targets_on_the_page(admin, chain_sales):
    assert admin.get("/staff/kpi/").status_code == 200
    response = admin.post("/staff/kpi/", FORM)
    assert response.status_code == 200 and response.context["saved"]
    choice = kpi_choice(chain_sales["admin"].membership.chain_id)
    assert choice.weights == {"consultation_conversion": 3.0, "coverage": 1.0}
    # Shares are typed in per cent and kept as fractions; roubles as roubles.
    assert choice.targets == {
        "conversion": 0.08,
        "consultation_conversion": 0.6,
        "average_ticket": 2000.0,
    }
    assert admin.get("/staff/kpi/").context["form"].initial["target_conversion"] == 8


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"weight_coverage": "-1"}, "weight_coverage", "greater than or equal to 0"),
        ({"target_conversion": "120"}, "target_conversion", "less than or equal to 100"),
        ({"target_upt": "0"}, "target_upt", "above 0"),
        ({"weight_coverage": "a lot"}, "weight_coverage", "number"),
    ],
)
def test_a_bad_value_is_refused_naming_the_field(admin, change, field, words):
    response = admin.post("/staff/kpi/", {**FORM, **change})
    assert response.status_code == 422
    assert words in " ".join(response.context["form"].errors[field])
    assert not KpiSetup.objects.exists()


def test_all_weights_zero_is_refused_with_a_message(admin):
    zero = {k: ("0" if k.startswith("weight_") else v) for k, v in FORM.items()}
    response = admin.post("/staff/kpi/", zero)
    assert response.status_code == 422
    assert "at least one component" in " ".join(response.context["form"].non_field_errors())


@pytest.mark.parametrize("persona", ["analyst", "regional", "manager", "seller"])
def test_only_the_chain_admin_may_open_or_post_the_page(client, chain_sales, persona):
    client.force_login(chain_sales[persona])
    assert client.get("/staff/kpi/").status_code == 403
    assert client.post("/staff/kpi/", FORM).status_code == 403
    assert not KpiSetup.objects.exists()


# --- the API ---


def test_the_api_reads_and_sets_the_same_setup(client, chain_sales):
    admin = bearer(chain_sales["admin"])
    default = client.get("/api/v1/kpi-setup", **admin).json()
    assert default["weights"] == settings.CXM_SELLER_KPI_WEIGHTS and default["targets"] == {}
    body = {"weights": {"compliance": 2, "coverage": 1}, "targets": {"compliance": 0.8}}
    put = client.put("/api/v1/kpi-setup", body, content_type="application/json", **admin)
    assert put.status_code == 200
    seen = client.get("/api/v1/kpi-setup", **bearer(chain_sales["analyst"])).json()
    assert seen["weights"] == {"compliance": 2.0, "coverage": 1.0}
    assert seen["targets"] == {"compliance": 0.8}


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"weights": {"coverage": -2}}, ["body", "weights", "coverage"]),
        ({"weights": {"coverage": 0}}, ["body", "weights"]),
        ({"weights": {"coverage": 1}, "targets": {"coverage": 3}}, ["body", "targets", "coverage"]),
        ({"weights": {"charm": 1}}, ["body", "weights", "charm"]),
    ],
)
def test_the_api_refuses_bad_values_naming_them(client, chain_sales, body, loc):
    response = client.put(
        "/api/v1/kpi-setup", body, content_type="application/json", **bearer(chain_sales["admin"])
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == loc
    assert not KpiSetup.objects.exists()


@pytest.mark.parametrize("persona", ["analyst", "regional", "manager", "seller"])
def test_only_the_chain_admin_may_set_it_through_the_api(client, chain_sales, persona):
    body = {"weights": {"coverage": 1}}
    response = client.put(
        "/api/v1/kpi-setup", body, content_type="application/json", **bearer(chain_sales[persona])
    )
    assert response.status_code == 403


def test_another_chains_admin_changes_only_their_own_chain(client, chain_sales):
    body = {"weights": {"coverage": 1}}
    outsider = bearer(chain_sales["outsider"])
    client.put("/api/v1/kpi-setup", body, content_type="application/json", **outsider)
    ours = chain_sales["admin"].membership.chain_id
    assert kpi_choice(ours).weights == settings.CXM_SELLER_KPI_WEIGHTS


# --- the audit log ---


def test_every_change_is_in_the_audit_log_with_who_made_it(admin, chain_sales):
    admin.post("/staff/kpi/", FORM)
    admin.post("/staff/kpi/", {**FORM, "target_conversion": "9"})
    created = AuditEntry.objects.get(model="staff.KpiSetup", action="create")
    assert created.actor == chain_sales["admin"]
    assert created.chain_id == chain_sales["admin"].membership.chain_id
    changed = AuditEntry.objects.get(model="staff.KpiSetup", action="update")
    before, after = changed.changes["targets"]
    assert (before["conversion"], after["conversion"]) == (0.08, 0.09)


# --- reflected everywhere ---


def test_the_ranking_the_reports_and_the_dashboard_use_them(admin, client, chain_sales):
    admin.post("/staff/kpi/", FORM)
    ranking = admin.get("/staff/sellers/", {**WEEK, "format": "json"}).json()
    assert ranking["weights"] == {"consultation_conversion": 3.0, "coverage": 1.0}
    assert ranking["targets"]["conversion"] == 0.08
    page = admin.get("/staff/sellers/", WEEK).content.decode()
    assert "data-kpi-setup" in page and "/staff/kpi/" in page
    # The sellers report of the API carries them, and scores against the targets.
    report = client.get("/api/v1/reports/sellers", WEEK, **bearer(chain_sales["analyst"])).json()
    assert report["weights"] == ranking["weights"] and report["targets"] == ranking["targets"]
    kpi = client.get("/api/v1/reports/kpi", WEEK, **bearer(chain_sales["analyst"])).json()
    assert kpi["targets"]["average_ticket"] == 2000
    # The dashboard's cards show the targets they have.
    cards = {c["metric"]: c for c in admin.get("/", {**WEEK, "format": "json"}).json()["cards"]}
    assert cards["conversion"]["target"] == 0.08
    assert cards["average_ticket"]["target"] == 2000
    assert cards["average_ticket"]["vs_target"]["abs"] == pytest.approx(1425 - 2000)
    assert cards["revenue"]["target"] is None
    assert 'data-target="0.08"' in admin.get("/", WEEK).content.decode()


def test_the_composite_follows_the_weights(client, chain_sales):
    """One component only: the composite is that component's score, so the ranking follows
    average ticket first and coverage after the weights change."""
    admin = bearer(chain_sales["admin"])

    def composite(weights):
        body = {"weights": weights}
        client.put("/api/v1/kpi-setup", body, content_type="application/json", **admin)
        rows = client.get("/api/v1/reports/sellers", WEEK, **admin).json()["rows"]
        return {r["seller"]: r["composite_kpi"] for r in rows}

    by_ticket = composite({"average_ticket": 1})
    assert by_ticket["MSK-2-S1"] == 1.0  # the largest ticket: 2 500 ₽
    with_target = composite({"average_ticket": 1})
    assert with_target == by_ticket
    body = {"weights": {"average_ticket": 1}, "targets": {"average_ticket": 5000}}
    client.put("/api/v1/kpi-setup", body, content_type="application/json", **admin)
    rows = client.get("/api/v1/reports/sellers", WEEK, **admin).json()["rows"]
    scores = {r["seller"]: r["composite_kpi"] for r in rows}
    assert scores["MSK-2-S1"] == pytest.approx(2500 / 5000)
