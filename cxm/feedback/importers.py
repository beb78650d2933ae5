"""Import of `presses` (feedback terminals) and `survey_responses` (QR surveys, terminals,
links): DESIGN.md §2, documented in docs/import-contract.md. Idempotent by `id` within the
chain; each rejection names the record's position and field."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

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
from cxm.imports.records import ImportResult, Record, RecordError, run_in_batches
from cxm.org.models import Chain, Seller, Store
from cxm.rollups.refresh import SERVICE, refresh_store_days
from cxm.sales.models import Receipt

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


class _Directory:
    """The chain's stores and sellers by code, for resolving records; each list is read only
    when a record needs it (a terminal's push names neither, and comes many times a second)."""

    def __init__(self, chain: Chain):
        self.chain = chain
        self._stores: dict[str, Store] | None = None
        self._sellers: dict[str, tuple[int, int]] | None = None

    def store(self, data: dict, default_store: Store | None) -> Store:
        code = data.get("store")
        if not code or (default_store is not None and str(code) == default_store.code):
            store = default_store
        else:
            if self._stores is None:
                self._stores = {s.code: s for s in Store.objects.filter(chain=self.chain)}
            store = self._stores.get(str(code))
        if store is None:
            raise RecordError("store", f"unknown store {code!r}" if code else "is required")
        return store

    def seller(self, data: dict, store: Store) -> int | None:
        code = fields.text(data, "seller", required=False, max_length=40)
        if not code:
            return None
        if self._sellers is None:
            rows = Seller.objects.filter(chain=self.chain).values_list("code", "pk", "store_id")
            self._sellers = {code: (pk, store_id) for code, pk, store_id in rows}
        if code not in self._sellers:
            raise RecordError("seller", f"unknown seller {code!r}")
        pk, store_id = self._sellers[code]
        if store_id != store.pk:
            raise RecordError("seller", f"seller {code!r} works in another store")
        return pk


def _when(data: dict, store: Store) -> tuple[datetime, datetime]:
    at = fields.moment(data, "at", store.tz)
    return at.astimezone(UTC), at.astimezone(store.tz)


def _choice(data: dict, name: str, choices: type, default: str | None = None) -> str:
    value = data.get(name) or default
    if value not in choices.values:  # type: ignore[attr-defined]
        allowed = "|".join(choices.values)  # type: ignore[attr-defined]
        raise RecordError(name, f"must be one of {allowed}, got {value!r}")
    return str(value)


def _boolean(data: dict, name: str) -> bool:
    value = data.get(name, False)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"true", "false", "1", "0", ""}:
        return value.lower() in {"true", "1"}
    raise RecordError(name, f"must be true or false, got {value!r}")


# presses ---------------------------------------------------------------------------------


def import_presses(
    chain: Chain, records: Iterable[Record], *, default_store: Store | None = None
) -> ImportResult:
    directory = _Directory(chain)
    interval = timedelta(seconds=setup_for(chain).press_repeat_seconds)

    def handle(batch: list[Record], result: ImportResult) -> None:
        rows: dict[str, Press] = {}
        for record in batch:
            try:
                row = _press(chain, record.data, directory, default_store)
            except RecordError as exc:
                result.reject(record.position, exc.field, exc.message)
                continue
            if row.external_id in rows:
                result.duplicates += 1
            else:
                rows[row.external_id] = row
        _write_presses(chain, rows, interval, result)

    return run_in_batches("presses", records, settings.CXM_IMPORT_BATCH, handle)


def _press(chain: Chain, data: dict, directory: _Directory, default: Store | None) -> Press:
    external_id = fields.text(data, "id", max_length=100)
    store = directory.store(data, default)
    at, local = _when(data, store)
    button = _choice(data, "button", Button)
    reason = _choice(data, "reason", Reason) if data.get("reason") else ""
    if reason and button not in NEGATIVE_BUTTONS:
        raise RecordError("reason", "is asked only after a negative press")
    return Press(
        chain=chain,
        external_id=external_id,
        store=store,
        seller_id=directory.seller(data, store),
        terminal=fields.text(data, "terminal", required=False, max_length=100),
        at=at,
        day=local.date(),
        hour=local.hour,
        button=button,
        question=fields.text(data, "question", required=False, max_length=100),
        reason=reason,
    )


def _write_presses(
    chain: Chain, rows: dict[str, Press], interval: timedelta, result: ImportResult
) -> None:
    if len(rows) == 1:
        _write_one_press(chain, next(iter(rows.values())), interval, result)
        return
    known = set(
        Press.objects.filter(chain=chain, external_id__in=list(rows)).values_list(
            "external_id", flat=True
        )
    )
    fresh = sorted((r for i, r in rows.items() if i not in known), key=lambda r: r.at)
    result.duplicates += len(rows) - len(fresh)
    if not fresh:
        return
    _flag_repeats(fresh, interval)
    with transaction.atomic():
        Press.objects.bulk_create(fresh)
        refresh_store_days({(r.store.pk, r.day) for r in fresh}, frozenset({SERVICE}))
    result.accepted += len(fresh)


def _write_one_press(chain: Chain, row: Press, interval: timedelta, result: ImportResult) -> None:
    """A terminal's push: one press, many times a second across a chain. The unique id
    finds a press sent twice, so nothing is asked before the insert."""
    row.repeat = _counted_press_near(row, interval)
    try:
        with transaction.atomic():
            Press.objects.bulk_create([row])
            refresh_store_days([(row.store.pk, row.day)], frozenset({SERVICE}))
    except IntegrityError:
        if not Press.objects.filter(chain=chain, external_id=row.external_id).exists():
            raise
        result.duplicates += 1
    else:
        result.accepted += 1


def _counted_press_near(row: Press, interval: timedelta) -> bool:
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


def _flag_repeats(fresh: list[Press], interval: timedelta) -> None:
    """A press closer than `interval` to a counted press of the same terminal is a repeat
    (a child drumming on the screen, a flood): kept, flagged, counted nowhere. Presses
    from an offline queue arrive late, so stored neighbours on both sides are looked at."""
    counted: dict[tuple[int, str], list[datetime]] = {}
    for row in fresh:
        key = (row.store.pk, row.terminal)
        if key not in counted:
            counted[key] = list(
                Press.objects.filter(
                    store_id=key[0],
                    terminal=key[1],
                    repeat=False,
                    at__gt=fresh[0].at - interval,
                    at__lt=fresh[-1].at + interval,
                ).values_list("at", flat=True)
            )
        near = any(abs(row.at - other) < interval for other in counted[key])
        row.repeat = near
        if not near:
            counted[key].append(row.at)


# survey responses ------------------------------------------------------------------------


@dataclass
class _Response:
    row: SurveyResponse
    fiscal: tuple[str, int] | None


def import_survey_responses(
    chain: Chain, records: Iterable[Record], *, default_store: Store | None = None
) -> ImportResult:
    directory = _Directory(chain)

    def handle(batch: list[Record], result: ImportResult) -> None:
        parsed: list[tuple[str, _Response]] = []
        for record in batch:
            try:
                parsed.append(
                    (record.position, _response(chain, record.data, directory, default_store))
                )
            except RecordError as exc:
                result.reject(record.position, exc.field, exc.message)
        _write_responses(chain, parsed, result)

    return run_in_batches("survey_responses", records, settings.CXM_IMPORT_BATCH, handle)


def _response(chain: Chain, data: dict, directory: _Directory, default: Store | None) -> _Response:
    external_id = fields.text(data, "id", max_length=100)
    store = directory.store(data, default)
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
        seller_id=directory.seller(data, store),
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
    row = _response(chain, data, _Directory(chain), store).row
    if receipt is not None:
        _tie_to_receipt(row, receipt, set())
    return row


def insert_survey_answer(row: SurveyResponse) -> bool:
    """Writes one answer; False when its receipt (or its id) already has one. The database's
    unique constraints decide, so two phones posting at once cannot both be kept."""
    try:
        with transaction.atomic():
            SurveyResponse.objects.bulk_create([row])
            refresh_store_days([(row.store_id, row.day)], frozenset({SERVICE}))
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
        refresh_store_days({(r.store.pk, r.day) for r in fresh}, frozenset({SERVICE}))
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
