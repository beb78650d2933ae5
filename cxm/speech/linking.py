"""Tying transcripts to what they were about: the seller's consultation they overlap (and
through it the receipt the failure matching found, or its failure), else — for chains
without the consultation button — the seller's first sale receipt within the sale limit
after the conversation. Redone for a report's period each time, since consultations and
receipts may arrive after the transcripts."""

from bisect import bisect_left
from collections import defaultdict
from datetime import date, timedelta

from django.db.models import Q
from django.utils import timezone

from cxm.sales.models import OperationType, Receipt
from cxm.speech.models import Transcript
from cxm.staff.matching import refresh_matches, sale_limit
from cxm.staff.models import Consultation

# A consultation pressed a little after the conversation began still is that conversation.
OVERLAP_TOLERANCE = timedelta(seconds=60)
_FIELDS = ["consultation", "receipt", "failed"]


def link_transcripts(store_ids: list[int], first: date, last: date) -> int:
    """Link the transcripts of these stores and days; returns how many links changed."""
    refresh_matches(store_ids, first, last)
    transcripts = list(
        Transcript.objects.filter(store_id__in=store_ids, day__gte=first, day__lte=last).only(
            "pk", "seller_id", "started_at", "ended_at", "consultation_id", "receipt_id", "failed"
        )
    )
    if not transcripts:
        return 0
    start = min(t.started_at for t in transcripts) - sale_limit()
    end = max(t.ended_at for t in transcripts) + sale_limit()
    sellers = {t.seller_id for t in transcripts}
    consultations = _by_seller(
        Consultation.objects.filter(
            seller_id__in=sellers, started_at__gte=start, started_at__lte=end
        ).values_list("seller_id", "started_at", "pk", "ended_at", "converted", "receipt_id")
    )
    receipts = _by_seller(
        Receipt.objects.filter(
            Q(seller_id__in=sellers),
            operation_type=OperationType.SALE,
            at__gte=start,
            at__lte=end,
        ).values_list("seller_id", "at", "pk")
    )
    by_pk = {
        pk: (converted, receipt)
        for rows in consultations.values()
        for _, _, pk, _, converted, receipt in rows
    }
    changed = []
    for row in transcripts:
        link = _link(row, consultations[row.seller_id], receipts[row.seller_id], by_pk)
        if link != (row.consultation_id, row.receipt_id, row.failed):
            row.consultation_id, row.receipt_id, row.failed = link
            changed.append(row)
    Transcript.objects.bulk_update(changed, _FIELDS, batch_size=1000)
    return len(changed)


def _by_seller(rows) -> dict[int, list[tuple]]:
    grouped: dict[int, list[tuple]] = defaultdict(list)
    for row in rows:
        grouped[row[0]].append(row)
    for values in grouped.values():
        values.sort(key=lambda r: r[1])
    return grouped


def _link(
    row: Transcript, consultations: list[tuple], receipts: list[tuple], by_pk: dict
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
    return consultation, None, True if deadline < timezone.now() else None


def _overlapping(row: Transcript, consultations: list[tuple]) -> int | None:
    """Of the consultations sharing time with the conversation, the one pressed nearest to
    its start: a contact starts both (an earlier one may still be open, unconverted)."""
    best, best_gap = None, None
    for _, started, pk, ended, _, _ in consultations:
        finish = max(ended or started, started)
        overlap = min(finish, row.ended_at) - max(started, row.started_at)
        gap = abs(started - row.started_at)
        if overlap >= -OVERLAP_TOLERANCE and (best_gap is None or gap < best_gap):
            best, best_gap = pk, gap
    return best
