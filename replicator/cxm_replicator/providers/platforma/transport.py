"""Платформа ОФД's HTTP API: kkts list and receipts by receive-time period."""

from collections.abc import Iterator
from dataclasses import dataclass
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
_SMALLEST = timedelta(seconds=2)  # a period this narrow is taken as it comes, full or not


@dataclass
class _Answer:
    documents: list[Fetched]
    count: int
    full: bool  # cut by the OFD: ask again in halves


class PlatformaProvider:
    max_window = timedelta(days=7)

    def __init__(self, context: ProviderContext) -> None:
        self.context = context
        self.max_documents = int(context.options.get("max_documents") or MAX_DOCUMENTS)
        self._span: dict[str, timedelta] = {}  # per register: the widest uncut period lately
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
        """The period in pieces no wider than the last piece the OFD answered without
        cutting: a register busy enough to fill 5,000 documents a week is asked in pieces
        of a day or so from then on, instead of a full week that comes back cut each time."""
        span = self._span.get(register, end - start)
        while start < end:
            piece_end = min(start + span, end)
            answer = self._period(register, start, piece_end)
            if answer.full:  # the same piece again, in halves
                span = self._span[register] = max((piece_end - start) / 2, _SMALLEST)
                continue
            yield from answer.documents
            if answer.count < self.max_documents // 4:  # quieter now: wider pieces
                span = self._span[register] = min(span * 2, self.max_window)
            start = piece_end

    def _period(self, register: str, start: datetime, end: datetime) -> "_Answer":
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
        if len(documents) >= self.max_documents and end - start > _SMALLEST:
            # The OFD cut the answer: the caller asks for each half instead (the outbox
            # drops repeats). The cut answer is let go at once: memory stays one answer deep.
            return _Answer([], len(documents), full=True)
        return _Answer([_fetched(raw) for raw in documents], len(documents), full=False)

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
