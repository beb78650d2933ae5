"""The replicator's two doors into CXM besides the receipt import: its heartbeat, and the
register → store time-zone map it needs to put the right offset on receipt times."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from cxm.api.auth import request_scope
from cxm.api.import_scope import import_chain
from cxm.org.models import Register, Role
from cxm.org.scope import Scope
from cxm.replication.services import record_heartbeat

router = Router(tags=["replicators"])
# Who may talk to these endpoints: the replicator itself and the chain's administrator.
_ALLOWED = frozenset({Role.REPLICATOR, Role.CHAIN_ADMIN})


class RegisterState(Schema):
    kkt_reg_id: str = Field(max_length=20)
    last_document: str | None = Field(None, max_length=80)
    last_received_at: str | None = Field(None, max_length=40)
    lag_seconds: int | None = Field(None, ge=0)
    documents_today: int = Field(0, ge=0)
    pending: int = Field(0, ge=0)
    errors: int = Field(0, ge=0)
    last_error: str | None = Field(None, max_length=500)


class HeartbeatIn(Schema):
    replicator_id: str = Field(min_length=8, max_length=64)
    version: str = Field(max_length=40)
    provider: str = Field(max_length=40)
    outbox_pending: int = Field(0, ge=0)
    outbox_rejected: int = Field(0, ge=0)
    registers: list[RegisterState] = Field(default_factory=list, max_length=5000)


class HeartbeatOut(Schema):
    received: bool
    registers: int


class RegisterOut(Schema):
    kkt_reg_id: str
    store: str
    timezone: str


def _replication_scope(request: HttpRequest) -> Scope:
    scope = request_scope(request)
    if scope.role not in _ALLOWED:
        raise PermissionDenied("only a replicator token or a chain administrator may do this")
    return scope


@router.post(
    "/replicators/heartbeat",
    response=HeartbeatOut,
    summary="A replicator reports that it is alive, its version and each register's lag",
)
def heartbeat(request: HttpRequest, beat: HeartbeatIn) -> dict:
    chain = import_chain(_replication_scope(request))
    replicator = record_heartbeat(chain, request.auth.get_username(), beat.dict())  # type: ignore[attr-defined]
    return {"received": True, "registers": len(replicator.registers)}


@router.get(
    "/registers",
    response=list[RegisterOut],
    summary="The chain's registers (kktRegId) with their store and its time zone",
)
def registers(request: HttpRequest) -> list[dict]:
    chain = import_chain(_replication_scope(request))
    rows = (
        Register.objects.filter(store__chain=chain)
        .order_by("kkt_reg_id")
        .values("kkt_reg_id", "store__code", "store__timezone")
    )
    return [
        {"kkt_reg_id": r["kkt_reg_id"], "store": r["store__code"], "timezone": r["store__timezone"]}
        for r in rows
    ]
