"""Staff pages: the seller's consultation button, the managers' failed consultations and the
seller ranking. The lists are the `failures` and `sellers` reports, with JSON twins."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from cxm.dashboard.filters import DashboardQuery
from cxm.dashboard.views import _page
from cxm.metrics.composite import SetupError
from cxm.org.models import Chain, Seller
from cxm.org.scope import scope_for
from cxm.reports.registry import build_report
from cxm.staff.button import consultations_today
from cxm.staff.checklist_form import (
    form_choices,
    queue_for_review,
    require_evaluator,
    submit_checklist,
)
from cxm.staff.kpi import below_targets, change_kpi_setup, kpi_choice, require_kpi_editor
from cxm.staff.kpi_form import KpiSetupForm

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
        "by_weekday": [
            {**row, "name": str(WEEKDAYS_ABBR[row["weekday"]])} for row in report["by_weekday"]
        ],
        # What sellers skip when the sale is lost: from checklists of recorded consultations.
        "typical_errors": build_report("compliance", query.filter)["typical_errors"][:5],
    }


def sellers_data(query: DashboardQuery) -> dict[str, Any]:
    report = build_report("sellers", query.filter, by="seller")
    names = dict(
        Seller.objects.filter(store_id__in=query.filter.scope.store_ids).values_list("code", "name")
    )
    rows = sorted(
        report["rows"], key=lambda r: (r["composite_kpi"] is None, -(r["composite_kpi"] or 0))
    )
    for rank, row in enumerate(rows, start=1):
        row.update(
            rank=rank,
            name=names.get(row["seller"], ""),
            below_target=below_targets(row, report["targets"]),
        )
    one_seller = query.filter.seller_id() is not None
    return {
        "page": "sellers",
        "filter": {**query.params, "from": report["from"], "to": report["to"]},
        # The chain's composite KPI: what it weighs and the targets it scores against.
        "weights": report["weights"],
        "targets": report["targets"],
        "rows": rows,
        # One seller's profile: their figures day by day.
        "trend": build_report("sellers", query.filter, by="day")["rows"] if one_seller else [],
    }


failures = _page("staff/failures.html", failures_data, export=("failures", None))
sellers = _page("staff/sellers.html", sellers_data, export=("sellers", "seller"))


@login_required
def checklist(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    require_evaluator(scope)
    result = None
    if request.method == "POST":
        evaluator = request.user.get_full_name() or request.user.get_username()
        result = submit_checklist(scope, evaluator, request.POST)
    choices = form_choices(scope)
    wanted = request.GET.get("template") or request.POST.get("template")
    template = next((t for t in choices["templates"] if t.code == wanted), None)
    context = {
        **choices,
        "template": template or next(iter(choices["templates"]), None),
        "result": result,
        "consultation": request.GET.get("consultation") or request.POST.get("consultation", ""),
        "now": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
    }
    return render(
        request, "staff/checklist.html", context, status=422 if result and result.rejected else 200
    )


@login_required
@require_POST
def queue(request: HttpRequest) -> HttpResponse:
    queue_for_review(scope_for(request.user), request.POST.get("consultation", ""))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = "staff:failures"
    return redirect(back or "staff:failures")


@login_required
def kpi_setup(request: HttpRequest) -> HttpResponse:
    """The chain admin sets the composite KPI's weights and the chain's targets."""
    chain = Chain.objects.get(pk=require_kpi_editor(scope_for(request.user)))
    saved = False
    if request.method == "POST":
        form = KpiSetupForm(request.POST)
        if form.is_valid():
            choice = form.choice()
            try:
                change_kpi_setup(chain, choice.weights, choice.targets)
                saved = True
            except SetupError as exc:  # the form checks the same; kept as a safety net
                form.add_error(None, str(exc))
    else:
        form = KpiSetupForm(initial=KpiSetupForm.initial_of(kpi_choice(chain.pk)))
    context = {"form": form, "saved": saved}
    status = 422 if request.method == "POST" and not saved else 200
    return render(request, "staff/kpi_setup.html", context, status=status)
