"""Customer-voice reports — `nps`, `iel`, `csi` — for chain, region, store, seller and period,
grouped like every other report. The CLI, the API and the pages build them here."""

from collections import defaultdict
from dataclasses import fields
from typing import Any

from django.db.models import Count, Q, Sum

from cxm.feedback.banks import QUESTIONS
from cxm.feedback.importers import setup_for
from cxm.feedback.models import (
    FeedbackSetup,
    Press,
    ReviewClick,
    SurveyResponse,
)
from cxm.metrics.nps import (
    NpsCounts,
    adjusted_wald_interval,
    compare_nps,
    net_promoter_score,
    nps_with_declines,
)
from cxm.metrics.periods import previous_period
from cxm.metrics.representativeness import (
    SellerVoice,
    hour_spread_p_value,
    selective_sellers,
    verdict,
)
from cxm.metrics.satisfaction import (
    FactorSums,
    emotional_loyalty_index,
    satisfaction_index,
    share,
)
from cxm.org.models import Store
from cxm.reports.filters import ReportFilter
from cxm.reports.sales import group_fields, key_row, regrouper, sales_figures
from cxm.reports.service import service_figures
from cxm.rollups import sources
from cxm.rollups.models import FactorDay, ReasonDay
from cxm.rollups.sources import survey_answer_measures
from cxm.rollups.voice import factor_sums_of, reasons_of, refresh_voice_days

_SURVEY_COUNTS = ("promoters", "passives", "detractors", "declined")


def setup_of(flt: ReportFilter) -> FeedbackSetup:
    """The feedback setup of the chain the filter looks at (defaults for an empty scope)."""
    store = Store.objects.filter(pk__in=flt.scope.store_ids).select_related("chain").first()
    return setup_for(store.chain) if store else FeedbackSetup()


def _window(model, flt: ReportFilter):
    rows = model.objects.filter(
        store_id__in=flt.store_ids(), day__gte=flt.period.start, day__lte=flt.period.end
    )
    seller_id = flt.seller_id()
    return rows if seller_id is None else rows.filter(seller_id=seller_id)


def _grouped(queryset, by: str | None, aggregates: dict) -> dict[tuple, dict[str, int]]:
    """Aggregates per group key, week and month bucketed from days as the sales reports do;
    the whole selection is the key `()`."""
    if by is None:
        return {(): queryset.aggregate(**aggregates)}
    regroup = regrouper(by)
    totals: dict[tuple, dict[str, int]] = defaultdict(lambda: dict.fromkeys(aggregates, 0))
    values = queryset.values(*group_fields(by)).annotate(**aggregates)
    for row in values.order_by():
        acc = totals[regroup(row)]
        for name in aggregates:
            acc[name] += row[name]
    return totals


def _receipts(flt: ReportFilter, by: str | None) -> dict[tuple, int]:
    return {key: figures.receipts for key, figures in sales_figures(flt, by).items()}


def _sort_key(key: tuple) -> tuple:
    return tuple((value is None, str(value) if value is not None else "") for value in key)


def survey_counts(flt: ReportFilter, by: str | None) -> dict[tuple, dict[str, int]]:
    """Promoters, passives, detractors and declines per group (only groups with an answer),
    from the service rollup (cxm.reports.service) — the NPS page reads no survey answer."""
    counts = {
        key: {name: figures[name] for name in _SURVEY_COUNTS}
        for key, figures in service_figures(flt, by, _SURVEY_COUNTS).items()
    }
    if by is None:
        return counts
    return {key: row for key, row in counts.items() if any(row.values())}


def nps_figures(counts: dict[str, int], receipts: int, min_n: int) -> dict[str, Any]:
    """One row of NPS figures from promoter/passive/detractor/declined counts."""
    nps = NpsCounts(counts["promoters"], counts["passives"], counts["detractors"])
    interval = adjusted_wald_interval(nps)
    return {
        "responses": nps.respondents,
        "declined": counts["declined"],
        "promoters": nps.promoters,
        "passives": nps.passives,
        "detractors": nps.detractors,
        "nps": net_promoter_score(nps),
        "nps_ci_low": interval.low if interval else None,
        "nps_ci_high": interval.high if interval else None,
        "nps_with_declines": nps_with_declines(nps, counts["declined"]),
        "receipts": receipts,
        "response_coverage": share(nps.respondents + counts["declined"], receipts),
        # The minimum-n rule: below it the figure is shown flagged, never as a plain number.
        "min_n_met": nps.respondents >= min_n,
    }


def _counts_of(row: dict[str, Any]) -> NpsCounts:
    return NpsCounts(row["promoters"], row["passives"], row["detractors"])


def nps_report(flt: ReportFilter, by: str | None = None) -> dict[str, Any]:
    """NPS with its adjusted-Wald interval, NPS with declines and response coverage per group,
    the total, and the test against the previous period of the same length."""
    setup = setup_of(flt)
    min_n = setup.min_responses
    counts, receipts = survey_counts(flt, by), _receipts(flt, by)
    empty = dict.fromkeys(_SURVEY_COUNTS, 0)
    keys = set(counts) | set(receipts)
    rows = [
        {**key_row(by, k), **nps_figures(counts.get(k, empty), receipts.get(k, 0), min_n)}
        for k in sorted(keys, key=_sort_key)
    ]
    total = nps_figures(survey_counts(flt, None)[()], _receipts(flt, None)[()], min_n)
    base = previous_period(flt.period)
    before = nps_figures(
        survey_counts(flt.shifted(base), None)[()], _receipts(flt.shifted(base), None)[()], min_n
    )
    test = compare_nps(_counts_of(total), _counts_of(before))
    return {
        "report": "nps",
        "from": flt.period.start.isoformat(),
        "to": flt.period.end.isoformat(),
        "by": by,
        "min_n": min_n,
        "rows": rows,
        "total": total,
        "verdict": _verdict(flt, total, min_n, setup.min_coverage),
        "previous": {"from": base.start.isoformat(), "to": base.end.isoformat(), **before},
        "change": None
        if test is None
        else {
            "difference": test.difference,
            "standard_error": test.standard_error,
            "z": test.z,
            "p_value": test.p_value,
            "significant": test.significant,
        },
    }


def _tied_by_seller(flt: ReportFilter, tied) -> dict[str, dict[str, int]]:
    """Answers and declines tied to a receipt of the period, by that receipt's seller: what the
    selective-surveying test compares with the seller's receipts. Answers naming a seller but
    no receipt (a poster's), or a receipt from before the period, have no receipt among them —
    counted, they could outnumber the seller's receipts."""
    rows = (
        tied.filter(receipt__day__gte=flt.period.start, receipt__day__lte=flt.period.end)
        .exclude(receipt__seller__code=None)
        .values("receipt__seller__code")
        .annotate(**survey_answer_measures())
        .order_by()
    )
    return {row.pop("receipt__seller__code"): row for row in rows}


def _verdict(flt: ReportFilter, total: dict[str, Any], min_n: int, min_coverage: float) -> dict:
    """Can the total be trusted? Answers tied to receipts are compared with all receipts:
    by hour, and seller by seller (selective surveying)."""
    surveys = _window(SurveyResponse, flt)
    tied = surveys.filter(receipt__isnull=False)
    by_hour = tied.values("receipt__hour").annotate(n=Count("pk")).order_by()
    answered_hours = {row["receipt__hour"]: row["n"] for row in by_hour}
    receipt_hours = {key[0]: n for key, n in _receipts(flt, "hour").items()}
    selective: list[str] = []
    if flt.seller_id() is None:
        receipts = _receipts(flt, "seller")
        counts = _tied_by_seller(flt, tied)
        sellers = [
            SellerVoice(
                seller,
                receipts.get((seller,), 0),
                sum(row.values()),
                NpsCounts(row["promoters"], row["passives"], row["detractors"]),
            )
            for seller, row in counts.items()
        ]
        selective = selective_sellers(sellers)
    everyone = total["responses"] + total["declined"]
    hour_p = hour_spread_p_value(answered_hours, receipt_hours)
    result = verdict(
        responses=total["responses"],
        min_responses=min_n,
        coverage=total["response_coverage"],
        min_coverage=min_coverage,
        hour_p_value=hour_p,
        selective=selective,
        untied_share=share(everyone - tied.count(), everyone),
    )
    return {
        "trusted": result.trusted,
        "reasons": result.reasons,
        "selective_sellers": selective,
        "hour_p_value": hour_p,
    }


# The service rollup's press columns, by the names the ИЭЛ figures give them.
_PRESS_COUNTS = {
    "positive": "positive_presses",
    "negative": "negative_presses",
    "neutral": "neutral_presses",
    "repeat_presses": "repeat_presses",
}


def iel_figures(counts: dict[str, int], receipts: int, consultations: int) -> dict[str, Any]:
    return {
        **counts,
        "presses": counts["positive"] + counts["negative"] + counts["neutral"],
        "receipts": receipts,
        "iel": emotional_loyalty_index(counts["positive"], counts["negative"], receipts),
        "consultations": consultations,
        # Like-Index: likes (positive presses) per consultation — the staff's appeal.
        "like_index": share(counts["positive"], consultations),
    }


def _service_counts(flt: ReportFilter, by: str | None) -> dict[tuple, dict[str, int]]:
    """Presses (as _PRESS_COUNTS names them) and consultations per group, from the service
    rollup (cxm.reports.service) — the ИЭЛ reads no press."""
    figures = service_figures(flt, by, (*_PRESS_COUNTS.values(), "consultations"))
    return {
        key: {
            **{name: row[column] for name, column in _PRESS_COUNTS.items()},
            "consultations": row["consultations"],
        }
        for key, row in figures.items()
    }


def iel_report(flt: ReportFilter, by: str | None = None) -> dict[str, Any]:
    """ИЭЛ = 100·(positive − negative presses)/receipts in the same store, seller and time.
    Repeat presses (within the chain's interval on one terminal) count nowhere."""
    counts, receipts = _service_counts(flt, by), _receipts(flt, by)
    empty = dict.fromkeys((*_PRESS_COUNTS, "consultations"), 0)
    pressed = {key for key, row in counts.items() if any(row[name] for name in _PRESS_COUNTS)}
    rows = [
        {**key_row(by, k), **_iel_row(counts.get(k, empty), receipts.get(k, 0))}
        for k in sorted(pressed | set(receipts), key=_sort_key)
    ]
    total = _iel_row(_service_counts(flt, None).get((), empty), _receipts(flt, None)[()])
    return {
        "report": "iel",
        "from": flt.period.start.isoformat(),
        "to": flt.period.end.isoformat(),
        "by": by,
        "rows": rows,
        "total": total,
        # What went wrong, as answered after negative presses.
        "negative_reasons": _reasons(flt),
    }


def _reasons(flt: ReportFilter) -> dict[str, int]:
    """Counted presses per reason given: from the reason rollup, or counted from the presses
    when the reports read raw facts."""
    if sources.current() is sources.RAW_FACTS:
        counted = {reason: n for (reason,), n in reasons_of(_window(Press, flt)).items()}
    else:
        voice_days_summed(flt)
        summed = _window(ReasonDay, flt).values_list("reason").annotate(n=Sum("presses"))
        counted = dict(summed.order_by())
    return dict(sorted(counted.items()))


def csi_report(flt: ReportFilter) -> dict[str, Any]:
    """Top-2-box satisfaction per factor and the CSI, weighted by each factor's derived
    importance (its correlation with the recommend score): from each factor's sums, read from
    the factor rollup, or summed from the answers when the reports read raw facts."""
    if sources.current() is sources.RAW_FACTS:
        sums = factor_sums_of(_window(SurveyResponse, flt)).get((), {})
    else:
        sums = _rolled_factor_sums(flt)
    index = satisfaction_index(sums)
    rows = [
        {
            "factor": f.factor,
            "dimension": QUESTIONS[f.factor].dimension if f.factor in QUESTIONS else None,
            "question": QUESTIONS[f.factor].text if f.factor in QUESTIONS else f.factor,
            "answers": f.n,
            "csat": f.csat,
            "mean": f.mean,
            "importance": f.importance,
            "weight": f.weight,
        }
        for f in index.factors
    ]
    return {
        "report": "csi",
        "from": flt.period.start.isoformat(),
        "to": flt.period.end.isoformat(),
        "rows": rows,
        "csi": index.csi,
    }


def voice_days_summed(flt: ReportFilter) -> None:
    """The filter's stores' customer-voice rollups brought up to date: once a filter (a page
    reads the segments and the CSI)."""
    flt.remembered(
        ("voice days summed",), lambda: refresh_voice_days(flt.store_ids(), flt.period.start)
    )


def _rolled_factor_sums(flt: ReportFilter) -> dict[str, FactorSums]:
    store_ids, period = flt.store_ids(), flt.period
    voice_days_summed(flt)
    rows = FactorDay.objects.filter(
        store_id__in=store_ids, day__gte=period.start, day__lte=period.end
    )
    seller_id = flt.seller_id()
    if seller_id is not None:
        rows = rows.filter(seller_id=seller_id)
    summed = rows.values("factor").annotate(**{name: Sum(name) for name in _FACTOR_SUMS})
    return {
        row["factor"]: FactorSums(*(int(row[name]) for name in _FACTOR_SUMS))
        for row in summed.order_by()
    }


_FACTOR_SUMS = [f.name for f in fields(FactorSums)]


def _iel_row(counts: dict[str, int], receipts: int) -> dict[str, Any]:
    presses = {name: counts[name] for name in _PRESS_COUNTS}
    return iel_figures(presses, receipts, counts["consultations"])


REVIEW_GROUPINGS = (None, "store", "region", "day", "week", "month")
_INVITED = {"invitations": Count("pk"), "promoter_invitations": Count("pk", filter=Q(nps__gte=9))}
_CLICKS = {"clicks": Count("pk"), "promoter_clicks": Count("pk", filter=Q(promoter=True))}


def _review_figures(flt: ReportFilter, by: str | None) -> dict[tuple, dict[str, Any]]:
    invited = _grouped(_window(SurveyResponse, flt).filter(review_invited=True), by, _INVITED)
    clicks = ReviewClick.objects.filter(
        store_id__in=flt.store_ids(), day__gte=flt.period.start, day__lte=flt.period.end
    )
    # A click is the store's: one seller's figures have invitations but no clicks.
    clicked = _grouped(clicks, by, _CLICKS) if flt.seller_id() is None else {}
    unknown = dict.fromkeys(_CLICKS, 0 if flt.seller_id() is None else None)
    figures = {}
    for key in set(invited) | set(clicked):
        inv = invited.get(key, dict.fromkeys(_INVITED, 0))
        clk = clicked.get(key, unknown)
        figures[key] = {
            **inv,
            **clk,
            "click_rate": _rate(clk["clicks"], inv["invitations"]),
            "promoter_click_rate": _rate(clk["promoter_clicks"], inv["promoter_invitations"]),
        }
    return figures


def _rate(part: int | None, whole: int) -> float | None:
    return None if part is None else share(part, whole)


def reviews_report(flt: ReportFilter, by: str | None = None) -> dict[str, Any]:
    """Review mobilisation: invitations (thank-you pages that showed the store's public review
    links), clicks on them and the click rate, promoters separately. Clicks belong to the
    store, not to a seller."""
    if by not in REVIEW_GROUPINGS:
        raise ValueError("reviews are the store's: by store, region, day, week or month")
    rows = _review_figures(flt, by) if by else {}
    return {
        "report": "reviews",
        "from": flt.period.start.isoformat(),
        "to": flt.period.end.isoformat(),
        "by": by,
        "rows": [{**key_row(by, k), **rows[k]} for k in sorted(rows, key=_sort_key)],
        "total": _review_figures(flt, None)[()],
    }
