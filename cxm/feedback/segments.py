"""Segments by receipt composition — receipt value (ABC), main category, basket depth — with
NPS, ИЭЛ and conversion per segment. An answer is tied to its receipt; a terminal press to the
receipt it follows at its till (`tie_to_receipts`); a consultation to the receipt the failure
matching found for it (cxm.staff.matching). Visitor counts are tied to no receipt, so the
visitors' conversion has no segment figure.

The figures are summed from the segment rollup (cxm.rollups.voice: per store-day, value
band and segment); from the facts when the reports read raw facts (the rollup's reference)
or one seller is chosen (a seller's receipts are few, and the rollup has no seller)."""

from typing import Any

import numpy as np
import pandas as pd
from django.db.models import Sum

from cxm.feedback.composition import TALLIES, receipt_frame, segment_sums
from cxm.feedback.reports import nps_figures, setup_of, voice_days_summed
from cxm.metrics.satisfaction import emotional_loyalty_index, share
from cxm.metrics.segments import abc_classes, boundary_share
from cxm.reports.filters import ReportFilter
from cxm.reports.service import service_figures
from cxm.rollups import sources
from cxm.rollups.models import SegmentDay
from cxm.staff.matching import matched

CUTS = ("value", "category", "depth")
_SUMMED = ("receipts", "revenue", *TALLIES)
_OUTCOMES = ("converted_consultations", "failed_consultations")
_PRESSES = ("positive_presses", "negative_presses")


def segments_report(flt: ReportFilter, by: str | None = None) -> dict[str, Any]:
    if by is not None:
        raise ValueError("segments come in three fixed cuts (value, category, depth), not by group")
    matched(flt)  # conversions as of now
    from_facts = sources.current() is sources.RAW_FACTS or flt.seller_id() is not None
    sums = _from_facts(flt) if from_facts else _from_rollup(flt)
    service = service_figures(flt, None, (*_OUTCOMES, *_PRESSES)).get((), {})
    with_outcome = sum(service.get(name, 0) for name in _OUTCOMES)
    min_n = setup_of(flt).min_responses
    value = sums[sums["cut"] == "value"]
    rows = [
        _row(cut, segment, part, value["revenue"].sum(), with_outcome, min_n)
        for cut in CUTS
        for segment, part in _classed(sums, cut).groupby("segment", sort=True)
    ]
    return {
        "report": "segments",
        "from": flt.period.start.isoformat(),
        "to": flt.period.end.isoformat(),
        "min_n": min_n,
        # Counted presses, and those that follow a sale receipt (the others are in no segment).
        "presses": sum(service.get(name, 0) for name in _PRESSES),
        "presses_tied": int(value["positive"].sum() + value["negative"].sum()),
        # Consultations with an outcome: the denominator of each segment's conversion.
        "consultations": with_outcome,
        # Receipts are classed A/B/C by value band: at most this share of revenue lies in the
        # bands a cut falls inside, and may sit one class off its per-receipt class.
        "value_boundary_share": boundary_share(value["band"], value["revenue"]),
        "rows": rows,
    }


def _from_facts(flt: ReportFilter) -> pd.DataFrame:
    return segment_sums(_receipts(flt))


def _receipts(flt: ReportFilter) -> pd.DataFrame:
    """The filter's sale receipts (its seller's, if one is chosen), each tied to what was said
    among all the store-day's receipts."""
    period = flt.period
    window = {"store_id__in": flt.store_ids(), "day__gte": period.start, "day__lte": period.end}
    frame = receipt_frame(window)
    seller_id = flt.seller_id()
    return frame if seller_id is None else frame[frame["seller"] == seller_id]


def _from_rollup(flt: ReportFilter) -> pd.DataFrame:
    store_ids, period = flt.store_ids(), flt.period
    voice_days_summed(flt)
    rows = (
        SegmentDay.objects.filter(
            store_id__in=store_ids, day__gte=period.start, day__lte=period.end
        )
        .values("cut", "segment", "band")
        .annotate(**{name: Sum(name) for name in _SUMMED})
        .order_by()
    )
    sums = pd.DataFrame(list(rows), columns=["cut", "segment", "band", *_SUMMED])
    # PostgreSQL sums big integers as numerics.
    return sums.astype({name: np.int64 for name in ("band", *_SUMMED)})


def _classed(sums: pd.DataFrame, cut: str) -> pd.DataFrame:
    """The cut's rows, the value cut's bands named by their ABC class."""
    part = sums[sums["cut"] == cut]
    if cut != "value":
        return part
    return part.assign(segment=abc_classes(part["band"].to_numpy(), part["revenue"].to_numpy()))


def _row(
    cut: str, segment: str, part: pd.DataFrame, revenue: int, with_outcome: int, min_n: int
) -> dict[str, Any]:
    counts = {name: int(part[name].sum()) for name in _SUMMED}
    return {
        "cut": cut,
        "segment": segment,
        "revenue_share": share(counts["revenue"], int(revenue)),
        **nps_figures(counts, counts["receipts"], min_n),
        "positive": counts["positive"],
        "negative": counts["negative"],
        "iel": emotional_loyalty_index(counts["positive"], counts["negative"], counts["receipts"]),
        "converted_consultations": counts["converted"],
        "conversion": share(counts["converted"], with_outcome),
    }


def receipt_segments(flt: ReportFilter) -> pd.DataFrame:
    """One row per sale receipt of the filter (its seller's, if one is chosen) with its value
    class, category, depth and TALLIES, from the facts: the report's rows per receipt."""
    frame = _receipts(flt)
    bands = frame.groupby("band")["total"].sum()
    classes = dict(
        zip(bands.index, abc_classes(bands.index.to_numpy(), bands.to_numpy()), strict=True)
    )
    return frame.assign(value=frame["band"].map(classes))
