"""Analytics pages: the dashboard's filter bar and page machinery (HTML and `?format=json`
from one dict, 400 naming a bad field, 403 outside the scope), plus each page's own
parameters read from the query string."""

from collections.abc import Callable
from functools import partial
from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict

from cxm.analytics.pages import correlations_data, drivers_data, map_data, revenue_data
from cxm.dashboard.filters import DashboardQuery
from cxm.dashboard.views import _page

Build = Callable[[DashboardQuery, QueryDict], dict[str, Any]]


def _analysis(template: str, build: Build) -> Callable[[HttpRequest], HttpResponse]:
    def view(request: HttpRequest) -> HttpResponse:
        return _page(template, partial(build, params=request.GET))(request)

    return view


correlations = _analysis("analytics/correlations.html", correlations_data)
drivers = _analysis("analytics/drivers.html", drivers_data)
revenue = _analysis("analytics/revenue.html", revenue_data)
kpi_map = _analysis("analytics/map.html", map_data)
