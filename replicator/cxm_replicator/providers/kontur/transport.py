"""Контур.ОФД's HTTP API: session auth, organizations, cashboxes, documents by period."""

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
from cxm_replicator.providers.kontur import mapping

PAGE = 1000
_TYPES = ",".join(mapping.RECEIPT_TYPES)


class KonturProvider:
    # Kontur documents no period limit for by-period; a day keeps each walk short.
    max_window = timedelta(days=1)

    def __init__(self, context: ProviderContext) -> None:
        self.context = context
        self.page = int(context.options.get("page_size") or PAGE)
        self.client = httpx.Client(timeout=context.timeout)
        self._sid: str | None = None
        self._organization: str | None = context.options.get("organization_id") or None

    # --- auth ---------------------------------------------------------------------------

    def _login(self) -> str:
        auth = self.context.options["auth_url"].rstrip("/")
        response = send(
            lambda: self.client.post(
                f"{auth}/auth/authenticate-by-pass",
                params={"login": self.context.secret("login")},
                content=self.context.secret("password").encode(),
            ),
            self.context.clock,
            self.context.policy,
            "Kontur login",
        )
        if response.status_code != 200 or "Sid" not in _json(response):
            raise AuthError(
                f"Kontur refused the login and password (HTTP {response.status_code}): check "
                "them in the Kontur cabinet and run `cxm-replicator init` again"
            )
        return _json(response)["Sid"]

    def _get(self, path: str, params: dict | None, what: str) -> Any:
        base = self.context.options["base_url"].rstrip("/")
        for attempt in (1, 2):
            if self._sid is None:
                self._sid = self._login()
            headers = {
                "Authorization": f"auth.sid {self._sid}",
                "X-Kontur-Ofd-ApiKey": self.context.secret("api_key"),
            }
            response = send(
                lambda h=headers: self.client.get(f"{base}{path}", params=params, headers=h),
                self.context.clock,
                self.context.policy,
                what,
            )
            if response.status_code == 401 and attempt == 1:
                self._sid = None  # the session expired (errorCode 401002): log in again
                continue
            if response.status_code in (401, 403):
                raise AuthError(
                    f"Контур.ОФД refused access (HTTP {response.status_code}): check the "
                    "integrator key and that the account may read this organization's registers"
                )
            if response.status_code != 200:
                raise RemoteError(f"{what}: HTTP {response.status_code}", response.status_code)
            return _json(response)
        raise AssertionError("unreachable")

    # --- data ---------------------------------------------------------------------------

    def organization(self) -> str:
        if self._organization is None:
            organizations = self._get("/v2/organizations", None, "list of organizations")
            if not organizations:
                raise AuthError("this Kontur account sees no organization")
            self._organization = str(organizations[0]["id"])
        return self._organization

    def registers(self) -> list[RegisterInfo]:
        rows = self._get(
            f"/v2/organizations/{self.organization()}/cashboxes", None, "list of registers"
        )
        return [
            RegisterInfo(
                str(r.get("regNumber", "")).strip(), r.get("name") or "", r.get("address") or ""
            )
            for r in rows
        ]

    def documents(self, register: str, start: datetime, end: datetime) -> Iterator[Fetched]:
        path = f"/v2/organizations/{self.organization()}/cashboxes/{register}/documents/by-period"
        params: dict[str, Any] = {
            "dateFrom": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
            "dateTo": end.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
            "types": _TYPES,
            "limit": self.page,
        }
        offset = None
        while True:
            data = self._get(
                path,
                {**params, **({"offset": offset} if offset else {})},
                f"documents of {register}",
            )
            documents = data.get("documents") if isinstance(data, dict) else None
            if not isinstance(documents, list):
                raise RemoteError(f"documents of {register}: the answer has no documents list")
            for document in documents:
                fetched = _fetched(document)
                if fetched is not None:
                    yield fetched
            next_offset = (data.get("paging") or {}).get("nextOffset")
            # Done when the cursor stops moving (documented) or there is none.
            if not documents or not next_offset or next_offset == offset:
                return
            offset = next_offset

    def close(self) -> None:
        self.client.close()


def _fetched(document: Any) -> Fetched | None:
    ref, received = "?", None
    try:
        unwrapped = mapping.unwrap(document)
        if unwrapped is None:
            return None  # a shift report or other non-receipt document
        kind, body = unwrapped
        ref = f"id {body.get('id')}" if isinstance(body, dict) else ref
        received = mapping.received_at(body)
        return Fetched(ref, received, mapping.to_receipt(kind, body))
    except MappingError as exc:
        return Fetched(ref, received, error=str(exc))


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return {}
