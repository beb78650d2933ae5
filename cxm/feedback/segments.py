"""Segments by receipt composition — receipt value (ABC), main category, basket depth — with
NPS, ИЭЛ and consultation conversion per segment. An answer is tied to its receipt; a terminal
press to the receipt it follows at its till (`tie_to_receipts`); a consultation to the receipt
the failure matching found for it (cxm.staff.matching). Visitor counts are tied to no receipt,
so the visitors' conversion has no segment figure."""

from typing import Any

import numpy as np
import pandas as pd

from cxm.feedback.models import NEGATIVE_BUTTONS, POSITIVE_BUTTONS, Press, SurveyResponse
from cxm.feedback.reports import nps_figures, setup_of
from cxm.metrics.satisfaction import emotional_loyalty_index, share
from cxm.metrics.segments import abc_classes, basket_depth, tie_to_receipts
from cxm.reports.filters import ReportFilter
from cxm.sales.default_category_rules import (
    LAPTOP_ACCESSORIES,
    PHONE_ACCESSORIES,
    SERVICES,
    TV_ACCESSORIES,
)
from cxm.sales.models import OperationType, Receipt, ReceiptItem
from cxm.staff.reports import consultations_in

# What a seller adds to the main purchase: accessories and services.
ADDON_CATEGORIES = frozenset({PHONE_ACCESSORIES, TV_ACCESSORIES, LAPTOP_ACCESSORIES, SERVICES})
CUTS = ("value", "category", "depth")
# A customer presses the till's terminal right after paying (docs/feedback.md): a press later
# than this after the last receipt follows none.
PRESS_FOLLOWS_WITHIN = pd.Timedelta(minutes=3)
COUNTS = ("promoters", "passives", "detractors", "declined", "positive", "negative", "converted")


def segments_report(flt: ReportFilter, by: str | None = None) -> dict[str, Any]:
    if by is not None:
        raise ValueError("segments come in three fixed cuts (value, category, depth), not by group")
    receipts = receipt_segments(flt)
    presses = _tied_presses(flt)
    tied = presses.dropna(subset=["receipt"]).astype({"receipt": np.int64})
    receipts = receipts.join(tied.groupby("receipt")[["positive", "negative"]].sum(), "receipt")
    consultations = consultations_in(flt).filter(converted__isnull=False)
    converted = pd.Series(
        consultations.filter(receipt__isnull=False).values_list("receipt_id", flat=True),
        dtype=np.int64,
    )
    receipts = receipts.join(converted.value_counts().rename("converted"), "receipt")
    receipts[list(COUNTS)] = receipts[list(COUNTS)].fillna(0).astype(np.int64)
    with_outcome = consultations.count()
    min_n = setup_of(flt).min_responses
    rows = []
    for cut in CUTS:
        for segment, part in receipts.groupby(cut, sort=True):
            counts = {name: int(part[name].sum()) for name in COUNTS}
            rows.append(
                {
                    "cut": cut,
                    "segment": segment,
                    "revenue_share": float(part["total"].sum() / receipts["total"].sum()),
                    **nps_figures(counts, len(part), min_n),
                    "positive": counts["positive"],
                    "negative": counts["negative"],
                    "iel": emotional_loyalty_index(
                        counts["positive"], counts["negative"], len(part)
                    ),
                    "converted_consultations": counts["converted"],
                    "conversion": share(counts["converted"], with_outcome),
                }
            )
    return {
        "report": "segments",
        "from": flt.period.start.isoformat(),
        "to": flt.period.end.isoformat(),
        "min_n": min_n,
        # Counted presses, and those that follow a sale receipt (the others are in no segment).
        "presses": len(presses),
        "presses_tied": len(tied),
        # Consultations with an outcome: the denominator of each segment's conversion.
        "consultations": with_outcome,
        "rows": rows,
    }


def _window(flt: ReportFilter) -> dict[str, Any]:
    return {
        "store_id__in": flt.store_ids(),
        "day__gte": flt.period.start,
        "day__lte": flt.period.end,
    }


def _tied_presses(flt: ReportFilter) -> pd.DataFrame:
    """Counted positive and negative presses (repeats count nowhere), each with the receipt it
    follows — among all the store's receipts, so that a chosen seller gets only the presses
    after their own sales."""
    buttons = [*POSITIVE_BUTTONS, *NEGATIVE_BUTTONS]
    presses = pd.DataFrame(
        Press.objects.filter(**_window(flt), repeat=False, button__in=buttons).values_list(
            "store_id", "terminal", "at", "button"
        ),
        columns=["store", "terminal", "at", "button"],
    )
    receipts = pd.DataFrame(
        Receipt.objects.filter(**_window(flt), operation_type=OperationType.SALE).values_list(
            "pk", "store_id", "kkt_reg_id", "at"
        ),
        columns=["receipt", "store", "till", "at"],
    )
    tills = set(zip(receipts["store"], receipts["till"], strict=True))
    presses["till"] = [
        terminal if (store, terminal) in tills else None
        for store, terminal in zip(presses["store"], presses["terminal"], strict=True)
    ]
    presses["receipt"] = tie_to_receipts(presses, receipts, PRESS_FOLLOWS_WITHIN)
    presses["positive"] = presses["button"].isin(POSITIVE_BUTTONS).astype(np.int64)
    presses["negative"] = presses["button"].isin(NEGATIVE_BUTTONS).astype(np.int64)
    return presses


def receipt_segments(flt: ReportFilter) -> pd.DataFrame:
    """One row per sale receipt: total, segment of each cut, and its answer's NPS group."""
    window = {**_window(flt), "operation_type": OperationType.SALE}
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
