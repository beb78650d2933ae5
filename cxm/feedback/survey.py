"""The public QR survey: what a link points at (a receipt or a store's poster), the QR code
that carries it, the answer recorded through the import contract, and review invitations.

A receipt link is the receipt's FNS QR string (`t=…&s=…&fn=…&i=…&fp=…&n=…`) as the query
string, or `fn` + `fd` + `fp`: the fiscal sign (ФП) is printed only on the customer's own
receipt, so guessing document numbers cannot answer for other people's receipts. A poster
link carries the store, signed with the installation's secret."""

import uuid
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlencode, urlparse

import segno
from django.core import signing
from django.db import connection
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from cxm.feedback.importers import (
    SETUP_OF_CHAIN,
    insert_survey_answer,
    setup_for,
    survey_answer_row,
)
from cxm.feedback.models import FeedbackSetup, ReviewClick, SurveyResponse
from cxm.imports.records import ImportResult, RecordError
from cxm.imports.registry import import_finished, run_import
from cxm.metrics.nps import nps_group
from cxm.org.models import Chain, Store
from cxm.sales.models import Receipt

_POSTER_SALT = "cxm.feedback.poster"
_REVIEW_SALT = "cxm.feedback.review"


class SurveyLinkError(ValueError):
    """The link names no receipt or store (or one already answered)."""


@dataclass(frozen=True)
class ReceiptRef:
    """What the survey needs of the receipt a link names."""

    pk: int
    store_id: int
    seller_id: int | None
    fiscal_drive_number: str
    fiscal_document_number: int


@dataclass(frozen=True)
class SurveyTarget:
    store: Store
    receipt: ReceiptRef | None = None
    answered: bool = False  # the receipt already has its answer

    @property
    def answer_id(self) -> str:
        """The contract `id`: one per receipt, so a second answer is a duplicate."""
        if self.receipt is None:
            return f"poster-{uuid.uuid4().hex}"
        return f"qr-{self.receipt.fiscal_drive_number}-{self.receipt.fiscal_document_number}"


def receipt_link(receipt: Receipt) -> str:
    """The survey path for one receipt (prefix the site's address for a QR code)."""
    params = {
        "fn": receipt.fiscal_drive_number,
        "i": receipt.fiscal_document_number,
        "fp": receipt.fiscal_sign,
    }
    return f"{reverse('feedback:survey')}?{urlencode(params)}"


def poster_link(store: Store) -> str:
    token = signing.dumps(store.pk, salt=_POSTER_SALT, compress=True)
    return f"{reverse('feedback:survey')}?{urlencode({'p': token})}"


@lru_cache(maxsize=1024)
def qr_svg(url: str) -> str:
    """An inline SVG QR code (segno; error correction M survives a crumpled receipt). Kept:
    a store's review and poster addresses are drawn again for every answer, and drawing one
    costs more than the rest of the request."""
    return segno.make(url, error="m").svg_inline(scale=6, border=2)


def resolve_target(params: QueryDict) -> SurveyTarget:
    if params.get("p"):
        try:
            store_id = signing.loads(params["p"], salt=_POSTER_SALT)
        except signing.BadSignature:
            raise SurveyLinkError("this poster link is not valid") from None
        store = (
            Store.objects.filter(pk=store_id)
            .select_related("chain", f"chain__{SETUP_OF_CHAIN}")
            .first()
        )
        if store is None:
            raise SurveyLinkError("this poster link is not valid")
        return SurveyTarget(store)
    fn, fd, fp = params.get("fn", ""), params.get("i") or params.get("fd", ""), params.get("fp")
    if not (fn.isdigit() and fd.isdigit()):
        raise SurveyLinkError("the link names no receipt")
    found = _receipt(fn, int(fd))
    if found is None or (found[1] and found[1] != (fp or "")):
        raise SurveyLinkError("no such receipt: check the link")
    ref, _sign, answered, store = found
    return SurveyTarget(store, ref, answered)


def _receipt(fn: str, fd: int) -> tuple[ReceiptRef, str, bool, Store] | None:
    """(the receipt, its fiscal sign, answered already, its store with the chain and the
    chain's survey choices) by its fiscal identity, or None. One statement written out in
    SQL: every survey page and answer opens with it, and composing it through the ORM costs
    some thirty times what running it does."""
    q = connection.ops.quote_name
    receipt, store, chain, setup = (
        q(m._meta.db_table) for m in (Receipt, Store, Chain, FeedbackSetup)
    )
    sql = (
        f"SELECT {receipt}.{q('id')}, {receipt}.{q('seller_id')}, {receipt}.{q('fiscal_sign')}, "
        f"EXISTS (SELECT 1 FROM {q(SurveyResponse._meta.db_table)} a "
        f"WHERE a.{q('receipt_id')} = {receipt}.{q('id')}), "
        f"{_columns(Store)}, {_columns(Chain)}, {_columns(FeedbackSetup)} "
        f"FROM {receipt} JOIN {store} ON {store}.{q('id')} = {receipt}.{q('store_id')} "
        f"JOIN {chain} ON {chain}.{q('id')} = {store}.{q('chain_id')} "
        f"LEFT JOIN {setup} ON {setup}.{q('chain_id')} = {chain}.{q('id')} "
        f"WHERE {receipt}.{q('fiscal_drive_number')} = %s "
        f"AND {receipt}.{q('fiscal_document_number')} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [fn, fd])
        row = cursor.fetchone()
    if row is None:
        return None
    pk, seller_id, sign, answered = row[:4]
    rest = iter(row[4:])
    the_store, the_chain, the_setup = (_instance(m, rest) for m in (Store, Chain, FeedbackSetup))
    Store.chain.field.set_cached_value(the_store, the_chain)  # type: ignore[attr-defined]
    _SETUP_OF_CHAIN.set_cached_value(the_chain, the_setup if the_setup.pk is not None else None)
    return ReceiptRef(pk, the_store.pk, seller_id, fn, fd), sign, bool(answered), the_store


_SETUP_OF_CHAIN = Chain.feedback_setup.related  # type: ignore[attr-defined]


def _columns(model) -> str:
    q = connection.ops.quote_name
    table = q(model._meta.db_table)
    return ", ".join(f"{table}.{q(f.column)}" for f in model._meta.concrete_fields)


def _instance(model, values):
    """A model instance from its columns' raw values, converted as the ORM converts them."""
    fields = model._meta.concrete_fields
    converted = []
    for field in fields:
        value = next(values)
        column, converters = _converters(field)
        for converter in converters:
            value = converter(value, column, connection)
        converted.append(value)
    return model.from_db(connection.alias, [f.attname for f in fields], converted)


@lru_cache(maxsize=256)
def _converters(field) -> tuple:
    column = field.get_col(field.model._meta.db_table)
    return column, connection.ops.get_db_converters(column) + column.get_db_converters(connection)


def already_answered(target: SurveyTarget) -> bool:
    return target.answered


@dataclass(frozen=True)
class Recorded:
    result: ImportResult
    answer: SurveyResponse | None  # None when rejected
    links: list["ReviewLink"]  # the public review links the thank-you page shows


def record_answer(target: SurveyTarget, form: dict, *, declined: bool) -> Recorded:
    """Write the answer with the checks of the `survey_responses` import (a rejection names
    its field as the import's would), marked as invited when the thank-you page will show the
    store's review links; listeners of `import_finished` (the incident rules) hear of it."""
    record: dict = {
        "id": target.answer_id,
        "store": target.store.code,
        "at": form["at"],
        "channel": "qr" if target.receipt else "link",
        "declined": declined,
    }
    if not declined:
        record.update(
            nps=form.get("nps"),
            answers=form.get("answers", {}),
            comment=form.get("comment", ""),
            contact=form.get("contact", ""),
            contact_consent=form.get("contact_consent", False),
        )
    chain = target.store.chain
    receipt = target.receipt
    tie = None if receipt is None else (receipt.pk, receipt.store_id, receipt.seller_id)
    result = ImportResult("survey_responses")
    try:
        answer = survey_answer_row(chain, record, target.store, tie)
    except RecordError as exc:
        result.reject("form", exc.field, exc.message)
        return Recorded(result, None, [])
    links = review_links(target.store, answer.nps)
    answer.review_invited = bool(links)
    if not insert_survey_answer(answer):
        result.reject("form", "receipt", "this receipt already has an answer")
        return Recorded(result, None, [])
    result.accepted = 1
    import_finished.send(sender=run_import, kind="survey_responses", chain=chain, result=result)
    return Recorded(result, answer, links)


def count_review_click(store: Store, platform: str, promoter: bool) -> ReviewClick:
    now = timezone.now()
    return ReviewClick.objects.create(
        store=store, platform=platform, promoter=promoter, day=now.astimezone(store.tz).date()
    )


def survey_bank(store: Store) -> str:
    return setup_for(store.chain).bank


PLATFORM_NAMES = {"yandex": "Яндекс Карты", "2gis": "2ГИС", "google": "Google Maps"}


@dataclass(frozen=True)
class ReviewLink:
    platform: str
    url: str  # our counting redirect
    qr: str  # inline SVG of the platform's own address

    @property
    def name(self) -> str:
        return PLATFORM_NAMES.get(self.platform, self.platform)


def review_links(store: Store, nps: int | None) -> list[ReviewLink]:
    """The store's public review links, each through the click-counting redirect. Shown to
    everyone — never hidden from the unhappy."""
    promoter = nps is not None and nps_group(nps) == 1
    links = []
    for platform, address in sorted((store.review_links or {}).items()):
        if not _is_web_address(address):
            continue
        links.append(
            ReviewLink(platform, _review_path(store.pk, platform, promoter), qr_svg(address))
        )
    return links


@lru_cache(maxsize=4096)
def _review_path(store_id: int, platform: str, promoter: bool) -> str:
    """The counting redirect of one store's platform (signed: the same for every answer)."""
    token = signing.dumps([store_id, platform, promoter], salt=_REVIEW_SALT)
    return reverse("feedback:review", args=[token])


def follow_review_link(token: str) -> tuple[Store, str, str, bool]:
    """(store, platform, its address, was the customer a promoter) behind a review token."""
    try:
        store_id, platform, promoter = signing.loads(token, salt=_REVIEW_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        raise SurveyLinkError("this review link is not valid") from None
    store = Store.objects.filter(pk=store_id).first()
    address = (store.review_links or {}).get(platform) if store else None
    if store is None or not _is_web_address(address):
        raise SurveyLinkError("this review link is not valid")
    return store, platform, address, bool(promoter)


def _is_web_address(value: object) -> bool:
    return isinstance(value, str) and urlparse(value).scheme in ("http", "https")
