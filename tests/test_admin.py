"""The admin: every registered model's pages open for staff and stay shut to others;
facts are read-only, tokens show prefixes only, and category rule changes re-categorise."""

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.urls import reverse
from django_tasks import default_task_backend

from cxm.org.models import ApiToken, Membership, Region, Seller, SellerAlias, Store
from cxm.org.tokens import issue_token
from cxm.sales.models import Category, CategoryRule, Receipt
from cxm.sales.tasks import recategorize_chain

DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def staff(client, db):
    """A superuser's browser that chose English, so messages can be matched by text."""
    user = get_user_model().objects.create_superuser("root", password="pw-root")
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def data(sales, personas):
    issue_token(personas["admin"], "replicator")
    return sales


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def enqueued():
    """Tasks enqueued during the test (a dummy backend keeps them instead of running them)."""
    with override_settings(TASKS=DUMMY_TASKS):
        default_task_backend.clear()
        yield default_task_backend.results


@pytest.mark.parametrize(
    "model",
    [m for m in admin.site._registry if m._meta.app_label in {"org", "sales", "traffic"}],
    ids=lambda m: m.__name__,
)
def test_every_admin_page_opens_for_staff(staff, data, model):
    assert staff.get(admin_url(model, "changelist")).status_code == 200
    assert staff.get(admin_url(model, "add")).status_code in (200, 403)
    instance = model.objects.first()
    assert instance is not None, f"no {model.__name__} to open"
    assert staff.get(admin_url(model, "change", instance.pk)).status_code == 200


def test_the_admin_is_shut_to_non_staff(client, personas):
    client.force_login(personas["admin"])  # a chain admin in CXM is not Django staff
    response = client.get(admin_url(Store, "changelist"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_tokens_show_the_prefix_never_the_hash(staff, personas):
    token, raw = issue_token(personas["admin"], "replicator")
    page = staff.get(admin_url(ApiToken, "change", token.pk)).content.decode()
    assert token.prefix in page
    assert token.key_hash not in page
    assert raw not in page
    assert staff.get(admin_url(ApiToken, "add")).status_code == 403


def test_tokens_are_revoked_by_an_admin_action(staff, personas):
    token, _ = issue_token(personas["admin"], "replicator")
    staff.post(
        admin_url(ApiToken, "changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_receipts_are_read_only(staff, data):
    receipt = Receipt.objects.first()
    response = staff.post(admin_url(Receipt, "change", receipt.pk), {"total": 1})
    assert response.status_code == 403
    page = staff.get(admin_url(Receipt, "change", receipt.pk)).content.decode()
    assert "Смартфон Samsung Galaxy A55" in page  # the items inline
    assert staff.post(admin_url(Receipt, "delete", receipt.pk)).status_code == 403


def test_saving_a_category_rule_re_categorises_the_chain(
    staff, chain, enqueued, django_capture_on_commit_callbacks
):
    category = Category.objects.filter(chain=chain).first()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            admin_url(CategoryRule, "add"),
            {"category": category.pk, "kind": "lemma", "pattern": "термос", "priority": 50},
        )
    assert response.status_code == 302
    assert [(r.task.name, r.args) for r in enqueued] == [(recategorize_chain.name, [chain.pk])]


def test_deleting_a_category_rule_re_categorises_the_chain(
    staff, chain, enqueued, django_capture_on_commit_callbacks
):
    rule = CategoryRule.objects.filter(category__chain=chain).first()
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(admin_url(CategoryRule, "delete", rule.pk), {"post": "yes"})
    assert not CategoryRule.objects.filter(pk=rule.pk).exists()
    assert [r.args for r in enqueued] == [[chain.pk]]


def test_a_broken_regular_expression_is_refused(staff, chain, enqueued):
    category = Category.objects.filter(chain=chain).first()
    response = staff.post(
        admin_url(CategoryRule, "add"),
        {"category": category.pk, "kind": "regex", "pattern": "чехол(", "priority": 50},
    )
    assert response.status_code == 200
    assert "regular expression" in response.content.decode()
    assert not CategoryRule.objects.filter(pattern="чехол(").exists()
    assert enqueued == []


def _inline(prefix: str, rows: list[dict]) -> dict:
    data = {f"{prefix}-TOTAL_FORMS": len(rows), f"{prefix}-INITIAL_FORMS": 0}
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{k}": v for k, v in row.items()})
    return data


def test_a_seller_alias_added_in_the_admin_is_normalised_and_unique(staff, chain):
    seller = Seller.objects.get(code="MSK-2-S1")
    form = {
        "chain": chain.pk,
        "store": seller.store_id,
        "code": seller.code,
        "name": seller.name,
        "inn": "",
        "active": "on",
    }
    response = staff.post(
        admin_url(Seller, "change", seller.pk),
        {**form, **_inline("aliases", [{"alias": "  Смирнова  Анна  "}])},
    )
    assert response.status_code == 302
    alias = SellerAlias.objects.get(seller=seller, alias="смирнова анна")
    assert alias.chain == chain
    taken = staff.post(
        admin_url(Seller, "change", seller.pk),
        {**form, **_inline("aliases", [{"alias": "Иванова Мария Сергеевна"}])},
    )
    assert taken.status_code == 200
    assert "already belongs" in taken.content.decode()


def test_a_membership_cannot_point_into_another_chain(staff, personas):
    user = get_user_model().objects.create_user("newcomer")
    other_region = Region.objects.get(name="Запад")
    response = staff.post(
        admin_url(Membership, "add"),
        {
            "user": user.pk,
            "chain": Store.objects.get(code="MSK-1").chain_id,
            "role": "regional_manager",
            "region": other_region.pk,
        },
    )
    assert response.status_code == 200
    assert not Membership.objects.filter(user=user).exists()
