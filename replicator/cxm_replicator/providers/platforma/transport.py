"""Платформа ОФД's HTTP API: kkts list and receipts by receive-time period."""

from collections.abc import Iterator
from datetime import datetime, timedelta
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
from cxm_replicator.providers.platforma import mapping

MAX_DOCUMENTS = 5000  # per response; a full response means "there may be more": split


class PlatformaProvider:
    max_window = timedelta(days=7)

    def __init__(self, context: ProviderContext) -> None:
        self.context = context
        self.max_documents = int(context.options.get("max_documents") or MAX_DOCUMENTS)
        self.client = httpx.Client(
            base_url=context.options["base_url"].rstrip("/"), timeout=context.timeout
        )

    def _get(self, path: str, params: dict | None = None, what: str = "") -> Any:
        headers = {
            "Token": self.context.secret("token"),
            "Accept": "application/json",
            "Accept-Charset": "utf-8",
        }
        response = send(
            lambda: self.client.get(path, params=params, headers=headers),
            self.context.clock,
            self.context.policy,
            what or path,
        )
        if response.status_code == 401:
            # A static token: nothing to renew. The admin must ask the OFD for a new one.
            raise AuthError(
                "Платформа ОФД refused the API token (401): it is wrong or was revoked; "
                "ask Платформа ОФД support for a new one and run `cxm-replicator init` again"
            )
        if response.status_code != 200:
            raise RemoteError(f"{what}: HTTP {response.status_code}", response.status_code)
        return response.json()

    def registers(self) -> list[RegisterInfo]:
        data = self._get("/v1/client/kkts", what="list of registers")
        found: list[RegisterInfo] = []
        _walk_branches(data.get("kktList", {}).get("orgBranches", []), found)
        return found

    def documents(self, register: str, start: datetime, end: datetime) -> Iterator[Fetched]:
        # dateType=2: by the OFD's receive time, in Moscow time like rqDate.
        params = {
            "kktRegId": register,
            "dateFrom": start.astimezone(mapping.MOSCOW).strftime("%Y-%m-%d %H:%M:%S"),
            "dateTo": end.astimezone(mapping.MOSCOW).strftime("%Y-%m-%d %H:%M:%S"),
            "dateType": 2,
        }
        data = self._get("/v1/client/receipts", params, f"receipts of {register}")
        documents = data.get("receipts") if isinstance(data, dict) else None
        if not isinstance(documents, list):
            raise RemoteError(f"receipts of {register}: the answer has no receipts list")
        if len(documents) >= self.max_documents and end - start > timedelta(seconds=2):
            # The OFD cut the answer: ask for each half instead (the outbox drops repeats).
            middle = start + (end - start) / 2
            yield from self.documents(register, start, middle)
            yield from self.documents(register, middle, end)
            return
        for raw in documents:
            yield _fetched(raw)

    def close(self) -> None:
        self.client.close()


def _fetched(raw: Any) -> Fetched:
    ref = "?"
    received = None
    try:
        ref = f"rqId {raw.get('rqId')}" if isinstance(raw, dict) else ref
        received = mapping.received_at(raw)
        return Fetched(ref, received, mapping.to_receipt(raw))
    except MappingError as exc:
        return Fetched(ref, received, error=str(exc))


def _walk_branches(branches: list, found: list[RegisterInfo]) -> None:
    for branch in branches or []:
        for kkt in branch.get("kkts", []) or []:
            found.append(
                RegisterInfo(
                    str(kkt.get("kktRegNumber", "")).strip(),
                    kkt.get("kktName", ""),
                    kkt.get("retailAddress", ""),
                )
            )
        _walk_branches(branch.get("branches", []), found)
