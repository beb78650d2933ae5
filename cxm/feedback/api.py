"""The feedback terminal's one read: what its screen shows (its store, the sellers to pick
from, the repeat interval). The device token allows nothing else to be read."""

from django.http import HttpRequest
from ninja import Router, Schema

from cxm.devices.api import device_auth
from cxm.devices.models import DeviceToken
from cxm.feedback.importers import setup_for
from cxm.org.models import Seller

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
