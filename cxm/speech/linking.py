"""Tying transcripts to what they were about, store-day by store-day, stored:

* the seller's consultation they overlap (and through it the receipt the failure matching
  found, or its failure), else — for chains without the consultation button — the seller's
  first sale receipt within the sale limit after the conversation;
* the customer's feedback after it: the press of the store's terminal (with the seller's
  photo or none) within PRESS_AFTER of the receipt — or of the conversation's end when no
  sale followed; the survey answer tied to that receipt, else one of the store's answers
  without a receipt within SURVEY_AFTER; the checklist that scored that consultation, else
  the seller's checklist filled within CHECKLIST_AFTER of the conversation (a mystery
  shopper's visit). Each press and answer goes to one conversation at most: the one that
  ended nearest before it, else the one going on at that moment.

Consultations, receipts and feedback may arrive after the transcripts, so a store-day is
linked again when the data around it changes: its fingerprint (the versions — cxm.rollups.
versions — of its transcripts, and of the sales, consultations and feedback of the day before
to the day after) differs from the one stored in LinkState, or a sale window it left open has
closed since (`recheck_at`). Nothing else is ever relinked: imports
link the store-days they add (cxm.speech.importers, cxm.speech.signals), and reports only
link the stale store-days of their period — usually none — before reading the links.
"""

import time
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from cxm.feedback.models import Press, SurveyResponse
from cxm.imports.bulk import update_rows
from cxm.rollups import versions
from cxm.rollups.versions import stale_store_days
from cxm.sales.models import OperationType, Receipt
from cxm.speech.models import LinkState, Transcript
from cxm.staff.matching import refresh_matches, sale_limit
from cxm.staff.models import Checklist, Consultation

# A consultation pressed a little after the conversation began still is that conversation.
OVERLAP_TOLERANCE = timedelta(seconds=60)
# Imports of the data around transcripts link the store-days of this many recent days at
# once, in the worker; older store-days are linked when a report first reads them.
RECENT_DAYS = 31
# Feedback "right after" the contact: the terminal by the till is pressed as the customer
# pays; a QR survey is opened on the way out; a mystery shopper fills the form after leaving.
PRESS_AFTER = timedelta(minutes=5)
SURVEY_AFTER = timedelta(minutes=30)
CHECKLIST_AFTER = timedelta(minutes=30)
LINK_FIELDS = ["consultation", "receipt", "failed", "press", "survey", "checklist"]
_BATCH_DAYS = 31  # store-days are linked a month of days at a time, to bound memory


@dataclass
class LinkRun:
    store_days: int = 0  # store-days (re)linked
    transcripts: int = 0  # transcripts on them
    changed: int = 0  # transcripts whose links changed
    seconds: float = 0.0
    matching_seconds: float = 0.0  # of which the failure matching of those days took

    def add(self, other: "LinkRun") -> None:
        self.store_days += other.store_days
        self.transcripts += other.transcripts
        self.changed += other.changed
        self.seconds += other.seconds
        self.matching_seconds += other.matching_seconds


def link_stale(store_ids: Iterable[int], first: date, last: date) -> LinkRun:
    """Link every store-day in [first, last] whose data changed since it was last linked."""
    started = time.perf_counter()
    run = LinkRun()
    store_ids = sorted(set(store_ids))
    if not store_ids:
        return run
    fingerprints = _stale(store_ids, first, last)
    stale = sorted(fingerprints)
    days = sorted({d for _, d in stale})
    for i in range(0, len(days), _BATCH_DAYS):
        chunk = set(days[i : i + _BATCH_DAYS])
        part = [key for key in stale if key[1] in chunk]
        run.add(_link_store_days(part, {key: fingerprints[key] for key in part}))
    run.seconds = time.perf_counter() - started
    return run


def _link_store_days(
    stale: list[tuple[int, date]], fingerprints: dict[tuple[int, date], str]
) -> LinkRun:
    stores = {s for s, _ in stale}
    first, last = min(d for _, d in stale), max(d for _, d in stale)
    # The failure matching of these days (and the one before: a consultation started before
    # midnight) first: the receipt a consultation led to is its.
    started = time.perf_counter()
    refresh_matches(sorted(stores), first - timedelta(days=1), last)
    matching = time.perf_counter() - started
    wanted = set(stale)
    transcripts = [
        t
        for t in Transcript.objects.filter(store_id__in=stores, day__gte=first, day__lte=last).only(
            "pk", "store_id", "day", "seller_id", "started_at", "ended_at", *_ids()
        )
        if (t.store_id, t.day) in wanted
    ]
    changed, recheck = _link(transcripts)
    with transaction.atomic():
        update_rows(
            Transcript, LINK_FIELDS, ((t.pk, *(getattr(t, a) for a in _ids())) for t in changed)
        )
        # An upsert: a page and the worker linking the same store-day at once both succeed.
        LinkState.objects.bulk_create(
            [
                LinkState(
                    store_id=s,
                    day=d,
                    fingerprint=fingerprints[(s, d)],
                    recheck_at=recheck.get((s, d)),
                )
                for s, d in stale
            ],
            update_conflicts=True,
            unique_fields=["store", "day"],
            update_fields=["fingerprint", "recheck_at"],
        )
    return LinkRun(len(stale), len(transcripts), len(changed), matching_seconds=matching)


def _ids() -> list[str]:
    """The attributes of LINK_FIELDS, in their order."""
    return [name if name == "failed" else f"{name}_id" for name in LINK_FIELDS]


# --- the fingerprints ---

# What links are chosen from: versions of the day before to the day after (cxm.rollups.versions).
_AROUND = (versions.SALES, versions.CONSULTATIONS, versions.FEEDBACK)


def _stale(store_ids: list[int], first: date, last: date) -> dict[tuple[int, date], str]:
    """The store-days with transcripts whose fingerprint — the settings, the versions of
    their transcripts and of the sales, consultations and feedback (what links are chosen
    from) of the day before to the day after — is not the one they were last linked with, or whose
    recheck time has passed."""
    return stale_store_days(
        LinkState,
        store_ids,
        first,
        last,
        having=[versions.SPEECH],
        around=[(0, versions.SPEECH)]
        + [(offset, kind) for kind in _AROUND for offset in (-1, 0, 1)],
        salt="|".join(
            str(v)
            for v in (
                settings.CXM_CONSULTATION_SALE_MINUTES,
                OVERLAP_TOLERANCE,
                PRESS_AFTER,
                SURVEY_AFTER,
                CHECKLIST_AFTER,
            )
        ),
        recheck_before=timezone.now(),
    )


# --- the links ---


def _link(
    transcripts: list[Transcript],
) -> tuple[list[Transcript], dict[tuple[int, date], datetime]]:
    """The transcripts whose links changed, and per store-day the earliest moment a still
    open sale window closes (then it is linked again)."""
    if not transcripts:
        return [], {}
    limit = sale_limit()
    start = min(t.started_at for t in transcripts) - limit
    end = max(t.ended_at for t in transcripts) + limit
    stores = {t.store_id for t in transcripts}
    # Only the consultations sharing time with one of these conversations (or named by
    # one), not every consultation of the span: one indexed range per conversation.
    tol = OVERLAP_TOLERANCE
    named = [t.consultation_id for t in transcripts if t.consultation_id]
    consultations = _by_key(
        _rows(
            Consultation.objects.all(),
            [Q(pk__in=named)] * bool(named)
            + [
                Q(
                    Q(ended_at__gte=t.started_at - tol) | Q(started_at__gte=t.started_at - tol),
                    seller_id=t.seller_id,
                    started_at__gte=t.started_at - _LONGEST,
                    started_at__lte=t.ended_at + tol,
                )
                for t in transcripts
            ],
            ("seller_id", "started_at", "pk", "ended_at", "converted", "receipt_id"),
        )
    )
    by_pk = {
        pk: (converted, receipt)
        for rows in consultations.values()
        for _, _, pk, _, converted, receipt in rows
    }
    # The seller's sale receipts after a conversation no consultation is known for.
    unmatched = [
        t
        for t in transcripts
        if (t.consultation_id or _overlapping(t, consultations[t.seller_id])) not in by_pk
    ]
    receipts = _by_key(
        _rows(
            Receipt.objects.filter(operation_type=OperationType.SALE),
            [
                Q(
                    seller_id=t.seller_id,
                    day__gte=t.day,
                    day__lte=t.day + timedelta(days=1),
                    at__gte=t.started_at,
                    at__lte=t.ended_at + limit,
                )
                for t in unmatched
            ],
            ("seller_id", "at", "pk"),
        )
    )
    receipt_times = dict(
        Receipt.objects.filter(
            pk__in={r for rows in consultations.values() for *_, r in rows if r}
        ).values_list("pk", "at")
    )
    for rows in receipts.values():
        receipt_times.update((pk, at) for _, at, pk in rows)
    now = timezone.now()
    recheck: dict[tuple[int, date], datetime] = {}
    links: dict[int, list] = {}
    anchors: dict[int, datetime] = {}
    for row in transcripts:
        consultation, receipt, failed = _sale(
            row, consultations[row.seller_id], receipts[row.seller_id], by_pk, now
        )
        links[row.pk] = [consultation, receipt, failed, None, None, None]
        anchors[row.pk] = receipt_times.get(receipt, row.ended_at) if receipt else row.ended_at
        if failed is None:
            closes = row.ended_at + limit + timedelta(minutes=1)
            key = (row.store_id, row.day)
            recheck[key] = min(recheck.get(key, closes), closes)
    _feedback(transcripts, links, anchors, stores, start, end)
    changed = []
    for row in transcripts:
        link = links[row.pk]
        if link != [getattr(row, name) for name in _ids()]:
            for name, value in zip(_ids(), link, strict=True):
                setattr(row, name, value)
            changed.append(row)
    return changed, recheck


# A consultation longer than this is not looked for behind a conversation (the button is
# pressed as a contact starts; one left open all day is closed by the next one).
_LONGEST = timedelta(hours=12)


_OR_BATCH = 100  # conditions a query ORs together


def _rows(queryset: QuerySet, conditions: list[Q], fields: tuple[str, ...]) -> list[tuple]:
    """`fields` of the rows meeting any of the conditions, a batch of them at a time."""
    rows: dict[int, tuple] = {}
    pk = fields.index("pk")
    for i in range(0, len(conditions), _OR_BATCH):
        either = Q()
        for condition in conditions[i : i + _OR_BATCH]:
            either |= condition
        for row in queryset.filter(either).values_list(*fields):
            rows[row[pk]] = row
    return list(rows.values())


def _by_key(rows) -> dict[int, list[tuple]]:
    grouped: dict[int, list[tuple]] = defaultdict(list)
    for row in rows:
        grouped[row[0]].append(row)
    for values in grouped.values():
        values.sort(key=lambda r: r[1])
    return grouped


def _sale(
    row: Transcript, consultations: list[tuple], receipts: list[tuple], by_pk: dict, now: datetime
) -> tuple[int | None, int | None, bool | None]:
    consultation = row.consultation_id or _overlapping(row, consultations)
    if consultation is not None and consultation in by_pk:
        converted, receipt = by_pk[consultation]
        return consultation, receipt, None if converted is None else not converted
    times = [r[1] for r in receipts]
    i = bisect_left(times, row.started_at)
    deadline = row.ended_at + sale_limit()
    if i < len(receipts) and receipts[i][1] <= deadline:
        return consultation, receipts[i][2], False
    return consultation, None, True if deadline < now else None


def _overlapping(row: Transcript, consultations: list[tuple]) -> int | None:
    """Of the consultations sharing time with the conversation, the one pressed nearest to
    its start: a contact starts both (an earlier one may still be open, unconverted)."""
    best, best_gap = None, None
    i = bisect_left([c[1] for c in consultations], row.started_at - timedelta(hours=12))
    for _, started, pk, ended, _, _ in consultations[i:]:
        if started > row.ended_at + OVERLAP_TOLERANCE:
            break
        finish = max(ended or started, started)
        overlap = min(finish, row.ended_at) - max(started, row.started_at)
        gap = abs(started - row.started_at)
        if overlap >= -OVERLAP_TOLERANCE and (best_gap is None or gap < best_gap):
            best, best_gap = pk, gap
    return best


_CONSULTATION, _RECEIPT, _FAILED, _PRESS, _SURVEY, _CHECKLIST = range(6)


def _feedback(
    transcripts: list[Transcript],
    links: dict[int, list],
    anchors: dict[int, datetime],
    stores: set[int],
    start: datetime,
    end: datetime,
) -> None:
    """The press, survey answer and checklist after each conversation (see the module)."""
    window = end + max(PRESS_AFTER, SURVEY_AFTER, CHECKLIST_AFTER)

    by_receipt = {links[t.pk][_RECEIPT]: t for t in transcripts if links[t.pk][_RECEIPT]}
    surveys_of_receipts = dict(
        SurveyResponse.objects.filter(receipt_id__in=list(by_receipt)).values_list(
            "receipt_id", "pk"
        )
    )
    for receipt, survey in surveys_of_receipts.items():
        links[by_receipt[receipt].pk][_SURVEY] = survey
    presses = Press.objects.filter(
        store_id__in=stores, at__gte=start, at__lte=window, repeat=False
    ).values_list("store_id", "seller_id", "at", "pk")
    _nearest_before(transcripts, links, anchors, presses, _PRESS, PRESS_AFTER)
    loose_surveys = SurveyResponse.objects.filter(
        store_id__in=stores, at__gte=start, at__lte=window, receipt__isnull=True
    ).values_list("store_id", "seller_id", "at", "pk")
    _nearest_before(transcripts, links, anchors, loose_surveys, _SURVEY, SURVEY_AFTER)
    by_consultation = {
        links[t.pk][_CONSULTATION]: t for t in transcripts if links[t.pk][_CONSULTATION]
    }
    for consultation, checklist in Checklist.objects.filter(
        consultation_id__in=list(by_consultation)
    ).values_list("consultation_id", "pk"):
        links[by_consultation[consultation].pk][_CHECKLIST] = checklist
    # A visit's checklist (one scoring a recorded consultation goes to that consultation only).
    visits = Checklist.objects.filter(
        store_id__in=stores,
        at__gte=start,
        at__lte=window,
        seller__isnull=False,
        consultation__isnull=True,
    ).values_list("store_id", "seller_id", "at", "pk")
    ends = {t.pk: t.ended_at for t in transcripts}
    _nearest_before(transcripts, links, ends, visits, _CHECKLIST, CHECKLIST_AFTER, same_seller=True)


def _nearest_before(
    transcripts: list[Transcript],
    links: dict[int, list],
    anchors: dict[int, datetime],
    events: Iterable[tuple[int, int | None, datetime, int]],
    slot: int,
    after: timedelta,
    *,
    same_seller: bool = False,
) -> None:
    """Give each event (store, seller, at, pk) to a conversation of its store — of its
    seller, when it names one, or always with `same_seller` — that began before it: the one
    whose anchor is the latest at or before it, within `after`; else, when none ended so
    near, the one it falls within (between its start and its anchor). The nearest fitting
    conversation takes it or nobody does; a conversation keeps the first event it gets and
    one already linked (by receipt or consultation) takes none."""
    by_store: dict[int, list[tuple[datetime, Transcript]]] = defaultdict(list)
    for t in transcripts:
        by_store[t.store_id].append((anchors[t.pk], t))
    for rows in by_store.values():
        rows.sort(key=lambda pair: pair[0])
    keys = {s: [a for a, _ in rows] for s, rows in by_store.items()}
    for store, seller, at, pk in sorted(events, key=lambda e: e[2]):
        rows = by_store.get(store, [])
        nearest = bisect_right(keys.get(store, []), at)
        chosen = None
        for k in range(nearest - 1, -1, -1):  # ended at or before it, nearest first
            anchor, t = rows[k]
            if at - anchor > after:
                break
            if _fits(t, seller, at, same_seller):
                chosen = t
                break
        if chosen is None:
            for anchor, t in rows[nearest:]:  # still going on at that moment
                if anchor - at > _LONGEST:
                    break
                if _fits(t, seller, at, same_seller):
                    chosen = t
                    break
        if chosen is not None and links[chosen.pk][slot] is None:
            links[chosen.pk][slot] = pk


def _fits(t: Transcript, seller: int | None, at: datetime, same_seller: bool) -> bool:
    """May an event at `at` naming `seller` (or none) be this conversation's?"""
    mine = t.seller_id == seller if (same_seller or seller) else True
    return mine and t.started_at <= at


def link_recent(store_ids: Iterable[int], today: date | None = None) -> LinkRun:
    """The stale store-days of the last RECENT_DAYS days (what imports usually add to)."""
    today = today or timezone.localdate()
    return link_stale(store_ids, today - timedelta(days=RECENT_DAYS), today)
