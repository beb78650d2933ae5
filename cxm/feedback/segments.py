"""Segments by receipt composition — receipt value (ABC), main category, basket depth — with
NPS per segment. Only possible because an answer is tied to its receipt; presses and visitor
counts are not, so ИЭЛ and conversion have no segment figures."""

from typing import Any

import numpy as np
import pandas as pd

from cxm.feedback.models import SurveyResponse
from cxm.feedback.reports import nps_figures, setup_of
from cxm.metrics.segments import abc_classes, basket_depth
from cxm.reports.filters import ReportFilter
from cxm.sales.default_category_rules import (
    LAPTOP_ACCESSORIES,
    PHONE_ACCESSORIES,
    SERVICES,
    TV_ACCESSORIES,
)
from cxm.sales.models import OperationType, Receipt, ReceiptItem

# What a seller adds to the main purchase: accessories and services.
ADDON_CATEGORIES = frozenset({PHONE_ACCESSORIES, TV_ACCESSORIES, LAPTOP_ACCESSORIES, SERVICES})
CUTS = ("value", "category", "depth")


def segments_report(flt: ReportFilter, by: str | None = None) -> dict[str, Any]:
    if by is not None:
        raise ValueError("segments come in three fixed cuts (value, category, depth), not by group")
    receipts = _receipts(flt)
    min_n = setup_of(flt).min_responses
    rows = []
    for cut in CUTS:
        for segment, part in receipts.groupby(cut, sort=True):
            counts = {
                name: int(part[name].sum())
                for name in ("promoters", "passives", "detractors", "declined")
            }
            rows.append(
                {
                    "cut": cut,
                    "segment": segment,
                    "revenue_share": float(part["total"].sum() / receipts["total"].sum()),
                    **nps_figures(counts, len(part), min_n),
                }
            )
    return {
        "report": "segments",
        "from": flt.period.start.isoformat(),
        "to": flt.period.end.isoformat(),
        "min_n": min_n,
        "rows": rows,
    }


def _receipts(flt: ReportFilter) -> pd.DataFrame:
    """One row per sale receipt: total, segment of each cut, and its answer's NPS group."""
    window = {
        "store_id__in": flt.store_ids(),
        "day__gte": flt.period.start,
        "day__lte": flt.period.end,
        "operation_type": OperationType.SALE,
    }
    seller_id = flt.seller_id()
    if seller_id is not None:
        window["seller_id"] = seller_id
    sales = pd.DataFrame(
        Receipt.objects.filter(**window).values_list("pk", "total", "units"),
        columns=["receipt", "total", "units"],
    )
    lines = pd.DataFrame(
        ReceiptItem.objects.filter(**{f"receipt__{k}": v for k, v in window.items()}).values_list(
            "receipt_id", "category__name", "sum"
        ),
        columns=["receipt", "category", "sum"],
    )
    answers = pd.DataFrame(
        SurveyResponse.objects.filter(
            **{f"receipt__{k}": v for k, v in window.items()}
        ).values_list("receipt_id", "declined", "nps"),
        columns=["receipt", "declined", "nps"],
    )
    if sales.empty:
        return sales.assign(
            **{c: [] for c in (*CUTS, "promoters", "passives", "detractors", "declined")}
        )
    lines["category"] = lines["category"].fillna("—")
    main = lines.sort_values("sum", ascending=False).drop_duplicates("receipt")
    per_receipt = lines.groupby("receipt").agg(
        lines=("sum", "size"), addons=("category", lambda c: c.isin(ADDON_CATEGORIES).any())
    )
    sales = sales.join(per_receipt, on="receipt").join(
        main.set_index("receipt")["category"], on="receipt"
    )
    sales["value"] = abc_classes(sales["total"].to_numpy())
    sales["depth"] = [
        basket_depth(int(n), float(u), bool(a))
        for n, u, a in zip(sales["lines"], sales["units"], sales["addons"], strict=True)
    ]
    answered = pd.DataFrame(
        {
            "receipt": answers["receipt"],
            "promoters": (answers["nps"] >= 9).astype(np.int64),
            "passives": answers["nps"].between(7, 8).astype(np.int64),
            "detractors": (answers["nps"] <= 6).astype(np.int64),  # a decline has no score
            "declined": answers["declined"].astype(np.int64),
        }
    )
    sales = sales.merge(answered, on="receipt", how="left")
    for name in ("promoters", "passives", "detractors", "declined"):
        sales[name] = sales[name].fillna(0).astype(np.int64)
    return sales
