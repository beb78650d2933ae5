"""Import of `presses` (feedback terminals) and `survey_responses` (QR surveys, terminals,
links): DESIGN.md §2, documented in docs/import-contract.md. Idempotent by `id` within the
chain; each rejection names the record's position and field."""

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache

from django.conf import settings
from django.db import IntegrityError, connection, transaction

from cxm.feedback.banks import SCALE, bank_of
from cxm.feedback.models import (
    NEGATIVE_BUTTONS,
    Button,
    Channel,
    FeedbackSetup,
    Press,
    Reason,
    SurveyResponse,
)
from cxm.imports import fields
from cxm.imports.bulk import insert_rows, stored_keys
from cxm.imports.records import (
    SHORT_ROWS_BATCH,
    ImportResult,
    Record,
    RecordError,
    run_in_batches,
    write_in_batches,
)
from cxm.org.models import Chain, Store
from cxm.rollups import versions
from cxm.rollups.refresh import (
    SERVICE,
    add_to_service_days,
    answer_column,
    press_column,
    refresh_store_days,
    write_counted,
)
from cxm.sales.models import Receipt
from cxm.staff.importers import EventDirectory

MAX_COMMENT = 1000
MAX_CONTACT = 200


# Read with the chain where a hot path can (`select_related(SETUP_OF_CHAIN)` from a store or a
# device): then `setup_for` needs no query of its own.
SETUP_OF_CHAIN = "feedback_setup"
_SETUP = Chain.feedback_setup.related  # type: ignore[attr-defined]


def setup_for(chain: Chain) -> FeedbackSetup:
    """The chain's customer-voice choices (defaults until someone changes them)."""
    if _SETUP.is_cached(chain):
        setup = _SETUP.get_cached_value(chain)
    else:
        setup = FeedbackSetup.objects.filter(chain=chain).first()
    return setup or FeedbackSetup(chain=chain)


def _seller_id(directory: EventDirectory, data: dict, store: Store) -> int | None:
    """The seller the customer picked, if any: one of that store's sellers."""
    seller = directory.seller(data, required=False, works_in=store)
    return None if seller is None else seller.pk


def _when(data: dict, store: Store) -> tuple[datetime, datetime]:
    tz = store.tz
    at = fields.moment(data, "at", tz)
    return at.astimezone(UTC), at.astimezone(tz)


def _choice(data: dict, name: str, choices: type, default: str | None = None) -> str:
    value = data.get(name) or default
    if value not in _values_of(choices):
        allowed = "|".join(choices.values)  # type: ignore[attr-defined]
        raise RecordError(name, f"must be one of {allowed}, got {value!r}")
    return str(value)


@cache
def _values_of(choices: type) -> frozenset[str]:
    # Django builds `choices.values` anew on every read: once per import field, not per press.
    return frozenset(choices.values)  # type: ignore[attr-defined]


def _boolean(data: dict, name: str) -> bool:
    value = data.get(name, False)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"true", "false", "1", "0", ""}:
        return value.lower() in {"true", "1"}
    raise RecordError(name, f"must be true or false, got {value!r}")


# presses ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _PressRow:
    """A press as the import handles it. Plain slots: a model instance a record cost more
    than writing the row."""

    external_id: str
    store_id: int
    seller_id: int | None
    terminal: str
    at: datetime  # UTC
    day: date  # the store's local day
    hour: int
    button: str
    question: str
    reason: str
    repeat: bool = False

    def row(self, chain: Chain) -> tuple:
        """The values of PRESS_FIELDS."""
        return (
            chain.pk,
            self.external_id,
            self.store_id,
            self.seller_id,
            self.terminal,
            self.at,
            self.day,
            self.hour,
            self.button,
            self.question,
            self.reason,
            self.repeat,
        )


PRESS_FIELDS = (
    "chain",
    "external_id",
    "store",
    "seller",
    "terminal",
    "at",
    "day",
    "hour",
    "button",
    "question",
    "reason",
    "repeat",
)


def import_presses(
    chain: Chain, records: Iterable[Record], *, default_store: Store | None = None
) -> ImportResult:
    directory = EventDirectory(chain, default_store)
    interval = timedelta(seconds=setup_for(chain).press_repeat_seconds)
    resent = False  # the batch before held stored presses

    def check(batch: list[Record], result: ImportResult) -> dict[str, _PressRow]:
        rows: dict[str, _PressRow] = {}
        for record in batch:
            try:
                row = _press(record.data, directory)
            except RecordError as exc:
                result.reject(record.position, exc.field, exc.message)
                continue
            if row.external_id in rows:
                result.duplicates += 1
            else:
                rows[row.external_id] = row
        return rows

    def write(rows: dict[str, _PressRow], result: ImportResult) -> None:
        nonlocal resent
        resent = _write_presses(chain, rows, interval, result, look_up=resent)

    return write_in_batches("presses", records, SHORT_ROWS_BATCH, check, write)


def _press(data: dict, directory: EventDirectory) -> _PressRow:
    external_id = fields.text(data, "id", max_length=100)
    store = directory.store(data)
    at, local = _when(data, store)
    button = _choice(data, "button", Button)
    reason = _choice(data, "reason", Reason) if data.get("reason") else ""
    if reason and button not in NEGATIVE_BUTTONS:
        raise RecordError("reason", "is asked only after a negative press")
    return _PressRow(
        external_id,
        store.pk,
        _seller_id(directory, data, store),
        fields.text(data, "terminal", required=False, max_length=100),
        at,
        local.date(),
        local.hour,
        button,
        fields.text(data, "question", required=False, max_length=100),
        reason,
    )


def _write_presses(
    chain: Chain,
    rows: dict[str, _PressRow],
    interval: timedelta,
    result: ImportResult,
    *,
    look_up: bool,
) -> bool:
    """Write the batch's presses that are not stored yet; True when some were (a re-sent
    batch). Most batches are new presses: written without asking which ids are stored (the
    look-up, 11 ms a batch of 2,000, was an eighth of a large import on PostgreSQL); the
    unique id refuses a batch holding a stored one, and only then are those left out. After
    such a batch the next is looked up first (`look_up`): a file sent again is read back,
    not written twice."""
    if not rows:
        return False
    if len(rows) == 1:
        _write_one_press(chain, next(iter(rows.values())), interval, result)
        return False
    known = stored_keys(Press, "external_id", chain.pk, list(rows)) if look_up else {}
    fresh = [r for r in sorted(rows.values(), key=lambda r: r.at) if r.external_id not in known]
    try:
        _insert_presses(chain, fresh, interval)
    except IntegrityError:
        stored = stored_keys(Press, "external_id", chain.pk, list(rows))
        if stored.keys() <= known.keys():
            raise  # not a stored press: something else refused the batch
        known = stored
        fresh = [r for r in fresh if r.external_id not in known]
        _insert_presses(chain, fresh, interval)
    result.duplicates += len(rows) - len(fresh)
    result.accepted += len(fresh)
    return bool(known)


def _insert_presses(chain: Chain, fresh: list[_PressRow], interval: timedelta) -> None:
    """Write new presses (sorted by time), flagged and counted, in a transaction of their
    own — a savepoint where the batch's transaction is open (write_in_batches): when the
    unique id refuses them, nothing of them stays and the batch goes on without them."""
    if not fresh:
        return
    _flag_repeats(fresh, interval)
    with transaction.atomic():
        insert_rows(Press, PRESS_FIELDS, [r.row(chain) for r in fresh])
        add_to_service_days(
            (r.store_id, r.seller_id, r.day, press_column(r.button, r.repeat)) for r in fresh
        )


def _write_one_press(
    chain: Chain, row: _PressRow, interval: timedelta, result: ImportResult
) -> None:
    """A terminal's push: one press, many times a second across a chain. The unique id
    finds a press sent twice, so nothing is asked before the insert."""
    row.repeat = _counted_press_near(row, interval)
    try:
        write_counted(Press(chain=chain, **asdict(row)), press_column(row.button, row.repeat))
    except IntegrityError:
        if not Press.objects.filter(chain=chain, external_id=row.external_id).exists():
            raise
        result.duplicates += 1
    else:
        result.accepted += 1


def _counted_press_near(row: _PressRow, interval: timedelta) -> bool:
    """`_flag_repeats` for one press: is a counted press of its terminal closer than
    `interval`? Written out in SQL — composing it through the ORM costs forty times its run,
    and every press of every terminal asks it."""
    q = connection.ops.quote_name
    adapt = connection.ops.adapt_datetimefield_value
    sql = (
        f"SELECT 1 FROM {q(Press._meta.db_table)} WHERE {q('store_id')} = %s "
        f"AND {q('terminal')} = %s AND {q('repeat')} = %s AND {q('at')} > %s AND {q('at')} < %s"
    )
    params = [row.store_id, row.terminal, False, adapt(row.at - interval), adapt(row.at + interval)]
    with connection.cursor() as cursor:
        cursor.execute(sql + " LIMIT 1", params)
        return cursor.fetchone() is not None


def _flag_repeats(fresh: list[_PressRow], interval: timedelta) -> None:
    """A press closer than `interval` to a counted press of the same terminal is a repeat
    (a child drumming on the screen, a flood): kept, flagged, counted nowhere. Presses
    from an offline queue arrive late, so stored neighbours on both sides are looked at.
    Each terminal's counted times are kept sorted: the nearest one on either side decides."""
    counted: dict[tuple[int, str], list[datetime]] = defaultdict(list)
    # One query a batch; the local days around the batch's span let the (store, day) index
    # find the neighbours however long the stores' history.
    margin = timedelta(days=interval.days + 1)
    stored = Press.objects.filter(
        store_id__in={row.store_id for row in fresh},
        day__gte=min(row.day for row in fresh) - margin,
        day__lte=max(row.day for row in fresh) + margin,
        repeat=False,
        at__gt=fresh[0].at - interval,
        at__lt=fresh[-1].at + interval,
    ).values_list("store_id", "terminal", "at")
    for store_id, terminal, at in stored:
        counted[store_id, terminal].append(at)
    for times in counted.values():
        times.sort()
    for row in fresh:
        times = counted[row.store_id, row.terminal]
        at = row.at
        i = bisect_left(times, at)  # times[i - 1] < at <= times[i]
        row.repeat = (i > 0 and at - times[i - 1] < interval) or (
            i < len(times) and times[i] - at < interval
        )
        if not row.repeat:
            times.insert(i, at)


# survey responses ------------------------------------------------------------------------


@dataclass
class _Response:
    row: SurveyResponse
    fiscal: tuple[str, int] | None


def import_survey_responses(
    chain: Chain, records: Iterable[Record], *, default_store: Store | None = None
) -> ImportResult:
    directory = EventDirectory(chain, default_store)

    def handle(batch: list[Record], result: ImportResult) -> None:
        parsed: list[tuple[str, _Response]] = []
        for record in batch:
            try:
                parsed.append((record.position, _response(chain, record.data, directory)))
            except RecordError as exc:
                result.reject(record.position, exc.field, exc.message)
        _write_responses(chain, parsed, result)

    return run_in_batches("survey_responses", records, settings.CXM_IMPORT_BATCH, handle)


def _response(chain: Chain, data: dict, directory: EventDirectory) -> _Response:
    external_id = fields.text(data, "id", max_length=100)
    store = directory.store(data)
    at, local = _when(data, store)
    declined = _boolean(data, "declined")
    nps = None if declined else _score(data, "nps", range(0, 11))
    if declined and data.get("nps") not in (None, ""):
        raise RecordError("nps", "a declined survey has no score")
    contact = fields.text(data, "contact", required=False, max_length=MAX_CONTACT)
    consent = _boolean(data, "contact_consent")
    if contact and not consent:
        raise RecordError("contact", "is kept only with the customer's consent (contact_consent)")
    row = SurveyResponse(
        chain=chain,
        external_id=external_id,
        store=store,
        seller_id=_seller_id(directory, data, store),
        at=at,
        day=local.date(),
        hour=local.hour,
        channel=_choice(data, "channel", Channel, Channel.QR),
        declined=declined,
        nps=nps,
        answers={} if declined else _answers(data),
        comment=_comment(data),
        contact=contact,
        contact_consent=consent and bool(contact),
    )
    return _Response(row, _fiscal(data))


def survey_answer_row(
    chain: Chain, data: dict, store: Store, receipt: tuple[int, int, int | None] | None
) -> SurveyResponse:
    """One answer from the survey page, checked as the import checks a record (raises
    RecordError), tied to its receipt (id, store id, seller id) when it has one."""
    row = _response(chain, data, EventDirectory(chain, store)).row
    if receipt is not None:
        _tie_to_receipt(row, receipt, set())
    return row


def insert_survey_answer(row: SurveyResponse) -> bool:
    """Writes one answer; False when its receipt (or its id) already has one. The database's
    unique constraints decide, so two phones posting at once cannot both be kept."""
    try:
        write_counted(row, answer_column(row.nps, row.declined))
    except IntegrityError:
        taken = SurveyResponse.objects.filter(chain_id=row.chain_id, external_id=row.external_id)
        if row.receipt_id is not None:
            taken |= SurveyResponse.objects.filter(receipt_id=row.receipt_id)
        if not taken.exists():
            raise
        return False
    return True


def _score(data: dict, name: str, allowed: range) -> int:
    value = data.get(name)
    if isinstance(value, bool) or value is None or value == "":
        raise RecordError(name, f"is required: {allowed.start}–{allowed.stop - 1}")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise RecordError(name, f"must be a whole number, got {value!r}") from None
    if number != value and str(number) != str(value).strip():
        raise RecordError(name, f"must be a whole number, got {value!r}")
    if number not in allowed:
        raise RecordError(name, f"must be {allowed.start}–{allowed.stop - 1}, got {number}")
    return number


def _answers(data: dict) -> dict[str, int]:
    answers = fields.mapping(data, "answers")
    checked = {}
    for code in answers:
        if bank_of(code) is None:
            raise RecordError(f"answers.{code}", "is not a factor of any question bank")
        try:
            checked[code] = _score(answers, code, range(SCALE[0], SCALE[-1] + 1))
        except RecordError as exc:
            raise RecordError(f"answers.{code}", exc.message) from None
    return checked


def _comment(data: dict) -> str:
    value = data.get("comment")
    if value in (None, ""):
        return ""
    if not isinstance(value, str):
        raise RecordError("comment", f"must be text, got {type(value).__name__}")
    if len(value) > MAX_COMMENT:
        raise RecordError("comment", f"is longer than {MAX_COMMENT} characters")
    # Kept as plain text: every page escapes it, so markup in it is shown, never run.
    return "".join(ch for ch in value if ch.isprintable() or ch in "\n\t").strip()


def _fiscal(data: dict) -> tuple[str, int] | None:
    receipt = data.get("receipt")
    if receipt in (None, "", {}):
        return None
    if not isinstance(receipt, dict):
        raise RecordError("receipt", "must be an object {fn, fd}")
    fn = fields.text(receipt, "fn", max_length=20)
    try:
        return fn, fields.integer(receipt, "fd", minimum=1)
    except RecordError as exc:
        raise RecordError(f"receipt.{exc.field}", exc.message) from None


def _write_responses(
    chain: Chain, parsed: list[tuple[str, _Response]], result: ImportResult
) -> None:
    ids = {r.row.external_id for _, r in parsed}
    known = set(
        SurveyResponse.objects.filter(chain=chain, external_id__in=ids).values_list(
            "external_id", flat=True
        )
    )
    receipts = _receipts(chain, {r.fiscal for _, r in parsed if r.fiscal})
    answered = set(
        SurveyResponse.objects.filter(
            receipt_id__in=[pk for pk, _, _ in receipts.values()]
        ).values_list("receipt_id", flat=True)
    )
    fresh = []
    for position, response in parsed:
        row = response.row
        if row.external_id in known:
            result.duplicates += 1
            continue
        if response.fiscal is not None:
            try:
                _tie_to_receipt(row, receipts.get(response.fiscal), answered)
            except RecordError as exc:
                result.reject(position, exc.field, exc.message)
                continue
        known.add(row.external_id)
        fresh.append(row)
    with transaction.atomic():
        SurveyResponse.objects.bulk_create(fresh)
        refresh_store_days(
            {(r.store.pk, r.day) for r in fresh}, frozenset({SERVICE}), written=[versions.FEEDBACK]
        )
    result.accepted += len(fresh)


def _receipts(chain: Chain, keys: set[tuple[str, int]]) -> dict[tuple[str, int], tuple]:
    """(fn, fd) → (receipt id, store id, seller id) of the chain's receipts among `keys`."""
    if not keys:
        return {}
    rows = Receipt.objects.filter(
        store__chain=chain,
        fiscal_drive_number__in={fn for fn, _ in keys},
        fiscal_document_number__in={fd for _, fd in keys},
    ).values_list("fiscal_drive_number", "fiscal_document_number", "pk", "store_id", "seller_id")
    return {(fn, fd): rest for fn, fd, *rest in rows if (fn, fd) in keys}


def _tie_to_receipt(row: SurveyResponse, receipt: tuple | None, answered: set[int]) -> None:
    """One answer per receipt, from the receipt's own store; its seller is the receipt's."""
    if receipt is None:
        raise RecordError("receipt", "no such receipt (fn, fd) in this chain")
    pk, store_id, seller_id = receipt
    if store_id != row.store.pk:
        raise RecordError("receipt", "the receipt is from another store")
    if pk in answered:
        raise RecordError("receipt", "this receipt already has an answer")
    if row.seller_id is None:
        row.seller_id = seller_id
    row.receipt_id = pk
    answered.add(pk)
