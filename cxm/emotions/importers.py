"""Import of the contract kind `emotions` (DESIGN.md §2): camera analytics' observations at
the point of contact, idempotent by `id`."""

from collections.abc import Iterable
from datetime import UTC
from functools import partial

from django.conf import settings
from django.db import transaction

from cxm.emotions.models import Emotion, EmotionObservation, Subject
from cxm.imports import fields
from cxm.imports.records import ImportResult, Record, RecordError, run_in_batches
from cxm.org.models import Chain, Store
from cxm.speech.importers import new_rows
from cxm.staff.importers import EventDirectory, past_moment

SMILE_THRESHOLD = 0.5  # a camera's smile score from which the face counts as smiling


def import_emotions(
    chain: Chain, records: Iterable[Record], *, default_store: Store | None = None
) -> ImportResult:
    directory = EventDirectory(chain, default_store)

    def handle(batch: list[Record], result: ImportResult) -> None:
        parse = partial(_observation, chain, directory=directory)
        fresh = [row for _, row in new_rows(chain, EmotionObservation, batch, parse, result)]
        with transaction.atomic():
            EmotionObservation.objects.bulk_create(fresh)
        result.accepted += len(fresh)

    return run_in_batches("emotions", records, settings.CXM_IMPORT_BATCH, handle)


def _choice(data: dict, name: str, choices: list[str]) -> str:
    value = fields.text(data, name, max_length=20).lower()
    if value not in choices:
        raise RecordError(name, f"must be one of {', '.join(choices)}, got {value!r}")
    return value


def _observation(chain: Chain, data: dict, directory: EventDirectory) -> EmotionObservation:
    code = fields.text(data, "id", max_length=100)
    store = directory.store(data)
    seller = directory.seller(data, required=False)
    at = past_moment(data, "at", store)
    subject = _choice(data, "subject", Subject.values)
    emotion = _choice(data, "emotion", Emotion.values)
    smile = fields.number(data, "smile", low=0, high=1)
    local = at.astimezone(store.tz)
    return EmotionObservation(
        chain=chain,
        code=code,
        store=store,
        seller=seller,
        at=at.astimezone(UTC),
        day=local.date(),
        hour=local.hour,
        subject=subject,
        emotion=emotion,
        smile=smile,
        smiling=smile >= SMILE_THRESHOLD if smile is not None else emotion == Emotion.HAPPY,
    )
