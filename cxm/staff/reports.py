"""Staff reports: seller process KPIs (`sellers`), every consultation with its outcome
(`failures`) and service-standard compliance (`compliance`). The CLI, the API and the pages
build them through cxm.reports.registry."""

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum

from cxm.metrics.composite import composite_scores
from cxm.metrics.consultations import ActivityFigures
from cxm.metrics.kpi import ratio
from cxm.reports.filters import ReportFilter
from cxm.reports.sales import (
    PAIRS,
    figures_row,
    group_fields,
    key_row,
    parts_of,
    regrouper,
    sales_figures,
)
from cxm.reports.service import service_figures
from cxm.rollups import sources
from cxm.staff.kpi import kpi_choice
from cxm.staff.matching import matched
from cxm.staff.models import Checklist, ChecklistAnswer, Consultation

STAFF_GROUPINGS = ("seller", "store", "region", "day", "week", "month", *PAIRS)
# What the ranking reads of the service rollup (cxm.reports.service).
RANKING_FIGURES = (
    "consultations",
    "converted_consultations",
    "failed_consultations",
    "checklists",
    "checklist_earned",
    "checklist_possible",
    "positive_presses",
)
WEEKDAYS = 7


def _period(flt: ReportFilter) -> dict[str, str]:
    return {"from": flt.period.start.isoformat(), "to": flt.period.end.isoformat()}


def consultations_in(flt: ReportFilter) -> QuerySet[Consultation]:
    """The filter's consultations, matched to receipts first where their data changed."""
    store_ids = flt.store_ids()
    matched(flt)
    rows = Consultation.objects.filter(
        store_id__in=store_ids, day__gte=flt.period.start, day__lte=flt.period.end
    )
    seller_id = flt.seller_id()
    return rows if seller_id is None else rows.filter(seller_id=seller_id)


def _check_grouping(by: str) -> None:
    if by not in STAFF_GROUPINGS:
        raise ValueError(f"cannot group by {by!r}; one of {', '.join(STAFF_GROUPINGS)}")


def sellers_report(flt: ReportFilter, by: str | None = None) -> dict[str, Any]:
    """Per seller (or store, region, day, week, month): consultations, coverage, consultation
    conversion, failed consultations, sales and % compliance."""
    by = by or "seller"
    _check_grouping(by)
    # Consultations matched to receipts (and their rollup summed again) before reading it.
    matched(flt)
    service = service_figures(flt, by, RANKING_FIGURES)
    activity = {
        key: (row["consultations"], row["converted_consultations"], row["failed_consultations"])
        for key, row in service.items()
        if row["consultations"]
    }
    sales = sales_figures(flt, by)
    seller_level = "seller" in parts_of(by) or flt.seller_id() is not None
    traffic = _shift_traffic(flt, by) if seller_level else None
    compliance = _compliance_by(flt, by)
    likes = {key: row["positive_presses"] for key, row in service.items()}
    rows = []
    for key in sorted(set(activity) | set(sales), key=lambda k: (k[0] is None, list(map(str, k)))):
        if key[0] is None:
            continue  # receipts of no seller (self-checkout) have no process figures
        n, converted, failed = activity.get(key, (0, 0, 0))
        visitors = traffic.get(key, 0) if traffic is not None else _store_traffic(sales, key)
        figures = ActivityFigures(n, converted, failed, visitors)
        row = figures_row(by, key, sales[key]) if key in sales else key_row(by, key)
        row.update(
            traffic=visitors,
            consultations=n,
            converted_consultations=converted,
            failed_consultations=failed,
            coverage=figures.coverage,
            consultation_conversion=figures.consultation_conversion,
            compliance=compliance.get(key, (None, 0))[0],
            checklists=compliance.get(key, (None, 0))[1],
            likes=likes.get(key, 0),
            like_index=ratio(likes.get(key, 0), n),
        )
        row.pop("conversion", None)  # visitor conversion is the store's, see `kpi`
        rows.append(row)
    kpi = kpi_choice(flt.scope.chain_id)
    for row, score in zip(rows, composite_scores(rows, kpi.weights, kpi.targets), strict=True):
        row["composite_kpi"] = score
    return {
        "report": "sellers",
        **_period(flt),
        "by": by,
        "weights": kpi.weights,
        "targets": kpi.targets,
        "rows": rows,
    }


def _key_text(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _store_traffic(sales: dict, key: tuple) -> int | None:
    figures = sales.get(key)
    return figures.traffic if figures is not None else None


def _shift_traffic(flt: ReportFilter, by: str) -> dict[tuple, int]:
    """A seller's traffic is the visitors of the store's hours they worked, taken as the
    hours from their first to their last consultation or receipt of each day (shift plans
    are not imported; a seller without a consultation all afternoon is still on shift)."""
    regroup = regrouper(by)
    totals: dict[tuple, int] = defaultdict(int)
    rows = sources.current().shift_visitors(
        flt.store_ids(), flt.period, flt.seller_id(), group_fields(by)
    )
    for row in rows:
        totals[regroup(row)] += row["visitors"]
    return totals


def checklists_in(flt: ReportFilter) -> QuerySet[Checklist]:
    rows = Checklist.objects.filter(
        store_id__in=flt.store_ids(), day__gte=flt.period.start, day__lte=flt.period.end
    )
    seller_id = flt.seller_id()
    return rows if seller_id is None else rows.filter(seller_id=seller_id)


def _compliance_by(flt: ReportFilter, by: str) -> dict[tuple, tuple[float | None, int]]:
    """(compliance, checklists) per group: Σ earned / Σ possible, pooled over checklists."""
    return {
        key: (ratio(row["checklist_earned"], row["checklist_possible"]), row["checklists"])
        for key, row in service_figures(flt, by, RANKING_FIGURES).items()
        if row["checklists"]
    }


def failures_report(flt: ReportFilter, by: str | None = None) -> dict[str, Any]:
    """Every consultation of the filter with its outcome, oldest first, and the failures by
    local hour and weekday (0 = Monday)."""
    if by is not None:
        raise ValueError("the failures report lists consultations; it has no grouping")
    rows, by_hour, by_weekday = [], defaultdict(lambda: [0, 0]), defaultdict(lambda: [0, 0])
    consultations = (
        consultations_in(flt)
        .select_related("store", "seller", "receipt")
        .order_by("started_at", "pk")
    )
    for c in consultations:
        rows.append(failure_row(c))
        for bucket in (by_hour[c.hour], by_weekday[c.day.weekday()]):
            bucket[0] += 1
            bucket[1] += c.converted is False
    return {
        "report": "failures",
        **_period(flt),
        "rows": rows,
        "by_hour": [_share("hour", h, *by_hour[h]) for h in sorted(by_hour)],
        "by_weekday": [_share("weekday", d, *by_weekday[d]) for d in range(WEEKDAYS)],
    }


def failure_row(c: Consultation) -> dict[str, Any]:
    receipt = c.receipt
    return {
        "consultation": c.code,
        "seller": c.seller.code,
        "store": c.store.code,
        "started_at": _local(c.started_at, c.store),
        "converted": c.converted,
        "receipt": (
            f"{receipt.fiscal_drive_number}/{receipt.fiscal_document_number}" if receipt else None
        ),
        "queued_for_review": c.queued_for_review,
    }


def _local(moment: datetime, store) -> str:
    return moment.astimezone(store.tz).isoformat()


def _share(name: str, key: int, consultations: int, failed: int) -> dict[str, Any]:
    return {
        name: key,
        "consultations": consultations,
        "failed_consultations": failed,
        "failure_share": ratio(failed, consultations),
    }


def compliance_report(flt: ReportFilter, by: str | None = None) -> dict[str, Any]:
    """% compliance per group (default: store), per factor and per item, and the items most
    often failed on failed consultations compared with converted ones (typical errors)."""
    by = by or "store"
    _check_grouping(by)
    rows = [
        {by: _key_text(key[0]), "compliance": value, "checklists": n}
        for key, (value, n) in sorted(_compliance_by(flt, by).items(), key=lambda kv: str(kv[0][0]))
    ]
    answers = ChecklistAnswer.objects.filter(checklist__in=checklists_in(flt), possible__gt=0)
    matched(flt)  # the typical errors' outcomes
    per_item = (
        answers.values(code=F("item__code"), factor=F("item__factor"))
        .annotate(
            earned_sum=Sum("earned"),
            possible_sum=Sum("possible"),
            answered=Count("pk"),
            failed=Count("pk", filter=Q(earned__lt=F("possible"))),
        )
        .order_by("factor", "code")
    )
    factors: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    items = []
    for row in per_item:
        factors[row["factor"]][0] += row["earned_sum"]
        factors[row["factor"]][1] += row["possible_sum"]
        items.append(
            {
                "item": row["code"],
                "factor": row["factor"],
                "compliance": ratio(row["earned_sum"], row["possible_sum"]),
                "answered": row["answered"],
                "failed": row["failed"],
            }
        )
    return {
        "report": "compliance",
        **_period(flt),
        "by": by,
        "rows": rows,
        "factors": [
            {"factor": f, "compliance": ratio(e, p)} for f, (e, p) in sorted(factors.items())
        ],
        "items": items,
        "typical_errors": _typical_errors(answers),
    }


def _typical_errors(answers: QuerySet[ChecklistAnswer]) -> list[dict[str, Any]]:
    """Per item: the share failed on checklists of failed consultations and of converted
    ones; the items with the largest gap first — what sellers skip when the sale is lost."""
    counts: dict[str, dict[bool, list[int]]] = defaultdict(lambda: {True: [0, 0], False: [0, 0]})
    for row in (
        answers.filter(checklist__consultation__converted__isnull=False)
        .values(code=F("item__code"), converted=F("checklist__consultation__converted"))
        .annotate(n=Count("pk"), failed=Count("pk", filter=Q(earned__lt=F("possible"))))
        .order_by()
    ):
        counts[row["code"]][row["converted"]] = [row["n"], row["failed"]]
    errors = []
    for code, by_outcome in counts.items():
        on_failed = ratio(by_outcome[False][1], by_outcome[False][0])
        on_converted = ratio(by_outcome[True][1], by_outcome[True][0])
        both = on_failed is not None and on_converted is not None
        errors.append(
            {
                "item": code,
                "failed_on_failed": on_failed,
                "failed_on_converted": on_converted,
                "gap": on_failed - on_converted if both else None,
                "n_failed": by_outcome[False][0],
                "n_converted": by_outcome[True][0],
            }
        )
    return sorted(errors, key=lambda e: -(e["gap"] if e["gap"] is not None else -1))
