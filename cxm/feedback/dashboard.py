"""The customer-voice page's figures, assembled from the `nps`, `iel` and `csi` reports only:
the page renders this dict and its JSON twin (`?format=json`) serialises it."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from cxm.dashboard.filters import DashboardQuery, scope_choices
from cxm.feedback.models import Reason
from cxm.reports.registry import build_report

# Why a figure should not be trusted, in the reader's language (codes from metrics.verdict).
REASONS = {
    "few_responses": _("too few answers for a narrow interval"),
    "low_coverage": _("too few receipts get an answer"),
    "hours_unlike_receipts": _("answers come at other hours than the receipts"),
    "selective_surveying": _("a seller's customers answer far more often and more happily"),
    "untied_ratings": _("most ratings are tied to no receipt"),
}


SEGMENT_CUTS = {
    "value": _("Receipt value (ABC, Pareto: A makes 80 percent of revenue)"),
    "category": _("Main category"),
    "depth": _("Basket depth"),
}
DEPTHS = {
    "single": _("one item"),
    "several": _("several items"),
    "with_addons": _("with accessories or services"),
}


def _segments(flt) -> list[dict[str, Any]]:
    return [
        {
            **row,
            "cut_name": str(SEGMENT_CUTS[row["cut"]]),
            "segment_name": str(DEPTHS.get(row["segment"], row["segment"])),
        }
        for row in build_report("segments", flt)["rows"]
    ]


def voice_data(query: DashboardQuery) -> dict[str, Any]:
    flt = query.filter
    choices = scope_choices(query)
    names = {s["code"]: s["name"] for s in choices["stores"] + choices["sellers"]}
    # Seller level once a store or seller is chosen, or the scope is one store.
    by = "seller" if (flt.store or flt.seller_id() or len(choices["stores"]) == 1) else "store"
    nps = build_report("nps", flt, by=by)
    iel = build_report("iel", flt, by=by)
    presses = {row[by]: row for row in iel["rows"]}
    rows = []
    for row in nps["rows"]:
        code = row[by]
        drill = {"store": code, "seller": None} if by == "store" else {"seller": code}
        rows.append(
            {
                **row,
                **{k: presses.get(code, {}).get(k) for k in ("iel", "presses", "repeat_presses")},
                "name": names.get(code, code or ""),
                "drill": query.link(**drill) if code else None,
            }
        )
    trend = build_report("nps", flt, by=query.grain)["rows"]
    csi = build_report("csi", flt)
    return {
        "page": "voice",
        "filter": {**query.params, "from": nps["from"], "to": nps["to"]},
        "choices": choices,
        "min_n": nps["min_n"],
        "total": {**nps["total"], **{k: iel["total"][k] for k in ("iel", "presses")}},
        "negative_reasons": [
            {"reason": str(Reason(code).label), "presses": n}
            for code, n in sorted(iel["negative_reasons"].items(), key=lambda kv: -kv[1])
        ],
        "previous": nps["previous"],
        "change": nps["change"],
        "verdict": {
            **nps["verdict"],
            "explained": [str(REASONS[code]) for code in nps["verdict"]["reasons"]],
        },
        "by": by,
        "rows": rows,
        "trend": {"grain": query.grain, "rows": trend},
        "factors": csi["rows"],
        "reviews": build_report("reviews", flt)["total"],
        "segments": _segments(flt),
        "csi": csi["csi"],
    }
