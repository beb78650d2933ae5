"""CXM's side of the wire: push receipts to the import API, send heartbeats, read the
register → store time-zone map. Only receipts and counters travel: the OFD credentials are
not even reachable from here."""

import json
import re
from dataclasses import dataclass
from typing import Any

import httpx

from cxm_replicator import __version__
from cxm_replicator.clock import Clock
from cxm_replicator.http import RemoteError, RetryPolicy, send

_POSITION = re.compile(r"(\d+)")


class CxmRefused(RuntimeError):
    """CXM answered that the replicator may not do this (bad token, wrong role)."""


@dataclass(frozen=True)
class PushResult:
    accepted: int
    duplicates: int
    rejected: dict[int, str]  # 0-based index in the batch → reason


class CxmClient:
    def __init__(
        self,
        base_url: str,
        token: str,
        clock: Clock,
        policy: RetryPolicy | None = None,
        timeout: float = 120.0,
    ) -> None:
        self.clock = clock
        self.policy = policy or RetryPolicy()
        self.client = httpx.Client(
            base_url=base_url.rstrip("/") + "/api/v1",
            timeout=timeout,
            headers={
                "Authorization": f"Bearer {token}",
                "User-Agent": f"cxm-replicator/{__version__}",
            },
        )

    def close(self) -> None:
        self.client.close()

    def push(self, payloads: list[str]) -> PushResult:
        """One batch as JSON Lines (the outbox keeps each receipt serialised already)."""
        body = ("\n".join(payloads) + "\n").encode()
        response = self._call(
            "POST",
            "/imports/receipts",
            "push receipts to CXM",
            content=body,
            headers={"Content-Type": "application/x-ndjson"},
        )
        if response.status_code not in (200, 422):
            raise RemoteError(
                f"CXM refused the batch: HTTP {response.status_code} {_message(response)}",
                response.status_code,
            )
        data = response.json()
        rejected: dict[int, str] = {}
        for rejection in data.get("rejections", []):
            # Positions read "line 12" (or "line 12 receipt 2"): the first number is the line.
            match = _POSITION.search(str(rejection.get("position", "")))
            if match:
                field = rejection.get("field") or ""
                reason = f"{field}: {rejection.get('message')}" if field else rejection["message"]
                rejected[int(match.group(1)) - 1] = reason
        return PushResult(data.get("accepted", 0), data.get("duplicates", 0), rejected)

    def heartbeat(self, payload: dict[str, Any]) -> None:
        response = self._call("POST", "/replicators/heartbeat", "heartbeat to CXM", json=payload)
        if response.status_code != 200:
            raise RemoteError(f"heartbeat: HTTP {response.status_code} {_message(response)}")

    def register_zones(self) -> dict[str, str]:
        """kktRegId → the IANA zone of its store, for the registers CXM knows."""
        response = self._call("GET", "/registers", "register map from CXM")
        if response.status_code != 200:
            raise RemoteError(f"registers: HTTP {response.status_code} {_message(response)}")
        return {row["kkt_reg_id"]: row["timezone"] for row in response.json()}

    def whoami(self) -> dict:
        response = self._call("GET", "/me", "who am I in CXM")
        if response.status_code != 200:
            raise RemoteError(f"HTTP {response.status_code} {_message(response)}")
        return response.json()

    def _call(self, method: str, path: str, what: str, **kwargs: Any) -> httpx.Response:
        response = send(
            lambda: self.client.request(method, path, **kwargs), self.clock, self.policy, what
        )
        if response.status_code in (401, 403):
            raise CxmRefused(
                f"{what}: CXM said {response.status_code} {_message(response)} — check that "
                "the replicator token is live and belongs to a replicator user of your chain"
            )
        return response


def _message(response: httpx.Response) -> str:
    try:
        data = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return response.text[:200]
    return (
        str(data.get("detail") or data.get("message") or data)[:200]
        if isinstance(data, dict)
        else str(data)[:200]
    )
