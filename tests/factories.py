"""Builders of contract records and requests for tests."""

from cxm.devices.tokens import issue_device_token
from cxm.org.models import Store
from cxm.org.tokens import issue_token


def receipt(
    fd: int,
    register: str = "0000000000000001",
    *,
    total: int = 150000,
    operation: int = 1,
    when: str = "2026-03-02T12:30:00",
    operator: str = "Иванова Мария Сергеевна, Продавец-кассир",
    items: list[dict] | None = None,
) -> dict:
    """A minimal valid FNS receipt: a phone and its case for `total`, or the `items` given
    (then the total is theirs)."""
    if items is None:
        items = [
            {
                "name": "Смартфон Samsung Galaxy A55 8/256GB",
                "price": total - 50000,
                "quantity": 1,
                "sum": total - 50000,
            },
            {"name": "Чехол-книжка для Samsung A55", "price": 50000, "quantity": 1, "sum": 50000},
        ]
    else:
        total = sum(item["sum"] for item in items)
    return {
        "dateTime": when,
        "operationType": operation,
        "totalSum": total,
        "ecashTotalSum": total,
        "cashTotalSum": 0,
        "items": items,
        "operator": operator,
        "fiscalDriveNumber": "9999078900001234",
        "fiscalDocumentNumber": fd,
        "fiscalSign": "1234567890",
        "kktRegId": register,
    }


def press(n: int, at: str = "2026-03-02T12:00:00+03:00", **extra) -> dict:
    """A feedback terminal's press, as the `presses` contract has it."""
    return {"id": f"p{n}", "store": "MSK-1", "at": at, "button": "excellent", **extra}


def count(start="2026-03-02T10:00:00+03:00", visitors=40, store="MSK-1", **extra) -> dict:
    """A visitor-counter interval of one hour."""
    return {
        "store": store,
        "start": start,
        "minutes": 60,
        "visitors_in": visitors,
        "visitors_out": visitors,
        **extra,
    }


def bearer(user) -> dict[str, str]:
    """Headers of a request authenticated by a fresh token of `user`."""
    _, raw = issue_token(user, "tests")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def device_bearer(store_code: str, kind: str = "other") -> dict[str, str]:
    """Headers of a request from a device of the store `store_code` (its own fresh token)."""
    _, raw = issue_device_token(Store.objects.get(code=store_code), "tests", kind)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
