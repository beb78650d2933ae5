"""Organizer pages: today's incidents (comment, move along, resolve), one incident, the
reviews with their agendas (and a print-ready staff review), the user's notification
choices, and exports of any report with its filters written into the file."""

import json
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cxm.dashboard.filters import parse_query
from cxm.incidents import exports
from cxm.incidents.api import incident_out
from cxm.incidents.digests import weekly_rows
from cxm.incidents.models import (
    ChannelKind,
    Delivery,
    Outcome,
    Review,
    ReviewKind,
    Status,
    Subscription,
)
from cxm.incidents.organizer import (
    mark_done,
    policy_agenda,
    schedule,
    staff_agenda,
    visible_reviews,
)
from cxm.incidents.services import (
    ACTORS,
    FLOW,
    add_comment,
    change_status,
    visible_incidents,
    visible_store_ids,
)
from cxm.metrics.periods import Period
from cxm.org.models import Chain
from cxm.org.scope import scope_for
from cxm.reports.filters import FilterError
from cxm.reports.formats import to_json
from cxm.reports.registry import REPORTS, build_report
from cxm.trust.personal import contact_for, masked

RECENTLY_CLOSED = 20


def _incident_rows(request: HttpRequest) -> tuple[list, dict[str, str]]:
    incidents = visible_incidents(request.user).select_related("store", "rule", "owner")
    filters = {k: request.GET[k] for k in ("store", "status") if request.GET.get(k)}
    if "store" in filters:
        incidents = incidents.filter(store__code=filters["store"])
    if "status" in filters:
        incidents = incidents.filter(status=filters["status"])
    return list(incidents[:500]), filters


@login_required
def today(request: HttpRequest) -> HttpResponse:
    """The manager's day: open incidents, most urgent first, and the latest closed ones."""
    incidents, filters = _incident_rows(request)
    fmt = request.GET.get("format", "html")
    rows = [incident_out(i) for i in incidents]
    if fmt in exports.EXPORT_FORMATS:
        stamped = {**filters, "exported_at": timezone.now().isoformat(timespec="seconds")}
        return _export("incidents", fmt, rows, stamped)
    if fmt == "json":
        body = json.dumps({"rows": rows}, cls=DjangoJSONEncoder, ensure_ascii=False)
        return HttpResponse(body, content_type="application/json")
    for found in incidents:  # a list: the contact is on each incident's own page
        found.contact_masked = masked(found.contact)
    open_ = sorted((i for i in incidents if i.is_open), key=lambda i: i.due_at)
    closed = [i for i in incidents if not i.is_open][:RECENTLY_CLOSED]
    context = {
        "open": open_,
        "closed": closed,
        "now": timezone.now(),
        "can_act": scope_for(request.user).role in ACTORS,
        "statuses": Status.choices,
        "filters": filters,
    }
    return render(request, "incidents/today.html", context)


def _visible(request: HttpRequest, pk: int):
    return get_object_or_404(
        visible_incidents(request.user).select_related("store", "rule", "owner"), pk=pk
    )


@login_required
def incident(request: HttpRequest, pk: int) -> HttpResponse:
    found = _visible(request, pk)
    context = {
        "incident": found,
        "contact": contact_for(request.user, found),
        "events": found.events.select_related("author"),
        "moves": [(s, Status(s).label) for s in FLOW[found.status]],
        "outcomes": Outcome.choices,
        "can_act": scope_for(request.user).role in ACTORS,
    }
    return render(request, "incidents/incident.html", context)


def _back(request: HttpRequest, pk: int):
    target = request.POST.get("next") or ""
    return redirect(target if target.startswith("/incidents/") else "incidents:incident", pk=pk)


@login_required
@require_POST
def comment(request: HttpRequest, pk: int) -> HttpResponse:
    found = _visible(request, pk)
    try:
        add_comment(found, request.user, request.POST.get("text", ""))
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    return _back(request, pk)


@login_required
@require_POST
def move(request: HttpRequest, pk: int) -> HttpResponse:
    found = _visible(request, pk)
    try:
        change_status(
            found,
            request.user,
            request.POST.get("status", ""),
            reason=request.POST.get("reason", ""),
            outcome=request.POST.get("outcome", ""),
        )
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    return _back(request, pk)


@login_required
def organizer(request: HttpRequest) -> HttpResponse:
    """The reviews due: each store's monthly staff review, the chain's half-year policy
    review; the chosen one's agenda below."""
    scope = scope_for(request.user)
    if scope.chain_id is not None:
        schedule(Chain.objects.get(pk=scope.chain_id), timezone.localdate())
    reviews = visible_reviews(scope).select_related("store", "done_by")
    open_reviews = [r for r in reviews if r.done_at is None]
    chosen = _chosen(request, open_reviews, reviews)
    context: dict[str, Any] = {
        "open_reviews": open_reviews,
        "done_reviews": [r for r in reviews if r.done_at is not None][-10:],
        "review": chosen,
        "agenda": _agenda(scope, chosen) if chosen else None,
        "open_incidents": visible_incidents(request.user).open().count(),
    }
    if request.GET.get("format") == "json":
        body = {"reviews": [_review_out(r) for r in reviews], "agenda": context["agenda"]}
        return HttpResponse(to_json(body), content_type="application/json")
    return render(request, "incidents/organizer.html", context)


def _chosen(request: HttpRequest, open_reviews: list[Review], reviews) -> Review | None:
    wanted = request.GET.get("review")
    if wanted and wanted.isdigit():
        return reviews.filter(pk=int(wanted)).first()
    return open_reviews[0] if open_reviews else None


def _review_out(review: Review) -> dict[str, Any]:
    return {
        "id": review.pk,
        "kind": review.kind,
        "store": review.store.code if review.store else None,
        "from": review.period_start.isoformat(),
        "to": review.period_end.isoformat(),
        "due_on": review.due_on.isoformat(),
        "done": review.done_at is not None,
        "notes": review.notes,
        "decisions": review.decisions,
    }


def _agenda(scope, review: Review) -> dict[str, Any]:
    if review.kind == ReviewKind.STAFF:
        return staff_agenda(scope, review.store, Period(review.period_start, review.period_end))
    return policy_agenda(scope, review.period_end + timedelta(days=1))


@login_required
def review_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The monthly staff review as a page for paper: no navigation, print styles."""
    scope = scope_for(request.user)
    review = visible_reviews(scope).filter(pk=pk, kind=ReviewKind.STAFF).first()
    if review is None:
        raise Http404("no such review in your scope")
    context = {"review": review, "agenda": _agenda(scope, review)}
    return render(request, "incidents/review_print.html", context)


@login_required
@require_POST
def review_done(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    review = get_object_or_404(visible_reviews(scope), pk=pk)
    notes, decisions = request.POST.get("notes", ""), request.POST.get("decisions", "")
    following = mark_done(review, request.user, scope, notes, decisions)
    messages.success(
        request, _("Review recorded; the next one is due %(day)s.") % {"day": following.due_on}
    )
    return redirect("incidents:organizer")


@login_required
def weekly_digest(request: HttpRequest) -> HttpResponse:
    """The weekly digest of the user's scope as a print-ready page, CSV or XLSX."""
    now = timezone.now()
    rows = weekly_rows(visible_store_ids(request.user), now)
    fmt = request.GET.get("format", "html")
    if fmt in exports.EXPORT_FORMATS:
        since = (now - timedelta(days=7)).isoformat(timespec="minutes")
        return _export("weekly-digest", fmt, rows, {"from": since, "to": now.isoformat()})
    context = {"rows": rows, "since": now - timedelta(days=7), "now": now}
    return render(request, "incidents/weekly_print.html", context)


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    """The user's own channels and what each receives."""
    if request.method == "POST":
        _save_subscription(request)
        return redirect("incidents:notifications")
    context = {
        "subscriptions": Subscription.objects.filter(user=request.user).order_by("pk"),
        "channels": ChannelKind.choices,
        "deliveries": _recent_deliveries(request.user),
    }
    return render(request, "incidents/notifications.html", context)


def _recent_deliveries(user) -> list[Delivery]:
    return list(
        Delivery.objects.filter(subscription__user=user)
        .select_related("subscription")
        .order_by("-created_at")[:20]
    )


def _save_subscription(request: HttpRequest) -> None:
    flags = {f: request.POST.get(f) == "on" for f in ("alerts", "daily_digest", "weekly_digest")}
    if request.POST.get("delete"):
        Subscription.objects.filter(user=request.user, pk=request.POST["delete"]).delete()
        return
    channel, address = request.POST.get("channel", ""), request.POST.get("address", "").strip()
    if channel not in ChannelKind.values or not address:
        messages.error(request, _("Choose a channel and give its address."))
        return
    Subscription.objects.update_or_create(
        user=request.user, channel=channel, address=address, defaults={**flags, "active": True}
    )


@login_required
def export_report(request: HttpRequest, name: str) -> HttpResponse:
    """Any report of the registry as CSV or XLSX, the filters written into the file."""
    if name not in REPORTS:
        raise Http404("no such report")
    params = request.GET.copy()
    fmt = params.pop("format", ["csv"])[-1]
    if fmt not in exports.EXPORT_FORMATS:
        return HttpResponse(_("format must be csv or xlsx"), status=400)
    try:
        query = parse_query(params, scope_for(request.user), timezone.localdate())
        report = build_report(name, query.filter, by=request.GET.get("by") or None)
    except (FilterError, ValueError) as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    except PermissionDenied as exc:
        return HttpResponse(str(exc), status=403, content_type="text/plain; charset=utf-8")
    filters = {
        "report": name,
        "from": query.filter.period.start.isoformat(),
        "to": query.filter.period.end.isoformat(),
        "region": query.filter.region,
        "store": query.filter.store,
        "seller": query.filter.seller,
        "by": request.GET.get("by"),
    }
    return _export(name, fmt, report["rows"], {k: v for k, v in filters.items() if v})


def _export(name: str, fmt: str, rows: list[dict], filters: dict[str, str]) -> HttpResponse:
    stem = f"{name}-{timezone.localdate().isoformat()}"
    if fmt == "csv":
        response = HttpResponse(exports.to_csv(rows, filters), content_type="text/csv")
    else:
        response = HttpResponse(
            exports.to_xlsx(name, rows, filters),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return response
