"""OFD.ru's integration API v2 as its pages and client code describe it (research §2.2)."""

import secrets
from datetime import UTC, datetime, timedelta

from cxm_replicator.emulation import Emulator, Harness, Reply, Request
from cxm_replicator.providers.ofdru import mapping

INN = "7700000000"


class OfdRuEmulator(Emulator):
    def __init__(self, login: str, password: str, *, token_life: timedelta = timedelta(hours=24)):
        super().__init__()
        self.login, self.password = login, password
        self.token_life = token_life
        self.tokens: dict[str, datetime] = {}
        self.logins = 0

    def expire_tokens(self) -> None:
        self.tokens.clear()

    def is_auth_call(self, request: Request) -> bool:
        return request.path == "/api/Authorization/CreateAuthToken"

    def handle(self, request: Request) -> Reply:
        if self.is_auth_call(request):
            return self._create_token(request)
        token = (request.query.get("AuthToken") or [""])[0]
        if self.tokens.get(token, datetime.min.replace(tzinfo=UTC)) < datetime.now(UTC):
            return Reply(401, {"Status": "Failed", "Errors": ["Unauthorized"]})
        parts = request.path.removeprefix("/api/integration/v2/").split("/")
        if len(parts) < 3 or parts[0] != "inn" or parts[1] != INN:
            return Reply(404, {"Status": "Failed", "Errors": ["Not found"]})
        if parts[2:] == ["kkts"]:
            registers = self.registers()
            return Reply(200, {"Status": "Success", "Data": [{"KktRegId": r} for r in registers]})
        if len(parts) == 5 and parts[2] == "kkt" and parts[4] == "receipts-with-fpd-short":
            return self._receipts(parts[3], request)
        return Reply(404, {"Status": "Failed", "Errors": ["Not found"]})

    def _create_token(self, request: Request) -> Reply:
        import json

        body = json.loads(request.body or b"{}")
        if body.get("Login") != self.login or body.get("Password") != self.password:
            return Reply(401, {"Status": "Failed", "Errors": ["Wrong login or password"]})
        token = secrets.token_hex(16)
        expires = datetime.now(UTC) + self.token_life
        self.tokens[token] = expires
        self.logins += 1
        return Reply(
            200, {"AuthToken": token, "ExpirationDateUtc": expires.strftime("%Y-%m-%dT%H:%M:%S")}
        )

    def _receipts(self, register: str, request: Request) -> Reply:
        q = {k: v[0] for k, v in request.query.items()}
        try:
            start = datetime.fromisoformat(q["dateFrom"]).replace(tzinfo=UTC)
            end = datetime.fromisoformat(q["dateTo"]).replace(tzinfo=UTC)
        except (KeyError, ValueError):
            return Reply(400, {"Status": "Failed", "Errors": ["dateFrom, dateTo"]})
        if end - start > timedelta(days=30):
            return Reply(400, {"Status": "Failed", "Errors": ["Period must not exceed 30 days"]})
        docs = self.page(register, start, end)
        data = [
            d.raw
            if d.receipt is None
            else mapping.from_receipt(d.receipt, d.received_at, f"raw-{d.number}")
            for d in docs
        ]
        return Reply(200, {"Status": "Success", "Data": data})


def harness() -> Harness:
    login, password = "it@romashka.example", "ofdru-pw-91ab"
    return Harness(
        OfdRuEmulator(login, password),
        {"base_url": "", "inn": INN, "min_interval": "0"},
        {"login": login, "password": password},
        [
            {
                "Id": "bad-1",
                "CDateUtc": "2026-03-02T09:00:00",
                "DocDateTime": "2026-03-02T12:00:00",
                "OperationType": "Income",
                "TotalSumm": -5,
            },
            {"Id": "bad-2", "CDateUtc": "2026-03-02T09:00:00", "Items": "none"},
            None,
            {"Id": "bad-4", "CDateUtc": "yesterday"},
        ],
    )
