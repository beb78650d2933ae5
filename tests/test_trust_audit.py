"""The audit log: every change of users, roles, tokens and the chain's configuration says
who, when and what — never a secret — and a chain admin reads only their own chain's log."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from cxm.devices.models import DeviceToken
from cxm.feedback.models import FeedbackSetup
from cxm.incidents.models import Rule
from cxm.org.models import ApiToken, Membership, Role, Store
from cxm.sales.models import Category, CategoryRule
from cxm.speech.models import SpeechRule
from cxm.staff.models import ChecklistItem, ChecklistTemplate
from cxm.trust.audit import HIDDEN
from cxm.trust.models import AuditEntry


def entries(model: str, action: str | None = None):
    found = AuditEntry.objects.filter(model=model)
    return found.filter(action=action) if action else found


def test_a_token_made_in_the_browser_is_logged_with_its_maker_and_without_its_hash(
    client, personas
):
    client.force_login(personas["analyst"])
    raw = client.post("/api/v1/tokens", {"name": "excel"}, content_type="application/json")
    entry = entries("org.ApiToken", "create").get()
    assert entry.actor == personas["analyst"]
    assert entry.chain == personas["analyst"].membership.chain
    assert entry.changes["name"] == [None, "excel"]
    assert entry.changes["key_hash"] == [None, HIDDEN]
    assert raw.json()["token"] not in str(entry.changes)


def test_revoking_a_token_in_the_admin_is_logged_and_its_use_is_not(client, personas):
    token, raw = ApiToken.issue(personas["analyst"], "script")
    assert client.get("/api/v1/tokens", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    assert not entries("org.ApiToken", "update").exists()  # last_used_at is no one's decision
    token.revoked_at = timezone.now()
    token.save()  # what the admin's change form does
    entry = entries("org.ApiToken", "update").get()
    assert list(entry.changes) == ["revoked_at"]
    assert entry.changes["revoked_at"][0] is None


def test_a_device_token_issued_and_deleted_is_logged(client, personas):
    client.force_login(personas["manager"])
    client.post(
        "/api/v1/devices/tokens",
        {"store": "MSK-2", "name": "терминал", "kind": "terminal"},
        content_type="application/json",
    )
    created = entries("devices.DeviceToken", "create").get()
    assert created.actor == personas["manager"]
    assert created.changes["kind"] == [None, "terminal"]
    DeviceToken.objects.get().delete()
    deleted = entries("devices.DeviceToken", "delete").get()
    assert deleted.actor is None  # not made during a request
    assert deleted.changes["key_hash"] == [HIDDEN, None]


def test_a_users_password_change_is_logged_without_the_password(personas):
    user = personas["seller"]
    user.set_password("new-secret-pw")
    user.save()
    entry = entries("auth.User", "update").get()
    assert entry.changes == {"password": [HIDDEN, HIDDEN]}
    assert entry.chain == user.membership.chain


def test_a_role_change_records_before_and_after(personas):
    membership = personas["analyst"].membership
    membership.role = Role.CHAIN_ADMIN
    membership.save()
    entry = entries("org.Membership", "update").get()
    assert entry.changes == {"role": ["analyst", "chain_admin"]}


@pytest.mark.parametrize("kind", ["rule", "checklist", "feedback", "category", "speech"])
def test_each_kind_of_chain_configuration_is_logged(chain, kind):
    obj = _configure(chain, kind)
    assert entries(obj._meta.label, "create").filter(chain=chain).exists()
    obj.delete()
    assert entries(obj._meta.label, "delete").filter(chain=chain).exists()


def _configure(chain, kind):
    if kind == "rule":
        rule = Rule.objects.create(chain=chain, code="r", kind="detractor", name="Detractors")
        rule.sla_hours = 48
        rule.save()
        assert entries("incidents.Rule", "update").get().changes == {"sla_hours": ["24", "48"]}
        return rule
    if kind == "checklist":
        template = ChecklistTemplate.objects.create(chain=chain, code="std", version=1, name="S")
        return ChecklistItem.objects.create(
            template=template, code="greet", position=1, factor="greeting", text="Hi"
        )
    if kind == "feedback":
        return FeedbackSetup.objects.create(chain=chain, min_responses=50)
    if kind == "category":
        category = Category.objects.create(chain=chain, name="Телефоны")
        return CategoryRule.objects.create(category=category, pattern="смартфон")
    return SpeechRule.objects.create(chain=chain, kind="reason", name="Price", phrases="дорого")


def test_the_chain_admin_reads_their_own_chains_log_only(client, personas):
    Store.objects.filter(code="MSK-1").first().save()  # an unchanged save is no entry
    store = Store.objects.get(code="MSK-1")
    store.name = "Москва, Тверская 1"
    store.save()
    other = Store.objects.get(code="OTH-1")
    other.name = "Чужой 2"
    other.save()
    client.force_login(personas["admin"])
    page = client.get("/trust/audit/")
    assert page.status_code == 200
    assert "Тверская 1" in page.content.decode()
    assert "Чужой 2" not in page.content.decode()
    listed = client.get("/trust/audit/?format=json").json()["entries"]
    updated = [e["object"] for e in listed if e["model"] == "org.Store" and e["action"] == "update"]
    assert updated == [str(store)]


@pytest.mark.parametrize("persona", ["analyst", "regional", "manager", "seller"])
def test_no_one_but_the_chain_admin_reads_the_log(client, personas, persona):
    client.force_login(personas[persona])
    assert client.get("/trust/audit/").status_code == 403


def test_a_new_user_is_logged_with_the_chain_of_their_membership(chain):
    user = get_user_model().objects.create_user("newbie", password="pw-newbie-1")
    Membership.objects.create(user=user, chain=chain, role=Role.ANALYST)
    assert entries("auth.User", "create").get().changes["username"] == [None, "newbie"]
    assert entries("org.Membership", "create").get().chain == chain


def test_revoking_tokens_through_the_api_and_the_command_line_is_logged(client, personas):
    client.force_login(personas["manager"])
    client.post(
        "/api/v1/devices/tokens",
        {"store": "MSK-2", "name": "терминал"},
        content_type="application/json",
    )
    prefix = DeviceToken.objects.get().prefix
    assert client.delete(f"/api/v1/devices/tokens/{prefix}").status_code == 200
    revoked = entries("devices.DeviceToken", "update").get()
    assert revoked.actor == personas["manager"]
    assert list(revoked.changes) == ["revoked_at"]
    token, _ = ApiToken.issue(personas["analyst"], "script")
    call_command("token", "revoke", "cxm_" + token.prefix, stdout=StringIO())
    assert entries("org.ApiToken", "update").get().changes["revoked_at"][0] is None
