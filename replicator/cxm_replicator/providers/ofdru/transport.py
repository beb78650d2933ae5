"""OFD.ru's HTTP API: AuthToken (from login/password, or an API KEY 2.0), KKT list and
receipts with items by period."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from cxm_replicator.http import RemoteError, send
from cxm_replicator.providers.base import (
    AuthError,
    Fetched,
    MappingError,
    ProviderContext,
    RegisterInfo,
)
from cxm_replicator.providers.ofdru import mapping

API = "/api/integration/v2"
RENEW_BEFORE = timedelta(minutes=5)  # renew a token this long before it expires
# Receipts an answer should hold: a period is asked in pieces of about this many.
ANSWER_SIZE = 5000
FIRST_PIECE = timedelta(days=1)
SMALLEST_PIECE = timedelta(minutes=1)


class OfdRuProvider:
    max_window = timedelta(days=30)

    def __init__(self, context: ProviderContext) -> None:
        self.context = context
        self.client = httpx.Client(
            base_url=context.options["base_url"].rstrip("/"), timeout=context.timeout
        )
        self.inn = context.options["inn"].strip()
        # ~1 request a second is the rate other clients keep; tests set 0.
        self.min_interval = float(context.options.get("min_interval", "1.0") or 0)
        self._token: str | None = None
        self._expires: datetime | None = None
        self._last_call: datetime | None = None
        self._span: dict[str, timedelta] = {}  # per register: the width of its next piece

    # --- auth ---------------------------------------------------------------------------

    def _auth_token(self) -> str:
        now = self.context.clock.now()
        if self._token and (self._expires is None or now < self._expires - RENEW_BEFORE):
            return self._token
        api_key = _optional(self.context.secret, "api_key")
        if api_key:
            self._token, self._expires = api_key, None
            return api_key
        response = send(
            lambda: self.client.post(
                "/api/Authorization/CreateAuthToken",
                json={
                    "Login": self.context.secret("login"),
                    "Password": self.context.secret("password"),
                },
            ),
            self.context.clock,
            self.context.policy,
            "OFD.ru login",
        )
        data = _json(response)
        if response.status_code != 200 or not data.get("AuthToken"):
            raise AuthError(
                f"OFD.ru refused the cabinet login and password (HTTP {response.status_code}):"
                " check them at ofd.ru and run `cxm-replicator init` again"
            )
        self._token = data["AuthToken"]
        expires = data.get("ExpirationDateUtc")
        self._expires = datetime.fromisoformat(expires).replace(tzinfo=UTC) if expires else None
        return self._token

    def _get(self, path: str, params: dict | None, what: str) -> Any:
        for attempt in (1, 2):
            self._pace()
            query = {**(params or {}), "AuthToken": self._auth_token()}
            response = send(
                lambda q=query: self.client.get(f"{API}{path}", params=q),
                self.context.clock,
                self.context.policy,
                what,
            )
            if response.status_code in (401, 403) and attempt == 1 and self._expires:
                self._token = None  # expired early or revoked: log in again once
                continue
            if response.status_code in (401, 403):
                raise AuthError(
                    f"OFD.ru refused the token for INN {self.inn} (HTTP {response.status_code})"
                    ": check the INN and that data transfer is enabled in the cabinet"
                )
            data = _json(response)
            if response.status_code != 200 or data.get("Status") != "Success":
                errors = data.get("Errors") if isinstance(data, dict) else None
                raise RemoteError(
                    f"{what}: HTTP {response.status_code} {errors or ''}".strip(),
                    response.status_code,
                )
            return data.get("Data")
        raise AssertionError("unreachable")

    def _pace(self) -> None:
        now = self.context.clock.now()
        if self._last_call is not None and self.min_interval:
            wait = self.min_interval - (now - self._last_call).total_seconds()
            if wait > 0:
                self.context.clock.sleep(wait)
        self._last_call = self.context.clock.now()

    # --- data ---------------------------------------------------------------------------

    def registers(self) -> list[RegisterInfo]:
        rows = self._get(f"/inn/{self.inn}/kkts", None, "list of registers") or []
        return [
            RegisterInfo(
                str(r.get("KktRegId", "")).strip(),
                r.get("KktName") or "",
                r.get("FullAddress") or "",
            )
            for r in rows
        ]

    def documents(self, register: str, start: datetime, end: datetime) -> Iterator[Fetched]:
        """The period in pieces sized so that an answer holds about `ANSWER_SIZE` receipts:
        OFD.ru answers a period (≤ 30 days) in one piece, without pages, so a busy register
        asked for a month at once would arrive as one answer of tens of thousands of
        receipts, all in memory. A first piece of a day; then each piece's width follows
        the register's pace."""
        span = self._span.get(register, FIRST_PIECE)
        while start < end:
            piece_end = min(start + span, end)
            count = 0
            for fetched in self._period(register, start, piece_end):
                count += 1
                yield fetched
            if count > ANSWER_SIZE:
                span = max(span * (ANSWER_SIZE / count), SMALLEST_PIECE)
            elif count < ANSWER_SIZE // 4:
                span = min(span * 2, self.max_window)
            self._span[register] = span
            start = piece_end

    def _period(self, register: str, start: datetime, end: datetime) -> list[Fetched]:
        # Receive-time bounds in UTC like CDateUtc [uncertain: verify with a real account].
        params = {
            "dateFrom": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
            "dateTo": end.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
        }
        rows = self._get(
            f"/inn/{self.inn}/kkt/{register}/receipts-with-fpd-short",
            params,
            f"receipts of {register}",
        )
        if not isinstance(rows, list):
            raise RemoteError(f"receipts of {register}: the answer has no Data list")
        return [_fetched(raw) for raw in rows]

    def close(self) -> None:
        self.client.close()


def _fetched(raw: Any) -> Fetched:
    ref, received = "?", None
    try:
        ref = f"Id {raw.get('Id')}" if isinstance(raw, dict) else ref
        received = mapping.received_at(raw)
        return Fetched(ref, received, mapping.to_receipt(raw))
    except MappingError as exc:
        return Fetched(ref, received, error=str(exc))


def _optional(secret, name: str) -> str:
    try:
        return secret(name) or ""
    except KeyError:
        return ""


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return {}
