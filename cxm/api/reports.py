"""GET /reports/{name}: the very report `cxm report NAME --format json` prints, built by the
same `build_report` and serialised by the same `formats.to_json`."""

from datetime import date
from enum import Enum

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from pydantic import Field

from cxm.api.auth import request_scope
from cxm.api.errors import ParameterError
from cxm.api.schemas import Message, ReportOut, ValidationProblem
from cxm.metrics.periods import Period
from cxm.reports import formats
from cxm.reports.filters import FilterError, ReportFilter
from cxm.reports.registry import OPTION_NAMES, REPORTS, build_report
from cxm.reports.sales import GROUPINGS

router = Router(tags=["reports"])

ReportName = Enum("ReportName", {name: name for name in REPORTS}, type=str)  # type: ignore[misc]
Grouping = Enum("Grouping", {g: g for g in GROUPINGS}, type=str)  # type: ignore[misc]


class ReportQuery(Schema):
    start: date = Field(alias="from", description="first day, inclusive (YYYY-MM-DD)")
    end: date = Field(alias="to", description="last day, inclusive")
    store: str | None = Field(None, description="store code")
    region: str | None = Field(None, description="region name")
    seller: str | None = Field(None, description="seller code")
    by: Grouping | None = Field(
        None, description="one row per group (decomposition: store or seller)"
    )
    base_start: date | None = Field(
        None, alias="base_from", description="decomposition: base period's first day"
    )
    base_end: date | None = Field(None, alias="base_to", description="base period's last day")
    x: list[str] | None = Field(None, description="correlations: series (repeat the parameter)")
    y: list[str] | None = Field(None, description="correlations: series against each x")
    grain: str | None = Field(None, description="correlations, drivers: store-day … seller-month")
    outcome: str | None = Field(None, description="drivers: the outcome series")
    drivers: list[str] | None = Field(None, description="drivers: series (repeat the parameter)")
    template: str | None = Field(
        None, description="factors: checklist template or survey bank code"
    )
    source: str | None = Field(None, description="factors: checklists (default) or survey")

    def period(self) -> Period:
        if self.end < self.start:
            raise ParameterError(("query", "to"), "is before `from`")
        return Period(self.start, self.end)

    def base(self) -> Period | None:
        if (self.base_start is None) != (self.base_end is None):
            missing = "base_to" if self.base_end is None else "base_from"
            raise ParameterError(("query", missing), "give both base_from and base_to, or neither")
        if self.base_start is None or self.base_end is None:
            return None
        if self.base_end < self.base_start:
            raise ParameterError(("query", "base_to"), "is before `base_from`")
        return Period(self.base_start, self.base_end)


@router.get(
    "/reports/{name}",
    response={200: ReportOut, 403: Message, 422: ValidationProblem},
    summary="A report: the same figures as the pages and `cxm report NAME --format json`",
    description=(
        "Shares are fractions (0.23), money in roubles, NPS and ИЭЛ on −100…100. "
        "A store or seller outside your scope (or unknown) is 403; a bad parameter is 422 "
        "naming it."
    ),
)
def report(request: HttpRequest, name: ReportName, params: Query[ReportQuery]) -> HttpResponse:
    flt = ReportFilter(
        request_scope(request), params.period(), params.store, params.region, params.seller
    )
    base = params.base()
    by = params.by.value if params.by else None
    try:
        options = params.model_dump(include=set(OPTION_NAMES))
        built = build_report(name.value, flt, by=by, base=base, **options)
    except FilterError:
        raise  # 422 naming its own field
    except ValueError as exc:
        if by is None:
            raise  # not a parameter problem: a bug, let it be seen
        # The report does not support this grouping (e.g. decomposition by day).
        raise ParameterError(("query", "by"), str(exc)) from None
    return HttpResponse(formats.to_json(built, indent=None), content_type="application/json")
