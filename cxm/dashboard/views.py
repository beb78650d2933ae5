"""Dashboard pages: parse the filter bar, build the figures through cxm.reports, render them
as HTML or, with `?format=json`, as the JSON twin with the very same numbers."""

import json
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from cxm.dashboard.filters import DashboardQuery, parse_query
from cxm.dashboard.labels import page_context
from cxm.dashboard.pages import dashboard_data
from cxm.org.scope import scope_for
from cxm.reports import formats
from cxm.reports.filters import FilterError


def _page(
    template: str,
    build: Callable[[DashboardQuery], dict[str, Any]],
    export: tuple[str, str | None] | None = None,
) -> Callable[[HttpRequest], HttpResponse]:
    """A login-only page and its JSON twin, both from `build(query)`. `export` names the
    report (and its grouping) whose rows the page offers as CSV/XLSX with the same filters."""

    @login_required
    def view(request: HttpRequest) -> HttpResponse:
        wants_json = request.GET.get("format") == "json"
        try:
            query = parse_query(request.GET, scope_for(request.user), timezone.localdate())
            data = build(query)
        except FilterError as exc:
            return _problem(request, wants_json, 400, str(exc), exc.field)
        except PermissionDenied as exc:
            return _problem(request, wants_json, 403, str(exc))
        text = formats.to_json(data, indent=None)
        if wants_json:
            return HttpResponse(text, content_type="application/json")
        # The charts read the same numbers from the page, as plain JSON numbers.
        context = {"data": data, "query": query, "chart_data": json.loads(text), **page_context()}
        if export:
            context["export"] = {"report": export[0], "by": export[1] or ""}
        return render(request, template, context)

    return view


def _problem(
    request: HttpRequest, wants_json: bool, status: int, message: str, field: str | None = None
) -> HttpResponse:
    if wants_json:
        body = {"error": message, "field": field} if field else {"error": message}
        return HttpResponse(formats.to_json(body), status=status, content_type="application/json")
    context = {"status": status, "message": message, "field": field}
    return render(request, "dashboard/problem.html", context, status=status)


home = _page("dashboard/home.html", dashboard_data, export=("kpi", "store"))
