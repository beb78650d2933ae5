"""Контур.ОФД as its API documentation describes it (see the research notes §2.5)."""

import base64
import secrets
from datetime import UTC, datetime

from cxm_replicator.emulation import Emulator, Harness, Reply, Request
from cxm_replicator.providers.kontur import mapping

ORGANIZATION = "c2e3a34c-823f-4b1e-a9f1-d94fa40c22a6"


class KonturEmulator(Emulator):
    def __init__(self, login: str, password: str, api_key: str, *, max_limit: int = 1000) -> None:
        super().__init__()
        self.login, self.password, self.api_key = login, password, api_key
        self.max_limit = max_limit
        self.sessions: set[str] = set()
        self.logins = 0

    def expire_sessions(self) -> None:
        self.sessions.clear()

    def is_auth_call(self, request: Request) -> bool:
        return request.path == "/auth/authenticate-by-pass"

    def handle(self, request: Request) -> Reply:
        if self.is_auth_call(request):
            return self._authenticate(request)
        sid = request.headers.get("authorization", "").removeprefix("auth.sid ")
        if sid not in self.sessions:
            return Reply(401, {"errorCode": "401002", "userMessage": "Session expired"})
        if request.headers.get("x-kontur-ofd-apikey") != self.api_key:
            return Reply(403, {"errorCode": "403000", "userMessage": "Bad integrator key"})
        parts = request.path.strip("/").split("/")
        if parts == ["v2", "organizations"]:
            return Reply(
                200, [{"id": ORGANIZATION, "shortName": "ООО Ромашка", "inn": "6699009482"}]
            )
        if len(parts) == 4 and parts[3] == "cashboxes" and parts[2] == ORGANIZATION:
            registers = self.registers()
            return Reply(
                200, [{"regNumber": r + " ", "name": f"Касса {r[-2:]}"} for r in registers]
            )
        if len(parts) == 7 and parts[2] == ORGANIZATION and parts[5:] == ["documents", "by-period"]:
            return self._by_period(parts[4], request)
        return Reply(404, {"errorCode": "404000", "userMessage": "Not found"})

    def _authenticate(self, request: Request) -> Reply:
        if request.query.get("login") != [self.login] or request.body.decode() != self.password:
            return Reply(401, {"errorCode": "401003", "userMessage": "Wrong login or password"})
        sid = secrets.token_hex(16).upper()
        self.sessions.add(sid)
        self.logins += 1
        return Reply(200, {"Sid": sid})

    def _by_period(self, register: str, request: Request) -> Reply:
        q = {k: v[0] for k, v in request.query.items()}
        try:
            start = datetime.strptime(q["dateFrom"], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
            end = datetime.strptime(q["dateTo"], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
        except (KeyError, ValueError):
            return Reply(400, {"errorCode": "400000", "userMessage": "dateFrom/dateTo"})
        limit = min(int(q.get("limit", 1000)), self.max_limit)
        offset = q.get("offset")
        after = int(base64.b64decode(offset)) if offset else -1
        page = self.page(register, start, end, after=after, limit=limit)
        if not page:
            return Reply(200, {"documents": [], "paging": {"nextOffset": offset} if offset else {}})
        body = [
            d.raw
            if d.receipt is None
            else mapping.from_receipt(d.receipt, d.received_at, f"guid-{d.number}")
            for d in page
        ]
        cursor = base64.b64encode(str(page[-1].number).encode()).decode()
        return Reply(200, {"documents": body, "paging": {"nextOffset": cursor}})


def harness(max_limit: int = 1000) -> Harness:
    login, password, key = "it@romashka.example", "kontur-pw-7c1d", "031c1890-key-43e5"
    return Harness(
        KonturEmulator(login, password, key, max_limit=max_limit),
        {"auth_url": "", "base_url": "", "organization_id": "", "page_size": str(max_limit)},
        {"login": login, "password": password, "api_key": key},
        [
            {
                "receipt": {
                    "id": "bad-1",
                    "receiveDateTimeUtc": "2026-03-02T09:00:00",
                    "dateTime": 5,
                }
            },
            {"receipt": "not a body"},
            {
                "receipt": {
                    "id": "bad-3",
                    "receiveDateTimeUtc": "2026-03-02T09:00:00",
                    "dateTime": "2026-03-02T12:00:00",
                    "operationType": 9,
                }
            },
            [1, 2, 3],
        ],
    )
