"""Imports of the contract kinds `consultations` and `checklists` (DESIGN.md §2).

Both are idempotent by `id`. A consultation whose seller pressed the button again within
CXM_CONSULTATION_REPEAT_SECONDS of another of their consultations is the same consultation
(a double press) and counts as a duplicate. Times more than a few minutes in the future are
rejected: a device with a wrong clock must not invent tomorrow's figures."""

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from cxm.imports import fields
from cxm.imports.bulk import insert_rows, stored_keys, update_rows
from cxm.imports.records import (
    SHORT_ROWS_BATCH,
    ImportResult,
    Record,
    RecordError,
    run_in_batches,
    write_in_batches,
)
from cxm.metrics.compliance import AnswerError, score_checklist
from cxm.org.models import Chain, Seller, Store
from cxm.rollups import versions
from cxm.rollups.refresh import SERVICE, refresh_store_days
from cxm.staff.models import (
    Checklist,
    ChecklistAnswer,
    ChecklistItem,
    ChecklistTemplate,
    Consultation,
    Source,
)
from cxm.staff.services import item_specs

T = TypeVar("T")

# Clocks of tablets and buttons drift; beyond this a time is wrong, not early.
CLOCK_TOLERANCE = timedelta(minutes=5)


class EventDirectory:
    """The chain's stores and sellers by code, for resolving event records (consultations,
    checklists, presses, survey answers, transcripts, emotions). Each table is read only
    when a record needs it: a terminal's push names neither, and comes many times a second."""

    def __init__(self, chain: Chain, default_store: Store | None):
        self.chain = chain
        self.default_store = default_store
        self._stores: dict[str, Store] | None = None
        self._sellers: dict[str, Seller] | None = None
        self._consultations: dict[str, int] = {}

    def store(self, data: dict) -> Store:
        code = data.get("store")
        default = self.default_store
        if not code or (default is not None and str(code) == default.code):
            store = default
        else:
            if self._stores is None:
                self._stores = {s.code: s for s in Store.objects.filter(chain=self.chain)}
            store = self._stores.get(str(code))
        if store is None:
            raise RecordError("store", f"unknown store {code!r}" if code else "is required")
        return store

    def seller(self, data: dict, *, required: bool, works_in: Store | None = None) -> Seller | None:
        """The record's seller; with `works_in`, one of that store's sellers."""
        code = fields.text(data, "seller", required=required, max_length=40)
        if not code:
            return None
        if self._sellers is None:
            self._sellers = {s.code: s for s in Seller.objects.filter(chain=self.chain)}
        seller = self._sellers.get(code)
        if seller is None:
            raise RecordError("seller", f"unknown seller {code!r}")
        if works_in is not None and seller.store_id != works_in.pk:
            raise RecordError("seller", f"seller {code!r} works in another store")
        return seller

    def read_consultations(self, batch: list[Record]) -> None:
        """Look up the consultations the batch's records name (checklists, transcripts), in
        one statement: one a record made the checklists' import a statement a checklist."""
        codes = {
            str(record.data["consultation"])
            for record in batch
            if isinstance(record.data, dict) and record.data.get("consultation")
        }
        self._consultations = stored_keys(Consultation, "code", self.chain.pk, sorted(codes))

    def consultation_id(self, data: dict) -> int | None:
        """The id of the consultation the record names (read_consultations first)."""
        code = fields.text(data, "consultation", required=False, max_length=100)
        if not code:
            return None
        found = self._consultations.get(code)
        if found is None:
            raise RecordError("consultation", f"unknown consultation {code!r}")
        return found


def past_moment(data: dict, name: str, store: Store, now: datetime | None = None) -> datetime:
    """The record's time, rejected when ahead of `now` (a batch reads the clock once)."""
    at = fields.moment(data, name, store.tz)
    if at > (now or timezone.now()) + CLOCK_TOLERANCE:
        raise RecordError(name, f"{data[name]} is in the future: check the device's clock")
    return at


@dataclass(slots=True)
class _Consultation:
    """A consultation as the import handles it: a stored one (with its `pk`) or a new one.
    Plain slots: a model instance a record cost more than writing the row."""

    code: str
    store_id: int
    seller_id: int
    started_at: datetime  # UTC
    ended_at: datetime | None
    day: date
    hour: int
    pk: int | None = None

    def row(self, chain_id: int) -> tuple:
        """The values of CONSULTATION_FIELDS."""
        return (
            chain_id,
            self.code,
            self.store_id,
            self.seller_id,
            self.started_at,
            self.ended_at,
            self.day,
            self.hour,
            False,
        )


CONSULTATION_FIELDS = (
    "chain",
    "code",
    "store",
    "seller",
    "started_at",
    "ended_at",
    "day",
    "hour",
    "queued_for_review",
)


def import_consultations(
    chain: Chain, records: Iterable[Record], *, default_store: Store | None = None
) -> ImportResult:
    directory = EventDirectory(chain, default_store)

    def check(batch: list[Record], result: ImportResult) -> dict[str, _Consultation]:
        now = timezone.now()
        return _parsed_by_id(
            batch, result, lambda data, code: _consultation(data, code, directory, now)
        )

    def write(rows: dict[str, _Consultation], result: ImportResult) -> None:
        with transaction.atomic():
            unknown = _end_known(chain, rows, result)
            fresh = _drop_repeats(unknown, result)
            insert_rows(Consultation, CONSULTATION_FIELDS, [c.row(chain.id) for c in fresh])
            # Counted in the service rollup with the batch, not yet matched (converted NULL):
            # the matching is derived per store-day, by the worker's tick and by every reader
            # of outcomes (cxm.staff.matching), so the import does not wait for it.
            refresh_store_days(
                {(c.store_id, c.day) for c in fresh},
                frozenset({SERVICE}),
                written=[versions.CONSULTATIONS],
            )
        result.accepted += len(fresh)

    return write_in_batches("consultations", records, SHORT_ROWS_BATCH, check, write)


def _consultation(data: dict, code: str, directory: EventDirectory, now: datetime) -> _Consultation:
    store = directory.store(data)
    seller = directory.seller(data, required=True)
    started = past_moment(data, "started_at", store, now)
    ended = past_moment(data, "ended_at", store, now) if data.get("ended_at") else None
    if ended is not None and ended < started:
        raise RecordError("ended_at", "is before started_at")
    local = started.astimezone(store.tz)
    return _Consultation(
        code,
        store.id,
        seller.id,
        started.astimezone(UTC),
        ended.astimezone(UTC) if ended else None,
        local.date(),
        local.hour,
    )


def _parsed_by_id(
    batch: list[Record], result: ImportResult, parse: Callable[[dict, str], T]
) -> dict[str, T]:
    """The batch's good records by their contract `id` (a repeated id is a duplicate);
    `parse` (the record's data and id) raises RecordError for a bad one, which is rejected
    by position and field."""
    rows: dict[str, T] = {}
    for record in batch:
        try:
            code = fields.text(record.data, "id", max_length=100)
            row = parse(record.data, code)
        except RecordError as exc:
            result.reject(record.position, exc.field, exc.message)
            continue
        if code in rows:
            result.duplicates += 1
        else:
            rows[code] = row
    return rows


def _end_known(
    chain: Chain, rows: dict[str, _Consultation], result: ImportResult
) -> list[_Consultation]:
    """A known consultation sent again with its end (the button's "ended" press, or a
    device that reports the end later) gets it; other known ones are duplicates. Returns
    the consultations not stored yet."""
    known = stored_keys(Consultation, "code", chain.pk, list(rows))
    stored = {  # usually none: no query for an empty list
        code: (pk, started_at, ended_at)
        for code, pk, started_at, ended_at in Consultation.objects.filter(
            pk__in=list(known.values())
        ).values_list("code", "pk", "started_at", "ended_at")
    }
    ended = []
    for code, row in rows.items():
        if code not in stored:
            continue
        pk, started_at, ended_at = stored[code]
        if ended_at is None and row.ended_at is not None and row.started_at == started_at:
            ended.append((pk, row.ended_at))
        else:
            result.duplicates += 1
    update_rows(Consultation, ["ended_at"], ended)
    result.updated += len(ended)
    return [row for code, row in rows.items() if code not in stored]


def _not_stored(
    model: type[Model], chain: Chain, rows: dict[str, T], result: ImportResult
) -> list[T]:
    """The rows whose id the chain does not hold yet; the others are duplicates."""
    known = stored_keys(model, "code", chain.pk, list(rows))
    fresh = [row for code, row in rows.items() if code not in known]
    result.duplicates += len(rows) - len(fresh)
    return fresh


def _drop_repeats(candidates: list[_Consultation], result: ImportResult) -> list[_Consultation]:
    """New consultations only: a press close to another of the same seller is a repeat of
    that consultation (a double press); an end it carries becomes that one's end."""
    if not candidates:
        return []
    repeat = timedelta(seconds=settings.CXM_CONSULTATION_REPEAT_SECONDS)
    starts = [c.started_at for c in candidates]
    kept: dict[int, list[_Consultation]] = defaultdict(list)
    for pk, seller_id, store_id, started_at, ended_at, day, hour in Consultation.objects.filter(
        seller_id__in={c.seller_id for c in candidates},
        started_at__gte=min(starts) - repeat,
        started_at__lte=max(starts) + repeat,
    ).values_list("pk", "seller_id", "store_id", "started_at", "ended_at", "day", "hour"):
        stored = _Consultation("", store_id, seller_id, started_at, ended_at, day, hour, pk)
        kept[seller_id].append(stored)
    for same_seller in kept.values():
        same_seller.sort(key=lambda c: c.started_at)
    fresh, ended = [], []
    for row in sorted(candidates, key=lambda c: c.started_at):
        same_seller = kept[row.seller_id]
        i = bisect_left(same_seller, row.started_at, key=lambda c: c.started_at)
        near = [
            c
            for c in same_seller[max(i - 1, 0) : i + 1]
            if abs(c.started_at - row.started_at) < repeat
        ]
        if not near:
            same_seller.insert(i, row)
            fresh.append(row)
            continue
        # A double press: the same consultation (a duplicate, or its end when it brings one).
        if row.ended_at is not None and near[0].ended_at is None:
            near[0].ended_at = row.ended_at
            if near[0].pk is not None:
                ended.append((near[0].pk, row.ended_at))
                continue
        result.duplicates += 1
    update_rows(Consultation, ["ended_at"], ended)
    result.updated += len(ended)
    return fresh


def import_checklists(
    chain: Chain, records: Iterable[Record], *, default_store: Store | None = None
) -> ImportResult:
    directory = EventDirectory(chain, default_store)
    templates = _Templates(chain)

    def handle(batch: list[Record], result: ImportResult) -> None:
        directory.read_consultations(batch)
        rows = _parsed_by_id(
            batch, result, lambda data, code: _checklist(chain, data, code, directory, templates)
        )
        fresh = _not_stored(Checklist, chain, rows, result)
        with transaction.atomic():
            saved = Checklist.objects.bulk_create([c for c, _ in fresh])
            for checklist, (_, answers) in zip(saved, fresh, strict=True):
                for answer in answers:
                    answer.checklist_id = checklist.pk
            ChecklistAnswer.objects.bulk_create([a for _, answers in fresh for a in answers])
            refresh_store_days(
                {(c.store_id, c.day) for c, _ in fresh},
                frozenset({SERVICE}),
                written=[versions.FEEDBACK],
            )
        result.accepted += len(fresh)

    return run_in_batches("checklists", records, settings.CXM_IMPORT_BATCH, handle)


class _Templates:
    """Template versions and their items, looked up once per import."""

    def __init__(self, chain: Chain):
        self.chain = chain
        self.found: dict[tuple[str, int | None], ChecklistTemplate | None] = {}
        self.items: dict[int, tuple[list, dict[str, ChecklistItem]]] = {}

    def find(self, data: dict) -> ChecklistTemplate:
        code = fields.text(data, "template", max_length=60)
        version = None
        if data.get("template_version") not in (None, ""):
            version = fields.integer(data, "template_version", minimum=1)
        if (code, version) not in self.found:
            self.found[code, version] = self._latest(code, version)
        template = self.found[code, version]
        if template is None:
            raise RecordError("template", f"unknown checklist template {code!r}")
        return template

    def _latest(self, code: str, version: int | None) -> ChecklistTemplate | None:
        versions = ChecklistTemplate.objects.filter(chain=self.chain, code=code)
        if version is not None:
            versions = versions.filter(version=version)
        template = versions.first()
        if template is not None:
            by_code = {i.code: i for i in template.items.all()}
            self.items[template.pk] = (item_specs(template), by_code)
        return template


def _checklist(
    chain: Chain, data: dict, code: str, directory: EventDirectory, templates: _Templates
) -> tuple[Checklist, list[ChecklistAnswer]]:
    store = directory.store(data)
    seller = directory.seller(data, required=False)
    at = past_moment(data, "at", store)
    template = templates.find(data)
    answers = fields.mapping(data, "answers")
    if not answers:
        raise RecordError("answers", "is required: {item code: yes|no|na or points}")
    specs, items = templates.items[template.pk]
    try:
        score = score_checklist(specs, answers)
    except AnswerError as exc:
        raise RecordError(f"answers.{exc.item}", str(exc)) from None
    source = fields.text(data, "source", required=False, max_length=20) or Source.VISIT
    if source not in Source.values:
        raise RecordError("source", f"must be one of {', '.join(Source.values)}, got {source!r}")
    checklist = Checklist(
        chain=chain,
        code=code,
        store=store,
        seller=seller,
        at=at.astimezone(UTC),
        day=at.astimezone(store.tz).date(),
        template=template,
        evaluator=fields.text(data, "evaluator", required=False),
        source=source,
        consultation_id=directory.consultation_id(data),
        earned=score.earned,
        possible=score.possible,
        critical_failed=score.critical_failed,
    )
    rows = [
        ChecklistAnswer(
            item=items[s.code],
            answer=str(answers[s.code]).strip().lower(),
            earned=s.earned,
            possible=s.possible,
        )
        for s in score.items
    ]
    return checklist, rows
