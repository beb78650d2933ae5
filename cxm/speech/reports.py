"""Speech reports: offer figures per seller, store, day … and per receipt category
(`speech`), receipts where the expected offer was missing with the excerpt (`missed_offers`),
and why customers left (`leave_reasons`). The CLI, the API and the pages build them
through cxm.reports.registry."""

from collections import Counter, defaultdict
from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from cxm.metrics.kpi import kopecks_to_roubles
from cxm.metrics.speech import CROSS_SELL, WRONG_FORM, Contact, Heard, SpeechFigures
from cxm.org.models import Chain
from cxm.reports.filters import ReportFilter
from cxm.reports.sales import GROUPINGS, regrouper
from cxm.sales.models import ReceiptItem
from cxm.speech.linking import link_transcripts
from cxm.speech.models import Transcript
from cxm.speech.rules import phrase_book, reason_names

EXCERPT_CHARS = 160  # around the marks shown on the missed-offers page


def _period(flt: ReportFilter) -> dict[str, str]:
    return {"from": flt.period.start.isoformat(), "to": flt.period.end.isoformat()}


def transcripts_in(flt: ReportFilter) -> QuerySet[Transcript]:
    """The filter's transcripts, tied to their consultations and receipts first."""
    store_ids = flt.store_ids()
    link_transcripts(store_ids, flt.period.start, flt.period.end)
    rows = Transcript.objects.filter(
        store_id__in=store_ids, day__gte=flt.period.start, day__lte=flt.period.end
    )
    seller_id = flt.seller_id()
    return rows if seller_id is None else rows.filter(seller_id=seller_id)


def _chain(flt: ReportFilter) -> Chain | None:
    return Chain.objects.filter(pk=flt.scope.chain_id).first() if flt.scope.chain_id else None


def expected_categories(chain: Chain | None) -> frozenset[str]:
    """Receipt categories the rules expect offers for."""
    if chain is None:
        return frozenset()
    _, book = phrase_book(chain)
    return frozenset(p.target for p in book.phrases if p.kind == CROSS_SELL)


def _receipt_contents(transcripts: QuerySet[Transcript]) -> dict[int, tuple[frozenset, int]]:
    """(categories, lines) per receipt that followed one of these transcripts."""
    categories: dict[int, set[str]] = defaultdict(set)
    lines: Counter[int] = Counter()
    for receipt_id, category in ReceiptItem.objects.filter(
        receipt_id__in=transcripts.filter(receipt__isnull=False).values("receipt_id")
    ).values_list("receipt_id", "category__name"):
        lines[receipt_id] += 1
        if category:
            categories[receipt_id].add(category)
    return {pk: (frozenset(categories[pk]), n) for pk, n in lines.items()}


_VALUES = (
    "pk",
    "code",
    "seller__code",
    "store__code",
    "store__region__name",
    "day",
    "hour",
    "started_at",
    "offered",
    "promo",
    "opening",
    "wrong_form",
    "empathy",
    "expertise",
    "leave_reasons",
    "receipt_id",
    "receipt__total",
    "receipt__fiscal_drive_number",
    "receipt__fiscal_document_number",
    "failed",
    "text",
    "marks",
)


def contacts(flt: ReportFilter) -> list[tuple[dict[str, Any], Contact]]:
    """Each transcript of the filter (its values) with the receipt it led to."""
    transcripts = transcripts_in(flt)
    contents = _receipt_contents(transcripts)
    expected = expected_categories(_chain(flt))
    result = []
    for row in transcripts.order_by("started_at", "pk").values(*_VALUES):
        heard = Heard(
            offered=frozenset(row["offered"]),
            promo=row["promo"],
            opening=row["opening"],
            wrong_form=row["wrong_form"],
            empathy=row["empathy"],
            expertise=row["expertise"],
            leave_reasons=frozenset(row["leave_reasons"]),
        )
        categories, lines = contents.get(row["receipt_id"], (frozenset(), 0))
        contact = Contact(
            heard=heard,
            categories=categories,
            expected=not categories.isdisjoint(expected),
            items=lines,
            total=row["receipt__total"] or 0,
        )
        result.append((row, contact))
    return result


def grouping(by: str | None, default: str) -> str:
    """The grouping asked for (any of the sales reports'), or the report's default."""
    by = by or default
    if by not in GROUPINGS:
        raise ValueError(f"cannot group by {by!r}; one of {', '.join(GROUPINGS)}")
    return by


def _key(row: dict[str, Any], by: str) -> Any:
    value = regrouper(by)(row)[0]
    return value.isoformat() if isinstance(value, date) else value


def speech_report(flt: ReportFilter, by: str | None = None) -> dict[str, Any]:
    """Per seller (or store, region, day, week, month, hour) and per receipt category: the
    speech figures of cxm.metrics.speech, and the total."""
    by = grouping(by, "seller")
    groups: dict[Any, SpeechFigures] = defaultdict(SpeechFigures)
    categories: dict[str, SpeechFigures] = defaultdict(SpeechFigures)
    total = SpeechFigures()
    expected = expected_categories(_chain(flt))
    for row, contact in contacts(flt):
        groups[_key(row, by)].add(contact)
        total.add(contact)
        for category in contact.categories & expected:
            categories[category].add(contact)
    rows = [{by: key, **groups[key].as_row()} for key in sorted(groups, key=str)]
    return {
        "report": "speech",
        **_period(flt),
        "by": by,
        "rows": rows,
        "by_category": [
            {"category": name, **categories[name].as_row()} for name in sorted(categories)
        ],
        "total": total.as_row(),
    }


def missed_offers_report(flt: ReportFilter, by: str | None = None) -> dict[str, Any]:
    """Receipts whose category expected an offer that the seller's speech before them did
    not contain, newest first, each with the transcript excerpt and its marks."""
    if by is not None:
        raise ValueError("the missed-offers report lists receipts; it has no grouping")
    expected = expected_categories(_chain(flt))
    rows = []
    for row, contact in contacts(flt):
        if not contact.expected or contact.heard.offer_for(contact.categories):
            continue
        excerpt, marks = excerpt_of(row["text"], row["marks"])
        rows.append(
            {
                "transcript": row["code"],
                "started_at": row["started_at"].isoformat(),
                "store": row["store__code"],
                "seller": row["seller__code"],
                "receipt": {
                    "fn": row["receipt__fiscal_drive_number"],
                    "fd": row["receipt__fiscal_document_number"],
                },
                "total": kopecks_to_roubles(contact.total),
                "categories": sorted(contact.categories & expected),
                "wrong_form": contact.heard.wrong_form,
                "excerpt": excerpt,
                "marks": marks,
            }
        )
    return {"report": "missed-offers", **_period(flt), "rows": rows[::-1]}


def excerpt_of(text: str, marks: list[dict]) -> tuple[str, list[dict]]:
    """A window of the text where the offer should have been: around the first form to
    avoid, else the end of the conversation (the closing); with the marks inside it, their
    offsets into the excerpt."""
    wrong = [m for m in marks if m["kind"] == WRONG_FORM or m["negated"]]
    if wrong:
        start = max(wrong[0]["start"] - EXCERPT_CHARS // 2, 0)
    else:
        start = max(len(text) - EXCERPT_CHARS, 0)
    end = min(start + EXCERPT_CHARS, len(text))
    inside = [
        {"kind": m["kind"], "start": m["start"] - start, "end": m["end"] - start}
        for m in marks
        if m["start"] >= start and m["end"] <= end
    ]
    return text[start:end], inside


def leave_reasons_report(flt: ReportFilter, by: str | None = None) -> dict[str, Any]:
    """Reasons heard in conversations that ended without a sale: counts per reason (and per
    store, week … with `by`), the share of failed conversations, and example excerpts."""
    by = grouping(by, "store")
    names = reason_names(_chain(flt)) if flt.scope.chain_id else {}
    failed = transcripts_in(flt).filter(failed=True)
    counts: Counter[tuple[Any, str]] = Counter()
    per_group: Counter[Any] = Counter()
    examples: dict[str, list[str]] = defaultdict(list)
    for row in failed.order_by("-started_at").values(*_VALUES):
        key = _key(row, by)
        per_group[key] += 1
        for reason in row["leave_reasons"]:
            counts[(key, reason)] += 1
            if len(examples[reason]) < 3:
                mark = next(m for m in row["marks"] if m["target"] == reason)
                examples[reason].append(_around(row["text"], mark))
    rows = [
        {
            by: key,
            "reason": reason,
            "reason_name": names.get(reason, reason),
            "failed_conversations": per_group[key],
            "mentions": n,
            "share": n / per_group[key],
        }
        for (key, reason), n in sorted(counts.items(), key=lambda kv: (str(kv[0][0]), -kv[1]))
    ]
    totals: Counter[str] = Counter()
    for (_group, reason), n in counts.items():
        totals[reason] += n
    return {
        "report": "leave-reasons",
        **_period(flt),
        "by": by,
        "failed_conversations": sum(per_group.values()),
        "rows": rows,
        "reasons": [
            {
                "reason": reason,
                "reason_name": names.get(reason, reason),
                "mentions": n,
                "examples": examples[reason],
            }
            for reason, n in totals.most_common()
        ],
    }


def _around(text: str, mark: dict) -> str:
    start = max(mark["start"] - EXCERPT_CHARS // 2, 0)
    return text[start : mark["end"] + EXCERPT_CHARS // 2]


def register_series() -> None:
    """The cross-sell offer rate as a series of the correlation workbench."""
    from cxm.analytics.series import SERIES, Series

    def rows(flt: ReportFilter, by: str) -> list[dict[str, Any]]:
        return speech_report(flt, by)["rows"]

    SERIES["cross_sell_offer_rate"] = Series(
        "cross_sell_offer_rate", _("Cross-sell offer rate"), rows
    )
    SERIES["engagement_opening_rate"] = Series(
        "engagement_opening_rate", _("Engagement-opening rate"), rows
    )
