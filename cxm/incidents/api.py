"""Incidents on the API: the caller's incidents (a store manager their store's, a regional
manager their region's), comments and status changes, and the chain's rules (read by the
managers, edited by the chain admin)."""

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from pydantic import Field

from cxm.api.auth import request_scope
from cxm.api.schemas import Message
from cxm.incidents.models import Incident, Outcome, Rule
from cxm.incidents.models import Status as IncidentStatus
from cxm.incidents.rules import ensure_default_rules, rule_params
from cxm.incidents.services import add_comment, change_status, visible_incidents
from cxm.org.models import Chain, Role
from cxm.trust.personal import contact_for, masked

router = Router(tags=["incidents"])


class EventOut(Schema):
    at: datetime
    kind: str
    author: str | None
    text: str


class IncidentOut(Schema):
    id: int
    store: str
    rule: str
    title: str
    detail: str
    status: str
    owner: str | None
    escalated: bool
    opened_at: datetime
    due_at: datetime
    closed_at: datetime | None
    signals: int
    contact: str
    outcome: str
    dismiss_reason: str
    events: list[EventOut] = []


class IncidentFilter(Schema):
    status: str | None = Field(None, description="new, in_progress, resolved, verified, dismissed")
    store: str | None = Field(None, description="store code")
    open: bool | None = Field(None, description="only open (new or in progress) incidents")


PLAIN_FIELDS = (
    "title",
    "detail",
    "status",
    "escalated",
    "opened_at",
    "due_at",
    "closed_at",
    "signals",
    "outcome",
    "dismiss_reason",
)


def incident_out(incident: Incident, events: bool = False, viewer=None) -> dict[str, Any]:
    """The incident as the API and the exports show it. The customer's contact is in full
    only for a `viewer` who handles the incident (its own record); lists and exports mask it."""
    body = {
        "id": incident.pk,
        "store": incident.store.code,
        "rule": incident.rule.code,
        "owner": incident.owner.get_username() if incident.owner else None,
        **{f: getattr(incident, f) for f in PLAIN_FIELDS},
        "contact": contact_for(viewer, incident) if viewer else masked(incident.contact),
    }
    if events:
        body["events"] = [
            {
                "at": e.at,
                "kind": e.kind,
                "author": e.author.get_username() if e.author else None,
                "text": e.text,
            }
            for e in incident.events.select_related("author")
        ]
    return body


@router.get("/incidents", response=list[IncidentOut], summary="Incidents in your scope")
def list_incidents(request: HttpRequest, filters: Query[IncidentFilter]) -> list[dict]:
    incidents = visible_incidents(request.auth).select_related("store", "rule", "owner")
    if filters.status:
        incidents = incidents.filter(status=filters.status)
    if filters.store:
        incidents = incidents.filter(store__code=filters.store)
    if filters.open:
        incidents = incidents.open()
    return [incident_out(i) for i in incidents[:500]]


def _incident(request: HttpRequest, incident_id: int) -> Incident:
    return get_object_or_404(
        visible_incidents(request.auth).select_related("store", "rule", "owner"), pk=incident_id
    )


@router.get("/incidents/{incident_id}", response={200: IncidentOut, 404: Message})
def get_incident(request: HttpRequest, incident_id: int) -> dict:
    return incident_out(_incident(request, incident_id), events=True, viewer=request.auth)


def _problem(exc: ValidationError) -> str:
    """The refusal, each message led by the field it is about."""
    return "; ".join(f"{field}: {m}" for field, ms in exc.message_dict.items() for m in ms)


class CommentIn(Schema):
    text: str


@router.post(
    "/incidents/{incident_id}/comments",
    response={201: IncidentOut, 403: Message, 404: Message, 422: Message},
)
def comment(request: HttpRequest, incident_id: int, body: CommentIn) -> Status[dict]:
    incident = _incident(request, incident_id)
    try:
        add_comment(incident, request.auth, body.text)
    except ValidationError as exc:
        return Status(422, {"detail": _problem(exc)})
    return Status(201, incident_out(incident, events=True, viewer=request.auth))


class StatusIn(Schema):
    status: IncidentStatus
    reason: str = Field("", description="required to dismiss")
    outcome: Outcome | None = Field(None, description="what came of the call-back")


@router.post(
    "/incidents/{incident_id}/status",
    response={200: IncidentOut, 403: Message, 404: Message, 422: Message},
    summary="Move an incident: new → in_progress → resolved → verified, or dismissed",
)
def set_status(request: HttpRequest, incident_id: int, body: StatusIn) -> Status[dict]:
    incident = _incident(request, incident_id)
    try:
        change_status(
            incident, request.auth, body.status, reason=body.reason, outcome=body.outcome or ""
        )
    except ValidationError as exc:
        return Status(422, {"detail": _problem(exc)})
    return Status(200, incident_out(incident, events=True, viewer=request.auth))


class RuleOut(Schema):
    code: str
    kind: str
    name: str
    params: dict[str, Any]
    enabled: bool
    sla_hours: int
    auto_close: bool


class RuleIn(Schema):
    name: str | None = None
    params: dict[str, Any] | None = None
    enabled: bool | None = None
    sla_hours: int | None = Field(None, ge=1, le=24 * 90)
    auto_close: bool | None = None


def _chain(request: HttpRequest, *, edit: bool) -> Chain:
    scope = request_scope(request)
    allowed = (
        (Role.CHAIN_ADMIN,)
        if edit
        else (Role.CHAIN_ADMIN, Role.ANALYST, Role.REGIONAL_MANAGER, Role.STORE_MANAGER)
    )
    if scope.role not in allowed or scope.chain_id is None:
        raise PermissionDenied("the chain admin edits the rules" if edit else "no rules for you")
    return Chain.objects.get(pk=scope.chain_id)


@router.get("/incident-rules", response={200: list[RuleOut], 403: Message})
def list_rules(request: HttpRequest) -> list[Rule]:
    return ensure_default_rules(_chain(request, edit=False))


@router.patch(
    "/incident-rules/{code}", response={200: RuleOut, 403: Message, 404: Message, 422: Message}
)
def edit_rule(request: HttpRequest, code: str, body: RuleIn) -> Status:
    chain = _chain(request, edit=True)
    ensure_default_rules(chain)
    rule = get_object_or_404(Rule, chain=chain, code=code)
    changes = body.dict(exclude_none=True)
    unknown = sorted(set(changes.get("params", {})) - set(rule_params(rule.kind)))
    if unknown:
        return Status(422, {"detail": f"params: {rule.kind} rules take no {unknown[0]!r}"})
    for name, value in changes.items():
        setattr(rule, name, {**rule.params, **value} if name == "params" else value)
    rule.save()
    return Status(200, rule)
