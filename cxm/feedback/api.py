"""The feedback API: the terminal's one read — what its screen shows (its store, the sellers
to pick from, the repeat interval); the device token allows nothing else — and a receipt's
survey link and QR code for the people who print receipts."""

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from cxm.api.auth import request_scope
from cxm.api.schemas import Message
from cxm.devices.api import device_auth
from cxm.devices.models import DeviceToken
from cxm.feedback.importers import setup_for
from cxm.feedback.survey import qr_svg, receipt_link
from cxm.org.models import Seller
from cxm.sales.models import Receipt

router = Router(tags=["feedback"])


class TerminalSeller(Schema):
    code: str
    name: str


class TerminalOut(Schema):
    store: str
    store_name: str
    terminal: str
    repeat_seconds: int
    sellers: list[TerminalSeller]


@router.get(
    "/feedback/terminal",
    auth=[device_auth],
    response=TerminalOut,
    summary="A feedback terminal's screen: its store and the sellers customers may pick",
)
def terminal_setup(request: HttpRequest) -> dict:
    device: DeviceToken = request.auth  # type: ignore[attr-defined]
    store = device.store
    sellers = Seller.objects.filter(store=store, active=True).order_by("name")
    return {
        "store": store.code,
        "store_name": store.name,
        # Repeat presses are judged per terminal: the device's own name keeps tills apart.
        "terminal": f"{device.name} ({device.prefix})",
        "repeat_seconds": setup_for(store.chain).press_repeat_seconds,
        # First name and initial only: the screen faces the public.
        "sellers": [{"code": s.code, "name": _short(s.name)} for s in sellers],
    }


def _short(full_name: str) -> str:
    parts = full_name.split()
    return " ".join(parts[1:2] + [parts[0][:1] + "."]) if len(parts) > 1 else full_name


class SurveyLinkOut(Schema):
    url: str
    qr_svg: str


@router.get(
    "/feedback/survey-link",
    response={200: SurveyLinkOut, 404: Message},
    summary="The QR survey link of one receipt (and its QR code as SVG), for printing",
    description=(
        "A till can also build the link itself: the survey address with the receipt's FNS QR "
        "string as its query (`/feedback/survey/?t=…&s=…&fn=…&i=…&fp=…&n=…`)."
    ),
)
def survey_link(request: HttpRequest, fn: str, fd: int) -> dict:
    scope = request_scope(request)
    receipt = Receipt.objects.filter(
        fiscal_drive_number=fn, fiscal_document_number=fd, store_id__in=scope.store_ids
    ).first()
    if receipt is None or (scope.seller_id is not None and receipt.seller_id != scope.seller_id):
        raise HttpError(404, "no such receipt in your scope")
    url = request.build_absolute_uri(receipt_link(receipt))
    return {"url": url, "qr_svg": qr_svg(url)}
