"""The speech analytics page: offer figures per seller and category, the customers'
feedback after contacts with and without an offer or a marker, the receipts where the
expected offer was missing with the excerpt highlighted and what the conversation is tied
to, why customers left and the Smile-Index; and the page of reasons customers leave, per
store, category and week. Their JSON twins (`?format=json`) are the same reports.

The pages read the stored links (cxm.speech.linking): the filter's contacts are read once
and every table is built from them."""

from collections import defaultdict
from typing import Any

from django.utils.translation import gettext_lazy as _

from cxm.dashboard.filters import DashboardQuery
from cxm.dashboard.views import _page
from cxm.feedback.models import Button
from cxm.reports.registry import build_report
from cxm.speech.reports import contacts, missed_offers_report, speech_report

MISSED_SHOWN = 200
FEEDBACK_SPLIT_NAMES = {
    "offer": _("An expected offer made"),
    "right_form": _("The offer in the right form"),
    "opening": _("An engaging opening"),
    "empathy": _("An empathy marker"),
    "expertise": _("An expertise marker"),
}


def excerpt_parts(excerpt: str, marks: list[dict]) -> list[dict[str, Any]]:
    """The excerpt cut into plain and marked parts, so the template escapes every part and
    wraps the marked ones in <mark>."""
    parts, position = [], 0
    for mark in sorted(marks, key=lambda m: m["start"]):
        if mark["start"] < position:
            continue  # overlapping marks: the first one is shown
        parts.append({"text": excerpt[position : mark["start"]], "kind": None})
        parts.append({"text": excerpt[mark["start"] : mark["end"]], "kind": mark["kind"]})
        position = mark["end"]
    parts.append({"text": excerpt[position:], "kind": None})
    return [p for p in parts if p["text"]]


def speech_data(query: DashboardQuery) -> dict[str, Any]:
    flt = query.filter
    rows = contacts(flt)
    speech = speech_report(flt, "seller", rows)
    missed = missed_offers_report(flt, None, rows)["rows"]
    for row in missed[:MISSED_SHOWN]:
        row["parts"] = excerpt_parts(row["excerpt"], row["marks"])
        press = row["links"]["press"]
        row["press_name"] = str(Button(press).label) if press in Button.values else press
    return {
        "page": "speech",
        "filter": {**query.params, "from": speech["from"], "to": speech["to"]},
        "total": speech["total"],
        "sellers": speech["rows"],
        "categories": speech["by_category"],
        "feedback": [
            {**row, "label": str(FEEDBACK_SPLIT_NAMES.get(row["split"], row["split"]))}
            for row in speech["feedback"]
        ],
        "missed": missed[:MISSED_SHOWN],
        "missed_count": len(missed),
        "leave_reasons": build_report("leave-reasons", flt)["reasons"],
        "emotions": build_report("emotions", flt, by="seller")["rows"],
    }


def leave_reasons_data(query: DashboardQuery) -> dict[str, Any]:
    report = build_report("leave-reasons", query.filter, by="store")
    reasons = [r["reason"] for r in report["reasons"]]
    periods = sorted({r["period"] for r in report["trend"]["rows"]})
    # The trend as a table: a row per reason, a column per week (or month), all categories.
    per_period: dict[tuple[str, str], int] = defaultdict(int)
    conversations: dict[str, int] = defaultdict(int)
    seen: set[tuple[str, Any]] = set()
    for row in report["trend"]["rows"]:
        per_period[(row["reason"], row["period"])] += row["mentions"]
        if (row["period"], row["category"]) not in seen:
            seen.add((row["period"], row["category"]))
            conversations[row["period"]] += row["failed_conversations"]
    names = {r["reason"]: r["reason_name"] for r in report["reasons"]}
    return {
        "page": "leave-reasons",
        "filter": {**query.params, "from": report["from"], "to": report["to"]},
        "failed_conversations": report["failed_conversations"],
        "reasons": report["reasons"],
        "categories": report["categories"],
        "rows": report["rows"],
        "trend": {
            "grain": report["trend"]["grain"],
            "periods": periods,
            "failed_conversations": [conversations[p] for p in periods],
            "rows": [
                {
                    "reason": reason,
                    "reason_name": names[reason],
                    "mentions": [per_period[(reason, p)] for p in periods],
                }
                for reason in reasons
            ],
        },
    }


speech = _page("speech/speech.html", speech_data)
leave_reasons = _page("speech/leave_reasons.html", leave_reasons_data)
