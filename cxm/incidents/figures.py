"""How the stores handle dissatisfaction (the seed's «адекватная реакция на недовольство и
возвращение недовольных покупателей»): unhappy-customer incidents opened in a period, how
many were resolved by their deadline and how many customers came back."""

from datetime import datetime, time, timedelta
from typing import Any

from django.db.models import Count, F, Q
from django.utils import timezone

from cxm.incidents.models import Incident, Outcome, RuleKind, Status
from cxm.metrics.kpi import ratio
from cxm.reports.filters import ReportFilter

# Incidents that stand for an unhappy customer (not a silent device or a KPI below target).
UNHAPPY_KINDS = (RuleKind.DETRACTOR, RuleKind.PRESS_BURST)
_RESOLVED = (Status.RESOLVED, Status.VERIFIED)


def handling_by_store(flt: ReportFilter) -> dict[str, dict[str, Any]]:
    """Per store code: unhappy-customer incidents opened in the period (days in the chain's
    time zone), those resolved by their deadline, those with a call-back outcome and those
    whose customer came back (outcome `returned`), with the shares."""
    start = timezone.make_aware(datetime.combine(flt.period.start, time.min))
    end = timezone.make_aware(datetime.combine(flt.period.end + timedelta(days=1), time.min))
    counted = (
        Incident.objects.filter(
            store_id__in=flt.store_ids(),
            rule__kind__in=UNHAPPY_KINDS,
            opened_at__gte=start,
            opened_at__lt=end,
        )
        .values("store__code")
        .annotate(
            unhappy=Count("pk"),
            resolved_in_time=Count(
                "pk", filter=Q(status__in=_RESOLVED, closed_at__lte=F("due_at"))
            ),
            called_back=Count("pk", filter=~Q(outcome="")),
            won_back=Count("pk", filter=Q(outcome=Outcome.RETURNED)),
        )
        .order_by()
    )
    return {row.pop("store__code"): handling_figures(row) for row in counted}


def handling_figures(counts: dict[str, int]) -> dict[str, Any]:
    """The counts with the shares: resolved by the deadline, and won back — of the unhappy
    customers, those who came back; unknown where no call-back outcome is recorded at all."""
    won_back = ratio(counts["won_back"], counts["unhappy"]) if counts["called_back"] else None
    return {
        **counts,
        "resolved_in_time_share": ratio(counts["resolved_in_time"], counts["unhappy"]),
        "won_back_share": won_back,
    }
