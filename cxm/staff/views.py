"""Staff pages: the seller's consultation button, the managers' failed consultations and the
seller ranking. The lists are the `failures` and `sellers` reports, with JSON twins."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cxm.dashboard.filters import DashboardQuery
from cxm.dashboard.views import _page
from cxm.org.models import Seller
from cxm.org.scope import scope_for
from cxm.reports.registry import build_report
from cxm.staff.button import consultations_today

LATEST = 20


@login_required
def button(request: HttpRequest) -> HttpResponse:
    seller_id = scope_for(request.user).seller_id
    if seller_id is None:
        raise PermissionDenied("the consultation button is a seller's own page")
    seller = Seller.objects.select_related("store").get(pk=seller_id)
    context = {"seller": seller, "today": consultations_today(seller)}
    return render(request, "staff/button.html", context)


def failures_data(query: DashboardQuery) -> dict[str, Any]:
    report = build_report("failures", query.filter)
    rows = report["rows"]
    failed = [r for r in rows if r["converted"] is False]
    return {
        "page": "failures",
        "filter": {**query.params, "from": report["from"], "to": report["to"]},
        "consultations": len(rows),
        "failed_consultations": len(failed),
        "failed": failed[::-1],
        "latest": rows[-LATEST:][::-1],
        "by_hour": report["by_hour"],
        "by_weekday": report["by_weekday"],
    }


def sellers_data(query: DashboardQuery) -> dict[str, Any]:
    report = build_report("sellers", query.filter, by="seller")
    names = dict(
        Seller.objects.filter(store_id__in=query.filter.scope.store_ids).values_list("code", "name")
    )
    rows = sorted(
        report["rows"],
        key=lambda r: (r["consultation_conversion"] is None, -(r["consultation_conversion"] or 0)),
    )
    for rank, row in enumerate(rows, start=1):
        row.update(rank=rank, name=names.get(row["seller"], ""))
    return {
        "page": "sellers",
        "filter": {**query.params, "from": report["from"], "to": report["to"]},
        "rows": rows,
    }


failures = _page("staff/failures.html", failures_data)
sellers = _page("staff/sellers.html", sellers_data)
