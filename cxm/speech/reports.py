"""Speech reports: offer figures per seller, store, day … and per receipt category, with
the customers' feedback after contacts with and without an offer or a marker (`speech`),
receipts where the expected offer was missing with the excerpt (`missed_offers`), and why
customers left, per store, category and week (`leave_reasons`). The CLI, the API and the
pages build them through cxm.reports.registry.

They read the links stored by cxm.speech.linking; a store-day whose data changed since it
was linked (usually none: imports link what they add) is linked first."""

from collections import Counter, defaultdict
from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from cxm.feedback.models import NEGATIVE_BUTTONS, POSITIVE_BUTTONS
from cxm.metrics.kpi import kopecks_to_roubles
from cxm.metrics.speech import (
    CROSS_SELL,
    LEAVE_REASON,
    PRODUCT,
    WRONG_FORM,
    Contact,
    FeedbackSplits,
    Heard,
    SpeechFigures,
)
from cxm.org.models import Chain
from cxm.reports.filters import ReportFilter
from cxm.reports.sales import GROUPINGS, key_row, regrouper
from cxm.sales.models import ReceiptItem
from cxm.speech.linking import link_stale
from cxm.speech.models import SpeechRule, Transcript
from cxm.speech.rules import install_default_rules, reason_names

EXCERPT_CHARS = 160  # around the marks shown on the missed-offers page


def _period(flt: ReportFilter) -> dict[str, str]:
    return {"from": flt.period.start.isoformat(), "to": flt.period.end.isoformat()}


def transcripts_in(flt: ReportFilter) -> QuerySet[Transcript]:
    """The filter's transcripts; store-days whose data changed since they were linked are
    linked first (incrementally: the others are read as stored)."""
    store_ids = flt.store_ids()
    link_stale(store_ids, flt.period.start, flt.period.end)
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
    install_default_rules(chain)
    rules = SpeechRule.objects.filter(chain=chain, kind=CROSS_SELL, active=True)
    return frozenset(rules.values_list("target", flat=True))


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
    "product",
    "consultation__code",
    "press__button",
    "survey__nps",
    "survey__declined",
    "checklist__code",
    "checklist__earned",
    "checklist__possible",
)

Rows = list[tuple[dict[str, Any], Contact]]


def _press(button: str | None) -> int | None:
    if button is None:
        return None
    return 1 if button in POSITIVE_BUTTONS else -1 if button in NEGATIVE_BUTTONS else 0


def contacts(flt: ReportFilter) -> Rows:
    """Each transcript of the filter (its values) with the receipt it led to and the
    feedback tied to it."""
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
            press=_press(row["press__button"]),
            nps=None if row["survey__declined"] else row["survey__nps"],
            checklist=None
            if row["checklist__possible"] is None
            else (row["checklist__earned"], row["checklist__possible"]),
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


def speech_report(flt: ReportFilter, by: str | None = None, rows: Rows | None = None) -> dict:
    """Per seller (or store, region, day, week, month, hour) and per receipt category: the
    speech figures of cxm.metrics.speech, and the total; `feedback`: ИЭЛ, NPS and
    checklist compliance after contacts with and without an offer, a right form, an
    opening, an empathy or expertise marker. `rows`: the filter's contacts, when built."""
    by = grouping(by, "seller")
    groups: dict[tuple, SpeechFigures] = defaultdict(SpeechFigures)
    categories: dict[str, SpeechFigures] = defaultdict(SpeechFigures)
    total = SpeechFigures()
    feedback = FeedbackSplits()
    expected = expected_categories(_chain(flt))
    regroup = regrouper(by)
    for row, contact in contacts(flt) if rows is None else rows:
        groups[regroup(row)].add(contact)
        total.add(contact)
        feedback.add(contact)
        for category in contact.categories & expected:
            categories[category].add(contact)
    ordered = sorted(groups, key=lambda key: [str(value) for value in key])
    return {
        "report": "speech",
        **_period(flt),
        "by": by,
        "rows": [{**key_row(by, key), **groups[key].as_row()} for key in ordered],
        "by_category": [
            {"category": name, **categories[name].as_row()} for name in sorted(categories)
        ],
        "total": total.as_row(),
        "feedback": feedback.rows(),
    }


def links_of(row: dict[str, Any]) -> dict[str, Any]:
    """What a transcript is tied to besides its receipt, as the reports show it."""
    return {
        "consultation": row["consultation__code"],
        "press": row["press__button"],
        "survey_nps": row["survey__nps"],
        "survey_declined": bool(row["survey__declined"]),
        "checklist": row["checklist__code"],
        "checklist_score": row["checklist__earned"] / row["checklist__possible"]
        if row["checklist__possible"]
        else None,
    }


def missed_offers_report(
    flt: ReportFilter, by: str | None = None, rows: Rows | None = None
) -> dict[str, Any]:
    """Receipts whose category expected an offer that the seller's speech before them did
    not contain, newest first, each with the transcript excerpt and its marks, and the
    consultation, press, survey answer and checklist tied to the conversation."""
    if by is not None:
        raise ValueError("the missed-offers report lists receipts; it has no grouping")
    expected = expected_categories(_chain(flt))
    missed = []
    for row, contact in contacts(flt) if rows is None else rows:
        if not contact.expected or contact.heard.offer_for(contact.categories):
            continue
        excerpt, marks = excerpt_of(row["text"], row["marks"])
        missed.append(
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
                "links": links_of(row),
            }
        )
    return {"report": "missed-offers", **_period(flt), "rows": missed[::-1]}


def excerpt_of(text: str, marks: list[dict]) -> tuple[str, list[dict]]:
    """A window of the text where the offer should have been: around the first form to
    avoid, else the end of the conversation (the closing); with the marks inside it, their
    offsets into the excerpt (the products named are not marked: what was said about them is)."""
    marks = [m for m in marks if m["kind"] != PRODUCT]
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


TREND_WEEKS_UP_TO = 13  # a longer period's trend is by month


def leave_reasons_report(flt: ReportFilter, by: str | None = None) -> dict[str, Any]:
    """Reasons heard in conversations that ended without a sale, filed under the category
    of the product talked about (None: no product named): per group (store by default, or
    seller, week …), category and reason — `mentions`, `failed_conversations` of that group
    and category, and their `share`; `reasons` and `categories`: the totals with up to three
    example excerpts each; `trend`: the same per week (per month past 13 weeks)."""
    by = grouping(by, "store")
    names = reason_names(_chain(flt)) if flt.scope.chain_id else {}
    grain = "week" if (flt.period.end - flt.period.start).days < 7 * TREND_WEEKS_UP_TO else "month"
    failed = transcripts_in(flt).filter(failed=True)
    counts: Counter[tuple[Any, Any, str]] = Counter()
    conversations: Counter[tuple[Any, Any]] = Counter()
    trend: Counter[tuple[Any, Any, str]] = Counter()
    trend_conversations: Counter[tuple[Any, Any]] = Counter()
    examples: dict[str, list[str]] = defaultdict(list)
    category_examples: dict[tuple[Any, str], list[str]] = defaultdict(list)
    for row in failed.order_by("-started_at").values(*_VALUES):
        key, period, category = _key(row, by), _key(row, grain), row["product"] or None
        conversations[(key, category)] += 1
        trend_conversations[(period, category)] += 1
        for reason in row["leave_reasons"]:
            counts[(key, category, reason)] += 1
            trend[(period, category, reason)] += 1
            excerpt = None
            if len(examples[reason]) < 3 or len(category_examples[(category, reason)]) < 2:
                excerpt = _example(row, reason)
            if excerpt is not None and len(examples[reason]) < 3:
                examples[reason].append(excerpt)
            if excerpt is not None and len(category_examples[(category, reason)]) < 2:
                category_examples[(category, reason)].append(excerpt)

    def named(reason: str) -> dict[str, str]:
        return {"reason": reason, "reason_name": names.get(reason, reason)}

    def order(item):
        (group, category, reason), n = item
        return (str(group), category or "", -n, reason)

    rows = [
        {
            by: group,
            "category": category,
            **named(reason),
            "failed_conversations": conversations[(group, category)],
            "mentions": n,
            "share": n / conversations[(group, category)],
        }
        for (group, category, reason), n in sorted(counts.items(), key=order)
    ]
    per_category: Counter[tuple[Any, str]] = Counter()
    totals: Counter[str] = Counter()
    for (_group, category, reason), n in counts.items():
        per_category[(category, reason)] += n
        totals[reason] += n
    category_conversations: Counter[Any] = Counter()
    for (_group, category), n in conversations.items():
        category_conversations[category] += n
    total_conversations = sum(conversations.values())
    return {
        "report": "leave-reasons",
        **_period(flt),
        "by": by,
        "failed_conversations": total_conversations,
        "rows": rows,
        "reasons": [
            {
                **named(reason),
                "mentions": n,
                "share": n / total_conversations,
                "examples": examples[reason],
            }
            for reason, n in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        "categories": [
            {
                "category": category,
                **named(reason),
                "failed_conversations": category_conversations[category],
                "mentions": n,
                "share": n / category_conversations[category],
                "examples": category_examples[(category, reason)],
            }
            for (category, reason), n in sorted(
                per_category.items(), key=lambda kv: (kv[0][0] or "", -kv[1], kv[0][1])
            )
        ],
        "trend": {
            "grain": grain,
            "rows": [
                {
                    "period": period,
                    "category": category,
                    **named(reason),
                    "failed_conversations": trend_conversations[(period, category)],
                    "mentions": n,
                    "share": n / trend_conversations[(period, category)],
                }
                for (period, category, reason), n in sorted(trend.items(), key=order)
            ],
        },
    }


def _example(row: dict[str, Any], reason: str) -> str | None:
    mark = next(
        (m for m in row["marks"] if m["kind"] == LEAVE_REASON and m["target"] == reason), None
    )
    return None if mark is None else _around(row["text"], mark)


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
