"""`emotions`: Smile-Index of sellers and customer happiness per seller, store, hour, day …
The CLI, the API and the pages build it through cxm.reports.registry."""

from collections import defaultdict
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from cxm.emotions.models import EmotionObservation, Subject
from cxm.metrics.smiles import SmileFigures
from cxm.reports.filters import ReportFilter
from cxm.reports.sales import group_fields, key_row, parts_of, regrouper
from cxm.speech.reports import grouping


def emotions_report(flt: ReportFilter, by: str | None = None) -> dict[str, Any]:
    by = grouping(by, "seller")
    rows = EmotionObservation.objects.filter(
        store_id__in=flt.store_ids(), day__gte=flt.period.start, day__lte=flt.period.end
    )
    seller_id = flt.seller_id()
    if seller_id is not None:
        rows = rows.filter(seller_id=seller_id)
    groups: dict[tuple, SmileFigures] = defaultdict(SmileFigures)
    counted = (
        rows.values(*group_fields(by), "subject")
        .annotate(n=Count("pk"), smiling=Count("pk", filter=Q(smiling=True)))
        .order_by()
    )
    regroup = regrouper(by)
    for row in counted:
        key = regroup(row)
        if "seller" in parts_of(by) and key[0] is None:
            continue  # customers seen with no seller named belong to no seller's index
        figures = groups[key]
        if row["subject"] == Subject.SELLER:
            figures.seller_observations += row["n"]
            figures.seller_smiles += row["smiling"]
        else:
            figures.customer_observations += row["n"]
            figures.customer_happy += row["smiling"]
    ordered = sorted(groups, key=lambda key: [str(value) for value in key])
    return {
        "report": "emotions",
        "from": flt.period.start.isoformat(),
        "to": flt.period.end.isoformat(),
        "by": by,
        "rows": [{**key_row(by, key), **groups[key].as_row()} for key in ordered],
    }


def register_series() -> None:
    """Smile-Index and customer happiness as series of the correlation workbench."""
    from cxm.analytics.series import SERIES, Series

    def rows(flt: ReportFilter, by: str) -> list[dict[str, Any]]:
        return emotions_report(flt, by)["rows"]

    SERIES["smile_index"] = Series("smile_index", _("Smile-Index"), rows)
    SERIES["customer_happiness"] = Series("customer_happiness", _("Customer happiness"), rows)
