"""The mobile checklist form of a mystery shopper or QA person: the form's answers become
one `checklists` record and go through the same import as files and the API."""

import secrets
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import QueryDict
from django.utils import timezone

from cxm.api.import_scope import FACT_SENDERS
from cxm.imports.records import ImportResult, read_payload
from cxm.imports.registry import run_import
from cxm.org.models import Chain, Store
from cxm.org.scope import Scope, visible_sellers
from cxm.staff.models import ChecklistTemplate, Consultation, Source


def require_evaluator(scope: Scope) -> None:
    if scope.role not in FACT_SENDERS:
        raise PermissionDenied("checklists are filled by managers and the chain's evaluators")


def latest_templates(chain_id: int) -> list[ChecklistTemplate]:
    latest: dict[str, ChecklistTemplate] = {}
    for template in ChecklistTemplate.objects.filter(chain_id=chain_id).prefetch_related("items"):
        latest.setdefault(template.code, template)  # ordered newest version first
    return list(latest.values())


def form_choices(scope: Scope) -> dict[str, Any]:
    """What the form offers: the scope's stores and sellers, the current templates and the
    consultations queued for review (newest first)."""
    return {
        "stores": Store.objects.filter(pk__in=scope.store_ids),
        "sellers": visible_sellers(scope).select_related("store"),
        "templates": latest_templates(scope.chain_id),
        "queued": Consultation.objects.filter(
            store_id__in=scope.store_ids, queued_for_review=True, checklists__isnull=True
        )
        .select_related("seller", "store")
        .order_by("-started_at")[:50],
    }


def submit_checklist(scope: Scope, evaluator: str, form: QueryDict) -> ImportResult:
    """One checklist from the form's fields; its answers are the `item-<code>` fields."""
    chain = Chain.objects.get(pk=scope.chain_id)
    store = Store.objects.filter(pk__in=scope.store_ids, code=form.get("store")).first()
    consultation = form.get("consultation") or None
    record = {
        "id": f"form-{secrets.token_hex(8)}",
        "store": store.code if store else form.get("store"),
        "seller": form.get("seller") or None,
        "at": form.get("at") or timezone.now().isoformat(),
        "template": form.get("template"),
        "answers": {
            key.removeprefix("item-"): value
            for key, value in form.items()
            if key.startswith("item-") and value
        },
        "evaluator": evaluator,
        "source": Source.RECORDING if consultation else Source.VISIT,
        "consultation": consultation,
    }
    if store is None:
        result = ImportResult("checklists")
        result.reject("form", "store", "choose one of your stores")
        return result
    return run_import("checklists", chain, read_payload([record]), default_store=store)


def queue_for_review(scope: Scope, code: str) -> Consultation:
    """Mark a consultation for the electronic mystery shopper (one click on the list)."""
    require_evaluator(scope)
    consultation = Consultation.objects.filter(store_id__in=scope.store_ids, code=code).first()
    if consultation is None:
        raise PermissionDenied(f"consultation {code!r} is outside your scope or unknown")
    consultation.queued_for_review = True
    consultation.save(update_fields=["queued_for_review"])
    return consultation
