"""Devices over HTTP: a device pushes its store's events with its own token; a manager issues,
lists and revokes the tokens of the devices in their stores."""

from datetime import datetime
from enum import Enum

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.security import HttpBearer
from pydantic import Field

from cxm.api.auth import request_scope, session_auth
from cxm.api.bodies import receive_import_body
from cxm.api.import_scope import FACT_SENDERS, check_records_in_scope
from cxm.api.schemas import ImportResultOut, Message, ValidationProblem
from cxm.devices.models import DeviceKind, DeviceToken
from cxm.devices.tokens import (
    device_for_token,
    device_tokens_of,
    issue_device_token,
    revoke_device_token,
)
from cxm.imports.registry import run_import
from cxm.org.models import Role, Store
from cxm.org.scope import Scope
from cxm.org.tokens import TokenError

# The import kinds a device may push: events that happen in its store, never master data.
DEVICE_EVENT_KINDS = ("traffic", "consultations", "presses")
DeviceEventKind = Enum("DeviceEventKind", {k: k for k in DEVICE_EVENT_KINDS}, type=str)  # type: ignore[misc]


class DeviceAuth(HttpBearer):
    """`Authorization: Bearer cxmd_…`: a device of one store."""

    def authenticate(self, request: HttpRequest, token: str) -> DeviceToken:
        device = device_for_token(token.strip())
        if device is None:
            raise AuthenticationError(message="invalid or revoked device token")
        return device


device_auth = DeviceAuth()
router = Router(tags=["devices"])


def device_scope(device: DeviceToken) -> Scope:
    """A device writes what its store's manager could write, for its one store only."""
    store = device.store
    return Scope(role=Role.STORE_MANAGER, chain_id=store.chain_id, store_ids=frozenset({store.pk}))


@router.post(
    "/devices/events/{kind}",
    auth=[device_auth],
    response={200: ImportResultOut, 422: ImportResultOut | ValidationProblem, 403: Message},
    summary="A device pushes its store's events (same body and answers as /imports/{kind})",
    description=(
        "Records that name no store are the device's store; a record for another store "
        "refuses the whole call (403, nothing written). A call with an empty list is a "
        "heartbeat: it tells CXM the device is alive."
    ),
)
def push_events(request: HttpRequest, kind: DeviceEventKind) -> Status[dict]:
    device: DeviceToken = request.auth  # type: ignore[attr-defined]
    chain, store = device.store.chain, device.store
    with receive_import_body(request) as body:
        check_records_in_scope(kind.value, device_scope(device), chain, body.records, store)
        result = run_import(kind.value, chain, body.records(), default_store=store)
    return Status(422 if result.rejected else 200, result.as_dict())


class DeviceTokenOut(Schema):
    prefix: str = Field(description="the first characters after 'cxmd_'")
    name: str
    kind: DeviceKind
    store: str = Field(description="code of the device's store")
    created_at: datetime
    last_used_at: datetime | None = Field(description="the device's last call: silent devices")
    revoked_at: datetime | None

    @staticmethod
    def resolve_store(token: DeviceToken) -> str:
        return token.store.code


class DeviceTokenIn(Schema):
    store: str = Field(description="code of the store the device stands in")
    name: str = Field(min_length=1, max_length=100, description="e.g. 'terminal at till 2'")
    kind: DeviceKind = DeviceKind.OTHER


class NewDeviceTokenOut(DeviceTokenOut):
    token: str = Field(description="the raw device token: shown this once, never stored")


def _managed_store_ids(request: HttpRequest) -> frozenset[int]:
    scope = request_scope(request)
    if scope.role not in FACT_SENDERS:
        raise PermissionDenied("only managers of a store may manage its devices")
    return scope.store_ids


@router.get("/devices/tokens", response=list[DeviceTokenOut], summary="Devices of my stores")
def list_device_tokens(request: HttpRequest) -> list[DeviceToken]:
    return list(device_tokens_of(_managed_store_ids(request)))


@router.post(
    "/devices/tokens",
    auth=[session_auth],
    response={201: NewDeviceTokenOut, 403: Message, 422: Message},
    summary="Issue a device token for one of my stores (browser session only); shown once",
)
def create_device_token(request: HttpRequest, payload: DeviceTokenIn) -> Status[DeviceToken]:
    scope = request_scope(request)
    store = Store.objects.filter(
        chain_id=scope.chain_id, code=payload.store, pk__in=_managed_store_ids(request)
    ).first()
    if store is None:
        raise PermissionDenied(f"store {payload.store!r} is outside your scope or unknown")
    try:
        token, raw = issue_device_token(store, payload.name, payload.kind)
    except TokenError as exc:
        raise HttpError(422, str(exc)) from None
    token.token = raw  # answered this once, never stored
    return Status(201, token)


@router.delete(
    "/devices/tokens/{prefix}",
    response={200: DeviceTokenOut, 403: Message, 404: Message},
    summary="Revoke a device token of one of my stores",
)
def delete_device_token(request: HttpRequest, prefix: str) -> DeviceToken:
    try:
        return revoke_device_token(prefix, _managed_store_ids(request))
    except TokenError as exc:
        raise HttpError(404, str(exc)) from None
