"""Builders of contract records for tests."""


def receipt(fd: int, register: str = "0000000000000001", *, total: int = 150000,
            operation: int = 1, when: str = "2026-03-02T12:30:00",
            operator: str = "Иванова Мария Сергеевна, Продавец-кассир") -> dict:
    """A minimal valid FNS receipt with one or two lines."""
    items = [{"name": "Смартфон Samsung Galaxy A55 8/256GB", "price": total - 50000,
              "quantity": 1, "sum": total - 50000},
             {"name": "Чехол-книжка для Samsung A55", "price": 50000, "quantity": 1,
              "sum": 50000}]
    return {"dateTime": when, "operationType": operation, "totalSum": total,
            "ecashTotalSum": total, "cashTotalSum": 0, "items": items,
            "operator": operator, "fiscalDriveNumber": "9999078900001234",
            "fiscalDocumentNumber": fd, "fiscalSign": "1234567890", "kktRegId": register}
