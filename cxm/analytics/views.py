"""Analytics pages: the dashboard's filter bar and page machinery (HTML and `?format=json`
from one dict, 400 naming a bad field, 403 outside the scope), each page's own parameters
read from the query string, and `?format=xlsx`: the page's result and the data it was
computed from as a workbook, with the filters written in."""

from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils import timezone

from cxm.analytics.pages import (
    correlations_data,
    drawn,
    drivers_data,
    export_of,
    factors_data,
    map_data,
    revenue_data,
    revenue_sources_data,
)
from cxm.dashboard.filters import DashboardQuery, parse_query
from cxm.dashboard.views import _page, _problem
from cxm.org.scope import scope_for
from cxm.reports import formats
from cxm.reports.filters import FilterError

Build = Callable[[DashboardQuery, QueryDict], dict[str, Any]]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _analysis(
    template: str, build: Build, *, sampled: bool = False
) -> Callable[[HttpRequest], HttpResponse]:
    """`sampled`: the HTML page draws a sample of the points (`drawn`); the JSON twin and
    the XLSX file carry them all."""

    @login_required
    def view(request: HttpRequest) -> HttpResponse:
        wants = request.GET.get("format")
        if wants == "xlsx":
            return _workbook(request, build)
        page = partial(build, params=request.GET)
        if sampled and wants != "json":
            return _page(template, lambda query: drawn(page(query)))(request)
        return _page(template, page)(request)

    return view


def _workbook(request: HttpRequest, build: Build) -> HttpResponse:
    params = request.GET.copy()
    params.pop("format")
    try:
        query = parse_query(params, scope_for(request.user), timezone.localdate())
        data = build(query, params)
    except FilterError as exc:
        return _problem(request, False, 400, str(exc), exc.field)
    except PermissionDenied as exc:
        return _problem(request, False, 403, str(exc))
    filters = {**data["filter"], **{k: v for k, v in params.items() if k not in data["filter"]}}
    response = HttpResponse(formats.to_xlsx(export_of(data), filters), content_type=XLSX)
    stem = f"{data['page']}-{data['filter']['from']}-{data['filter']['to']}"
    response["Content-Disposition"] = f'attachment; filename="{stem}.xlsx"'
    return response


correlations = _analysis("analytics/correlations.html", correlations_data, sampled=True)
drivers = _analysis("analytics/drivers.html", drivers_data, sampled=True)
factors = _analysis("analytics/factors.html", factors_data)
revenue = _analysis("analytics/revenue.html", revenue_data)
sources = _analysis("analytics/sources.html", revenue_sources_data)
kpi_map = _analysis("analytics/map.html", map_data)
