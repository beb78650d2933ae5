"""The organizer's agendas: the monthly staff review of a store (each seller's KPIs against
last month and the chain, failed consultations, checklist results, who needs coaching on
which standard step) and the half-year policy review of the chain; reviews are scheduled,
marked done with notes and decisions, and the next one is scheduled then."""

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from cxm.incidents.models import Review, ReviewKind
from cxm.incidents.rules import chain_scope
from cxm.metrics.periods import Period
from cxm.org.models import Role, Store
from cxm.org.scope import Scope
from cxm.reports.filters import ReportFilter
from cxm.reports.registry import build_report

COMPARED = ("consultations", "coverage", "consultation_conversion", "compliance", "like_index")
COACHING_BELOW = 0.7  # a standard step done less often than this needs coaching
POLICY_MONTHS = 6
REVIEWERS = (Role.CHAIN_ADMIN, Role.REGIONAL_MANAGER, Role.STORE_MANAGER)


def month_of(day: date) -> Period:
    start = day.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return Period(start, end)


def previous_month(period: Period) -> Period:
    return month_of(period.start - timedelta(days=1))


def _chain_means(store: Store, period: Period) -> dict[str, float | None]:
    rows = build_report("sellers", ReportFilter(chain_scope(store.chain), period), by="seller")[
        "rows"
    ]
    means = {}
    for name in COMPARED:
        values = [r[name] for r in rows if r.get(name) is not None]
        means[name] = sum(values) / len(values) if values else None
    return means


def _coaching(scope: Scope, store: Store, period: Period, seller: str) -> list[dict[str, Any]]:
    """The standard steps this seller fulfils least, below COACHING_BELOW."""
    flt = ReportFilter(scope, period, store=store.code, seller=seller)
    items = build_report("compliance", flt)["items"]
    weak = [i for i in items if i["compliance"] is not None and i["compliance"] < COACHING_BELOW]
    return sorted(weak, key=lambda i: i["compliance"])[:3]


def staff_agenda(scope: Scope, store: Store, period: Period) -> dict[str, Any]:
    """Each seller of the store in `period`: KPIs, last month's and the chain's mean."""
    scope.require_store(store.pk)
    flt = ReportFilter(scope, period, store=store.code)
    now_rows = build_report("sellers", flt, by="seller")["rows"]
    before = {
        r["seller"]: r
        for r in build_report("sellers", flt.shifted(previous_month(period)), by="seller")["rows"]
    }
    chain = _chain_means(store, period)
    sellers = []
    for row in now_rows:
        last = before.get(row["seller"], {})
        sellers.append(
            {
                "seller": row["seller"],
                "figures": [
                    {"metric": m, "value": row.get(m), "last_month": last.get(m), "chain": chain[m]}
                    for m in COMPARED
                ],
                "failed_consultations": row.get("failed_consultations"),
                "checklists": row.get("checklists"),
                "coaching": _coaching(scope, store, period, row["seller"]),
            }
        )
    return {
        "store": store.code,
        "store_name": store.name,
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "sellers": sellers,
    }


def policy_agenda(scope: Scope, today: date) -> dict[str, Any]:
    """The chain's last six months: NPS and ИЭЛ month by month, and factor satisfaction of
    this half against the half before — which policy areas moved."""
    end = month_of(today).start - timedelta(days=1)
    half = Period(month_of(end - timedelta(days=31 * (POLICY_MONTHS - 1))).start, end)
    before = Period(half.start - timedelta(days=half.days), half.start - timedelta(days=1))
    flt = ReportFilter(scope, half)
    trend = {r["month"]: r for r in build_report("nps", flt, by="month")["rows"]}
    for row in build_report("iel", flt, by="month")["rows"]:
        trend.setdefault(row["month"], {"month": row["month"]})["iel"] = row.get("iel")
    then = {r["factor"]: r for r in build_report("csi", flt.shifted(before))["rows"]}
    factors = [
        {
            "factor": r["factor"],
            "question": r["question"],
            "csat": r["csat"],
            "before": then.get(r["factor"], {}).get("csat"),
        }
        for r in build_report("csi", flt)["rows"]
    ]
    return {
        "from": half.start.isoformat(),
        "to": half.end.isoformat(),
        "months": [trend[m] for m in sorted(trend)],
        "factors": factors,
    }


def _next_due(review: Review) -> tuple[date, Period]:
    if review.kind == ReviewKind.STAFF:
        period = month_of(review.period_end + timedelta(days=1))
        return (period.end + timedelta(days=1)) + timedelta(days=4), period
    start = review.period_end + timedelta(days=1)
    end = month_of(start + timedelta(days=31 * (POLICY_MONTHS - 1))).end
    return end + timedelta(days=14), Period(start, end)


def schedule(chain, today: date) -> None:
    """Each store has its next staff review and the chain its next policy review: last
    month's, due in the first days of this month."""
    last = previous_month(month_of(today))
    for store in Store.objects.filter(chain=chain):
        if not Review.objects.filter(store=store, kind=ReviewKind.STAFF, done_at=None).exists():
            Review.objects.create(
                chain=chain,
                store=store,
                kind=ReviewKind.STAFF,
                period_start=last.start,
                period_end=last.end,
                due_on=last.end + timedelta(days=5),
            )
    if not Review.objects.filter(chain=chain, kind=ReviewKind.POLICY, done_at=None).exists():
        start = month_of(last.start - timedelta(days=31 * (POLICY_MONTHS - 1))).start
        Review.objects.create(
            chain=chain,
            kind=ReviewKind.POLICY,
            period_start=start,
            period_end=last.end,
            due_on=last.end + timedelta(days=14),
        )


def visible_reviews(scope: Scope):
    if scope.role not in (*REVIEWERS, Role.ANALYST):
        return Review.objects.none()
    staff = Review.objects.filter(kind=ReviewKind.STAFF, store_id__in=scope.store_ids)
    if scope.role not in (Role.CHAIN_ADMIN, Role.ANALYST):
        return staff
    return staff | Review.objects.filter(kind=ReviewKind.POLICY, chain_id=scope.chain_id)


def mark_done(review: Review, user, scope: Scope, notes: str, decisions: str) -> Review:
    """Record the review held and schedule the next one of its kind."""
    if scope.role not in REVIEWERS or not visible_reviews(scope).filter(pk=review.pk).exists():
        raise PermissionDenied("this review is outside what you may hold")
    if review.done_at is not None:
        return review
    review.done_at, review.done_by = timezone.now(), user
    review.notes, review.decisions = notes.strip(), decisions.strip()
    review.save(update_fields=["done_at", "done_by", "notes", "decisions"])
    due, period = _next_due(review)
    return Review.objects.create(
        chain_id=review.chain_id,
        store_id=review.store_id,
        kind=review.kind,
        period_start=period.start,
        period_end=period.end,
        due_on=due,
    )
