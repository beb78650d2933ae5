"""The consultation button of a logged-in seller ("my button"): presses come in with the
times they were made (the tablet queues them while offline) and go through the same
`consultations` import as devices and files, always as the caller's own."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Router, Status
from pydantic import Field

from cxm.api.auth import request_scope
from cxm.api.schemas import ImportResultOut, Message
from cxm.imports.records import read_payload
from cxm.imports.registry import run_import
from cxm.org.models import Seller
from cxm.staff.button import consultations_today

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
