"""POST /imports/{kind}: the import contract over HTTP, through the same `run_import` as
`cxm import` and the simulator."""

from enum import Enum

from django.http import HttpRequest
from ninja import Router, Status

from cxm.api.auth import request_scope
from cxm.api.bodies import JSON_LINES_TYPES, MAX_IMPORT_BYTES, receive_import_body
from cxm.api.import_scope import (
    check_kind_allowed,
    check_records_in_scope,
    default_store_for,
    import_chain,
)
from cxm.api.schemas import ImportResultOut, Message, ValidationProblem
from cxm.imports.registry import IMPORTERS, run_import

router = Router(tags=["imports"])

# Built from the registry, so a kind the lead adds there appears here and in the docs.
ImportKind = Enum("ImportKind", {kind: kind for kind in IMPORTERS}, type=str)  # type: ignore[misc]

_BODY_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {"type": "array", "items": {"type": "object"}},
                        {"type": "object"},
                    ]
                },
                "example": [
                    {
                        "store": "S-001",
                        "start": "2026-03-02T10:00:00+03:00",
                        "minutes": 15,
                        "visitors_in": 12,
                        "visitors_out": 10,
                    }
                ],
            },
            **{
                media_type: {"schema": {"type": "string", "description": "one JSON object a line"}}
                for media_type in sorted(JSON_LINES_TYPES)
            },
        },
    }
}

_DESCRIPTION = f"""
Send records of one kind of the import contract (field by field in docs/import-contract.md):
a JSON array or a single object (`application/json`), or JSON Lines (`application/x-ndjson`).
At most {MAX_IMPORT_BYTES // (1024 * 1024)} MB a call; split bigger files.

* **200**: nothing was rejected (records already known count as `duplicates`).
* **422**: some records were rejected — each with its position, field and reason — and
  **the good ones were kept**. Fix and re-send the whole batch: re-sending is harmless.
* **400**: the JSON body does not parse (nothing was written); **413** too big;
  **415** another Content-Type.
* **403**: stores and sellers are a chain administrator's; a regional or store manager may
  send receipts and traffic only for their own stores, and one record for another store
  refuses the whole call (nothing is written).

`?store=CODE` assigns records that name no store (e.g. receipts from a register not yet
mapped) to that store.
"""


@router.post(
    "/imports/{kind}",
    response={
        200: ImportResultOut,
        422: ImportResultOut | ValidationProblem,
        400: Message,
        403: Message,
        413: Message,
        415: Message,
    },
    summary="Import records of one kind",
    description=_DESCRIPTION,
    openapi_extra=_BODY_DOC,
)
def import_records(
    request: HttpRequest, kind: ImportKind, store: str | None = None
) -> Status[dict]:
    scope = request_scope(request)
    # Refuse what the role may never do before reading a possibly large body.
    check_kind_allowed(kind.value, scope)
    chain = import_chain(scope)
    default_store = default_store_for(scope, chain, store)
    with receive_import_body(request) as body:
        check_records_in_scope(kind.value, scope, chain, body.records, default_store)
        result = run_import(kind.value, chain, body.records(), default_store=default_store)
    return Status(422 if result.rejected else 200, result.as_dict())
