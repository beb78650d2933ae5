"""Typed shapes of what the API answers; they are what /api/v1/docs shows integrators."""

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import ConfigDict, Field


class Message(Schema):
    detail: str


class FieldProblem(Schema):
    loc: list[str | int]
    msg: str
    type: str


class ValidationProblem(Schema):
    detail: list[FieldProblem]


class RejectionOut(Schema):
    position: str = Field(description="where the record is: 'item 3', 'line 12', 'document'")
    field: str = Field(description="the offending field ('' when the record is not an object)")
    message: str


class ImportResultOut(Schema):
    kind: str
    accepted: int = Field(description="new records written")
    duplicates: int = Field(description="records already known, unchanged (re-sending is safe)")
    updated: int = Field(description="known records whose values changed")
    rejected: int
    rejections: list[RejectionOut]


class StoreOut(Schema):
    code: str
    name: str
    region: str
    city: str
    address: str
    timezone: str
    lat: float | None
    lon: float | None


class SellerOut(Schema):
    code: str
    name: str
    store: str
    active: bool


class ScopeOut(Schema):
    chain: str | None = Field(description="code of the user's chain")
    stores: list[str] = Field(description="codes of the stores the user may see")
    seller: str | None = Field(description="a seller sees only their own figures")


class MeOut(Schema):
    username: str
    name: str
    role: str | None = Field(description="chain_admin, analyst, regional_manager, …")
    scope: ScopeOut


class ReportOut(Schema):
    """The report exactly as `cxm report NAME --format json` prints it; extra keys
    (`total`, `previous`, `last_year`, `decomposition`, `base_from`, …) depend on the report."""

    model_config = ConfigDict(extra="allow")

    report: str
    rows: list[dict[str, Any]] = Field(
        description="one object per group: its keys (store, seller, day, …) and metrics"
    )


class TokenOut(Schema):
    prefix: str = Field(
        description="the first characters after 'cxm_': enough to tell tokens apart"
    )
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenIn(Schema):
    name: str = Field(min_length=1, max_length=100, description="what the token is for")


class NewTokenOut(TokenOut):
    token: str = Field(description="the raw token: shown this once, never stored")
