"""The public QR survey: what a link points at (a receipt or a store's poster), the QR code
that carries it, the answer recorded through the import contract, and review invitations.

A receipt link is the receipt's FNS QR string (`t=…&s=…&fn=…&i=…&fp=…&n=…`) as the query
string, or `fn` + `fd` + `fp`: the fiscal sign (ФП) is printed only on the customer's own
receipt, so guessing document numbers cannot answer for other people's receipts. A poster
link carries the store, signed with the installation's secret."""

import uuid
from dataclasses import dataclass
from urllib.parse import urlencode, urlparse

import segno
from django.core import signing
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from cxm.feedback.importers import setup_for
from cxm.feedback.models import ReviewClick, SurveyResponse
from cxm.imports.records import ImportResult, Record
from cxm.imports.registry import run_import
from cxm.metrics.nps import nps_group
from cxm.org.models import Store
from cxm.sales.models import Receipt

_POSTER_SALT = "cxm.feedback.poster"
_REVIEW_SALT = "cxm.feedback.review"


class SurveyLinkError(ValueError):
    """The link names no receipt or store (or one already answered)."""


@dataclass(frozen=True)
class SurveyTarget:
    store: Store
    receipt: Receipt | None = None

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


def qr_svg(url: str) -> str:
    """An inline SVG QR code (segno; error correction M survives a crumpled receipt)."""
    return segno.make(url, error="m").svg_inline(scale=6, border=2)


def resolve_target(params: QueryDict) -> SurveyTarget:
    if params.get("p"):
        try:
            store_id = signing.loads(params["p"], salt=_POSTER_SALT)
        except signing.BadSignature:
            raise SurveyLinkError("this poster link is not valid") from None
        store = Store.objects.filter(pk=store_id).select_related("chain").first()
        if store is None:
            raise SurveyLinkError("this poster link is not valid")
        return SurveyTarget(store)
    fn, fd, fp = params.get("fn", ""), params.get("i") or params.get("fd", ""), params.get("fp")
    if not (fn.isdigit() and fd.isdigit()):
        raise SurveyLinkError("the link names no receipt")
    receipt = (
        Receipt.objects.filter(fiscal_drive_number=fn, fiscal_document_number=int(fd))
        .select_related("store", "store__chain")
        .first()
    )
    if receipt is None or (receipt.fiscal_sign and receipt.fiscal_sign != (fp or "")):
        raise SurveyLinkError("no such receipt: check the link")
    return SurveyTarget(receipt.store, receipt)


def already_answered(target: SurveyTarget) -> bool:
    return target.receipt is not None and target.receipt.survey_responses.exists()


def record_answer(target: SurveyTarget, form: dict, *, declined: bool) -> tuple[ImportResult, str]:
    """Write the answer through the import contract (the same checks as any import); returns
    the result and the answer's `id`."""
    record: dict = {
        "id": target.answer_id,
        "store": target.store.code,
        "at": form["at"],
        "channel": "qr" if target.receipt else "link",
        "declined": declined,
    }
    if target.receipt is not None:
        record["receipt"] = {
            "fn": target.receipt.fiscal_drive_number,
            "fd": target.receipt.fiscal_document_number,
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
    result = run_import(
        "survey_responses", chain, [Record("form", record)], default_store=target.store
    )
    return result, record["id"]


def mark_invited(store: Store, answer_id: str) -> None:
    """The customer was shown the store's public review links after this answer."""
    SurveyResponse.objects.filter(chain_id=store.chain_id, external_id=answer_id).update(
        review_invited=True
    )


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
        token = signing.dumps([store.pk, platform, promoter], salt=_REVIEW_SALT)
        links.append(
            ReviewLink(platform, reverse("feedback:review", args=[token]), qr_svg(address))
        )
    return links


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
