"""Платформа ОФД as its Client API v1.2.0 PDF describes it (see the research notes §2.1)."""

from datetime import datetime, timedelta

from cxm_replicator.emulation import Emulator, Harness, Reply, Request
from cxm_replicator.providers.platforma import mapping

_TOO_MANY = {"error": "Too many requests. Retry after: 60s"}
_IN_PROCESSING = {
    "exception": "503-01",
    "exception text": "One or more receipts in processing yet",
    "description": "At least one document (receipt) from the specified date period has not "
    "been fully processed yet. Retry the same request after the time specified in the "
    "'Retry-After' HTTP header.",
}


class PlatformaEmulator(Emulator):
    def __init__(self, token: str, *, limit: int = 5000, max_concurrent: int = 2) -> None:
        super().__init__()
        self.token = token
        self.limit = limit
        self.max_concurrent = max_concurrent

    def handle(self, request: Request) -> Reply:
        if request.headers.get("token") != self.token:
            return Reply(401, {"error": "Unauthorized"})
        if self.in_flight > self.max_concurrent:
            return Reply(503, _TOO_MANY)
        if request.path == "/v1/client/kkts":
            return Reply(200, self._kkts())
        if request.path == "/v1/client/receipts":
            return self._receipts(request)
        return Reply(404, {"error": "Not found"})

    def _kkts(self) -> dict:
        registers = self.registers()
        kkts = [{"kktRegNumber": r.ljust(20), "kktName": f"Касса {r[-2:]}"} for r in registers]
        branch = {"branchName": "Головной офис", "branchId": 1, "kkts": kkts[:1]}
        branch["branches"] = [{"branchName": "Магазины", "branchId": 2, "kkts": kkts[1:]}]
        return {
            "kktList": {"orgInn": "7700000000", "orgName": "ООО Ромашка", "orgBranches": [branch]}
        }

    def _receipts(self, request: Request) -> Reply:
        q = {k: v[0] for k, v in request.query.items()}
        try:
            start = _moscow(q["dateFrom"])
            end = _moscow(q["dateTo"])
            register = q["kktRegId"]
        except (KeyError, ValueError):
            return Reply(400, {"error": "kktRegId, dateFrom and dateTo are required"})
        if end - start > timedelta(days=7):
            return Reply(400, {"error": "The period must not exceed 7 days"})
        if q.get("dateType") != "2":
            return Reply(400, {"error": "this emulator serves dateType=2 (receive time) only"})
        if self.in_processing(register, start, end):
            return Reply(503, _IN_PROCESSING, {"Retry-After": "60"})
        docs = self.page(register, start, end, limit=self.limit)
        receipts = [
            d.raw
            if d.receipt is None
            else mapping.from_receipt(d.receipt, d.received_at, 8473465535 + d.number)
            for d in docs
        ]
        return Reply(200, {"receipts": receipts})


def _moscow(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=mapping.MOSCOW)


def harness(limit: int = 5000) -> Harness:
    token = "plat-token-5e1f0c9a"
    broken = {"rqId": 1, "rqDate": "2026.03.02 12:00:00.000", "receiptDate": "вчера"}
    return Harness(
        PlatformaEmulator(token, limit=limit),
        {
            "base_url": "",
            "max_documents": str(limit),
        },  # base_url: filled with the emulator's address once started
        {"token": token},
        [
            broken,
            {"rqId": 2, "rqDate": "2026.03.02 12:00:00.000", "totalSum": "много"},
            "not an object",
            {"rqId": 3, "rqDate": None},
        ],
    )
