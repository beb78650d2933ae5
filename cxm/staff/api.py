"""The consultation button of a logged-in seller ("my button"): presses come in with the
times they were made (the tablet queues them while offline) and go through the same
`consultations` import as devices and files, always as the caller's own. And the chain's
composite front-staff KPI set-up: everyone in the chain reads it, its admin changes it."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from cxm.api.auth import request_scope
from cxm.api.errors import ParameterError
from cxm.api.schemas import ImportResultOut, Message, ValidationProblem
from cxm.imports.records import read_payload
from cxm.imports.registry import run_import
from cxm.metrics.composite import COMPONENTS, TARGET_METRICS, SetupError
from cxm.org.models import Chain, Role, Seller
from cxm.staff.button import consultations_today
from cxm.staff.kpi import KpiChoice, change_kpi_setup, kpi_choice, require_kpi_editor

router = Router(tags=["staff"])


class ButtonResultOut(ImportResultOut):
    today: int = Field(description="the seller's consultations today, after this call")


@router.post(
    "/staff/my-consultations",
    response={200: ButtonResultOut, 422: ButtonResultOut, 403: Message},
    summary="A seller's own consultation presses (the 'my button' page)",
    description=(
        "A JSON list of `{id, started_at, ended_at?}`; the store and seller are the caller's. "
        "Re-sending is harmless (idempotent by `id`); a press within "
        "CXM_CONSULTATION_REPEAT_SECONDS of another is the same consultation."
    ),
)
def my_consultations(request: HttpRequest, presses: list[dict[str, Any]]) -> Status[dict]:
    scope = request_scope(request)
    if scope.seller_id is None:
        raise PermissionDenied("only a seller presses their own consultation button")
    seller = Seller.objects.select_related("store", "chain").get(pk=scope.seller_id)
    own = {"store": seller.store.code, "seller": seller.code}
    records = read_payload([{**p, **own} if isinstance(p, dict) else p for p in presses])
    result = run_import("consultations", seller.chain, records)
    body = {**result.as_dict(), "today": consultations_today(seller)}
    return Status(422 if result.rejected else 200, body)


class KpiSetupOut(Schema):
    weights: dict[str, float] = Field(description="component → weight (only proportions matter)")
    targets: dict[str, float] = Field(description="figure → the chain's target; shares 0…1")
    components: list[str] = Field(description="what a weight may be given to")
    target_metrics: list[str] = Field(description="what a target may be set for")


class KpiSetupIn(Schema):
    weights: dict[str, float]
    targets: dict[str, float | None] = Field(default_factory=dict)


def _kpi_out(choice: KpiChoice) -> dict[str, Any]:
    return {
        "weights": choice.weights,
        "targets": choice.targets,
        "components": list(COMPONENTS),
        "target_metrics": list(TARGET_METRICS),
    }


@router.get(
    "/kpi-setup",
    response={200: KpiSetupOut, 403: Message},
    summary="The chain's composite front-staff KPI: component weights and targets",
)
def get_kpi_setup(request: HttpRequest) -> dict[str, Any]:
    scope = request_scope(request)
    if scope.chain_id is None or scope.role == Role.REPLICATOR:
        raise PermissionDenied("no chain to read a KPI set-up of")
    return _kpi_out(kpi_choice(scope.chain_id))


@router.put(
    "/kpi-setup",
    response={200: KpiSetupOut, 403: Message, 422: ValidationProblem},
    summary="Set the composite KPI's weights and the chain's targets (chain admin only)",
    description=(
        "Weights: numbers ≥ 0 for any of `components`, at least one above 0. Targets: numbers "
        "above 0 (shares at most 1) for any of `target_metrics`; a target left out or null "
        "is none. The whole set-up is replaced; every change is in the audit log."
    ),
)
def put_kpi_setup(request: HttpRequest, body: KpiSetupIn) -> dict[str, Any]:
    chain = Chain.objects.get(pk=require_kpi_editor(request_scope(request)))
    try:
        choice = change_kpi_setup(chain, body.weights, body.targets)
    except SetupError as exc:
        part = exc.part
        loc = ("body", part) if exc.field == part else ("body", part, exc.field)
        raise ParameterError(loc, str(exc)) from None
    return _kpi_out(choice)
