"""Each sale receipt's segments by composition — value band, main category, basket depth —
and what its customer said: the answer tied to it, the terminal presses that follow it, the
consultations that ended in it. The segments report sums these over its period from the
facts; the segment rollup sums them per store-day (cxm.rollups.voice). Every tie stays
within the receipt's store-day, so both sums agree."""

from typing import Any

import numpy as np
import pandas as pd

from cxm.feedback.models import NEGATIVE_BUTTONS, POSITIVE_BUTTONS, Press, SurveyResponse
from cxm.metrics.segments import basket_depth, tie_to_receipts, value_bands
from cxm.sales.default_category_rules import (
    LAPTOP_ACCESSORIES,
    PHONE_ACCESSORIES,
    SERVICES,
    TV_ACCESSORIES,
)
from cxm.sales.models import OperationType, Receipt, ReceiptItem
from cxm.staff.models import Consultation

# What a seller adds to the main purchase: accessories and services.
ADDON_CATEGORIES = frozenset({PHONE_ACCESSORIES, TV_ACCESSORIES, LAPTOP_ACCESSORIES, SERVICES})
# A customer presses the till's terminal right after paying (docs/feedback.md): a press later
# than this after the last receipt follows none.
PRESS_FOLLOWS_WITHIN = pd.Timedelta(minutes=3)
ANSWERS = ("promoters", "passives", "detractors", "declined")
TALLIES = (*ANSWERS, "positive", "negative", "converted")
NO_CATEGORY = "—"
_COLUMNS = ("receipt", "store", "day", "seller", "total", "band", "category", "depth", *TALLIES)


def receipt_frame(window: dict[str, Any], keys: set | None = None) -> pd.DataFrame:
    """One row per sale receipt whose store and day the `window` (queryset filters on
    store_id and day) selects — of exactly these (store id, day) `keys` when given: receipt,
    store, day, seller, total, band, category (None without lines), depth and TALLIES."""
    sales = _frame(
        Receipt.objects.filter(**window, operation_type=OperationType.SALE),
        receipt="pk",
        store="store_id",
        day="day",
        seller="seller_id",
        till="kkt_reg_id",
        at="at",
        total="total",
        units="units",
    )
    if keys is not None:
        sales = sales[[key in keys for key in zip(sales["store"], sales["day"], strict=True)]]
    if sales.empty:
        return pd.DataFrame(columns=list(_COLUMNS))
    tied = {f"receipt__{name}": value for name, value in window.items()}
    tied["receipt__operation_type"] = OperationType.SALE
    sales = sales.join(_composition(tied), on="receipt")
    sales["lines"] = sales["lines"].fillna(0).astype(np.int64)
    sales["addons"] = sales["addons"].astype("boolean").fillna(False).astype(bool)
    sales["total"] = sales["total"].astype(np.int64)
    sales["band"] = value_bands(sales["total"].to_numpy())
    sales["depth"] = basket_depth(
        sales["lines"].to_numpy(), sales["units"].astype(float).to_numpy(), sales["addons"]
    )
    sales = sales.join(_answers(tied), on="receipt").join(_presses(window, sales), on="receipt")
    converted = Consultation.objects.filter(**tied, converted__isnull=False)
    counted = _frame(converted, receipt="receipt_id")["receipt"].value_counts()
    sales = sales.join(counted.rename("converted"), on="receipt")
    sales[list(TALLIES)] = sales[list(TALLIES)].fillna(0).astype(np.int64)
    return sales[list(_COLUMNS)].reset_index(drop=True)


def _frame(queryset, **columns: str) -> pd.DataFrame:
    return pd.DataFrame(
        list(queryset.values_list(*columns.values()).order_by()), columns=list(columns)
    )


def _composition(tied: dict[str, Any]) -> pd.DataFrame:
    """Per receipt: its number of lines, whether one is an add-on, and its main category —
    that of its largest line, the first recorded of equal ones."""
    lines = _frame(
        ReceiptItem.objects.filter(**tied),
        receipt="receipt_id",
        line="pk",
        category="category__name",
        sum="sum",
    )
    lines["category"] = lines["category"].fillna(NO_CATEGORY)
    lines["addon"] = lines["category"].isin(ADDON_CATEGORIES)
    lines["sum"] = lines["sum"].astype(float)
    main = lines.sort_values(["sum", "line"], ascending=[False, True], kind="stable")
    main = main.drop_duplicates("receipt").set_index("receipt")["category"]
    counted = lines.groupby("receipt").agg(lines=("line", "size"), addons=("addon", "any"))
    return counted.join(main)


def _answers(tied: dict[str, Any]) -> pd.DataFrame:
    """The receipt's answer (one at most) as promoter, passive, detractor or decline."""
    answers = _frame(
        SurveyResponse.objects.filter(**tied), receipt="receipt_id", declined="declined", nps="nps"
    )
    scores = answers["nps"].astype(float)
    return pd.DataFrame(
        {
            "promoters": (scores >= 9).astype(np.int64),
            "passives": scores.between(7, 8).astype(np.int64),
            "detractors": (scores <= 6).astype(np.int64),  # a decline has no score
            "declined": answers["declined"].astype(np.int64),
        }
    ).set_index(answers["receipt"])


def _presses(window: dict[str, Any], sales: pd.DataFrame) -> pd.DataFrame:
    """Counted positive and negative presses (repeats count nowhere) per receipt they follow,
    among all the store-day's sale receipts of any seller."""
    presses = _frame(
        Press.objects.filter(
            **window, repeat=False, button__in=[*POSITIVE_BUTTONS, *NEGATIVE_BUTTONS]
        ),
        store="store_id",
        day="day",
        terminal="terminal",
        at="at",
        button="button",
    )
    tills = set(zip(sales["store"], sales["day"], sales["till"], strict=True))
    presses["till"] = [
        terminal if key in tills else None
        for key, terminal in zip(
            zip(presses["store"], presses["day"], presses["terminal"], strict=True),
            presses["terminal"],
            strict=True,
        )
    ]
    presses["receipt"] = tie_to_receipts(
        presses, sales[["receipt", "store", "day", "till", "at"]], PRESS_FOLLOWS_WITHIN
    )
    presses = presses.dropna(subset=["receipt"]).astype({"receipt": np.int64})
    presses["positive"] = presses["button"].isin(POSITIVE_BUTTONS).astype(np.int64)
    presses["negative"] = presses["button"].isin(NEGATIVE_BUTTONS).astype(np.int64)
    return presses.groupby("receipt")[["positive", "negative"]].sum()


def segment_sums(frame: pd.DataFrame, keys: tuple[str, ...] = ()) -> pd.DataFrame:
    """Receipts, revenue and TALLIES per (keys…, cut, segment, band): the value cut per band
    (segment empty), the category and depth cuts per segment (band 0). Receipts without lines
    have no main category: they are in no category row."""
    measures = {"receipts": ("total", "size"), "revenue": ("total", "sum")}
    measures.update({name: (name, "sum") for name in TALLIES})
    parts = []
    for cut, column in (("value", "band"), ("category", "category"), ("depth", "depth")):
        summed = frame.groupby([*keys, column], sort=False, dropna=True).agg(**measures)
        summed = summed.reset_index().rename(
            columns={column: "segment" if cut != "value" else "band"}
        )
        summed["cut"] = cut
        summed["band" if cut != "value" else "segment"] = 0 if cut != "value" else ""
        parts.append(summed)
    columns = [*keys, "cut", "segment", "band", "receipts", "revenue", *TALLIES]
    return pd.concat(parts, ignore_index=True)[columns]
