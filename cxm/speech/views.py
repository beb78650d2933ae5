"""The speech analytics page: offer figures per seller and category, the receipts where
the expected offer was missing with the excerpt highlighted, why customers left and the
Smile-Index. Its JSON twin (`?format=json`) is the same reports."""

from typing import Any

from cxm.dashboard.filters import DashboardQuery
from cxm.dashboard.views import _page
from cxm.reports.registry import build_report

MISSED_SHOWN = 200


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
    speech = build_report("speech", flt, by="seller")
    missed = build_report("missed-offers", flt)["rows"]
    for row in missed:
        row["parts"] = excerpt_parts(row["excerpt"], row["marks"])
    return {
        "page": "speech",
        "filter": {**query.params, "from": speech["from"], "to": speech["to"]},
        "total": speech["total"],
        "sellers": speech["rows"],
        "categories": speech["by_category"],
        "missed": missed[:MISSED_SHOWN],
        "missed_count": len(missed),
        "leave_reasons": build_report("leave-reasons", flt)["reasons"],
        "emotions": build_report("emotions", flt, by="seller")["rows"],
    }


speech = _page("speech/speech.html", speech_data)
