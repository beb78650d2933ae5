"""The sync engine: pull each register's documents window by window into the outbox, push
the outbox to CXM in batches, report a heartbeat. One thread, one call at a time: every OFD
throttles, and Платформа ОФД allows at most two concurrent calls per token."""

import json
import logging
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx

from cxm_replicator import __version__
from cxm_replicator.clock import Clock
from cxm_replicator.cxm import CxmClient, CxmRefused
from cxm_replicator.http import RemoteError
from cxm_replicator.normalize import localise
from cxm_replicator.outbox import Outbox
from cxm_replicator.providers.base import AuthError, Fetched, Provider

log = logging.getLogger("cxm_replicator")


@dataclass(frozen=True)
class SyncSettings:
    # Documents reach the OFD late (an offline register sends days later, Платформа ОФД
    # shows a document only after processing): each cycle re-reads this far behind the
    # watermark, and the outbox drops what it already has.
    overlap: timedelta = timedelta(hours=2)
    first_sync: timedelta = timedelta(days=7)  # how far back a register's first sync reads
    keep_sent: timedelta = timedelta(days=30)  # delivered receipts kept for `status`
    batch_size: int = 500
    poll_seconds: float = 60.0


@dataclass
class Replicator:
    provider: Provider
    outbox: Outbox
    cxm: CxmClient
    clock: Clock
    registers: list[str]
    provider_name: str
    replicator_id: str
    settings: SyncSettings = field(default_factory=SyncSettings)

    # --- pulling from the OFD -----------------------------------------------------------

    def pull(self, zones: dict[str, ZoneInfo] | None = None) -> None:
        """Sync every register; `zones` (register → store zone) is asked of CXM if not given."""
        zones = self._zones() if zones is None else zones
        for register in self.registers:
            try:
                self.pull_register(register, zones.get(register))
            except (RemoteError, AuthError, httpx.HTTPError, ValueError) as exc:
                # One register failing must not stop the others; the error shows in
                # `status`, in the heartbeat, and is retried next cycle from the checkpoint.
                log.error("register %s: %s", register, exc)
                self.outbox.note_error(register, str(exc)[:500])

    def pull_register(self, register: str, zone: ZoneInfo | None) -> int:
        now = self.clock.now()
        watermark = self.outbox.checkpoint(register) or now - self.settings.first_sync
        start = watermark - self.settings.overlap
        new = 0
        while start < now:
            end = min(start + self.provider.max_window, now)
            docs = _localised(self.provider.documents(register, start, end), zone)
            result = self.outbox.record_window(register, docs, end, self.clock.now())
            acknowledge = getattr(self.provider, "acknowledge", None)
            if acknowledge is not None:
                acknowledge()  # e.g. the folder provider moves files it has handed over
            for ref, reason in result.problems:
                log.warning("register %s: document %s rejected: %s", register, ref, reason)
            new += result.new
            start = end
        if new:
            log.info("register %s: %d new receipt(s) in the outbox", register, new)
        return new

    def _zones(self) -> dict[str, ZoneInfo]:
        """The register → store time zone map from CXM, cached for when CXM is down."""
        try:
            names = self.cxm.register_zones()
            self.outbox.set_meta("zones", json.dumps(names))
        except (RemoteError, CxmRefused, httpx.HTTPError) as exc:
            log.warning("could not refresh the register map from CXM (%s): using the cache", exc)
            names = json.loads(self.outbox.get_meta("zones") or "{}")
        zones = {}
        for register, name in names.items():
            try:
                zones[register] = ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                log.warning("register %s: CXM names an unknown time zone %r", register, name)
        return zones

    # --- pushing to CXM -----------------------------------------------------------------

    def push(self) -> int:
        """Drain the outbox; stops at the first failure (the rest waits for next cycle)."""
        delivered = 0
        while batch := self.outbox.pending(self.settings.batch_size):
            ids = [row_id for row_id, _ in batch]
            try:
                result = self.cxm.push([payload for _, payload in batch])
            except (RemoteError, httpx.HTTPError) as exc:
                log.error(
                    "CXM is not taking receipts now (%s); %d wait in the outbox",
                    exc,
                    self.outbox.counts()["pending"],
                )
                return delivered
            rejected = {ids[i]: reason for i, reason in result.rejected.items() if i < len(ids)}
            for reason in rejected.values():
                log.warning("CXM rejected a receipt: %s", reason)
            self.outbox.settle([i for i in ids if i not in rejected], rejected, self.clock.now())
            delivered += len(ids)
        return delivered

    def heartbeat(self) -> None:
        now = self.clock.now()
        registers = []
        for s in self.outbox.statuses(now):
            lag = (now - s.last_received_at).total_seconds() if s.last_received_at else None
            registers.append(
                {
                    "kkt_reg_id": s.register,
                    "last_document": s.last_document,
                    "last_received_at": s.last_received_at.isoformat()
                    if s.last_received_at
                    else None,
                    # A register's clock ahead of ours must not read as negative lag.
                    "lag_seconds": None if lag is None else max(0, int(lag)),
                    "documents_today": s.documents_today,
                    "pending": s.pending,
                    "errors": s.errors,
                    "last_error": s.last_error,
                }
            )
        counts = self.outbox.counts()
        payload = {
            "replicator_id": self.replicator_id,
            "version": __version__,
            "provider": self.provider_name,
            "outbox_pending": counts["pending"],
            "outbox_rejected": counts["rejected"],
            "registers": registers,
        }
        try:
            self.cxm.heartbeat(payload)
        except (RemoteError, CxmRefused, httpx.HTTPError) as exc:
            log.warning("heartbeat not delivered: %s", exc)

    # --- the loop -----------------------------------------------------------------------

    def cycle(self) -> None:
        self.pull()
        self.push()
        self.heartbeat()
        keep = max(self.settings.keep_sent, self.settings.overlap * 2)
        self.outbox.prune(self.clock.now() - keep)

    def run(self, stop: threading.Event) -> None:
        log.info(
            "replicator %s %s started: %d register(s) of %s",
            self.replicator_id,
            __version__,
            len(self.registers),
            self.provider_name,
        )
        while not stop.is_set():
            try:
                self.cycle()
            except CxmRefused as exc:
                log.error("%s", exc)  # a token problem: keep trying, the admin may fix it
            except Exception:
                log.exception("the replicator stopped on an unexpected error")
                raise  # the service manager restarts it; the checkpoint makes that safe
            stop.wait(self.settings.poll_seconds)
        log.info("replicator stopped")


def _localised(docs: Iterable[Fetched], zone: ZoneInfo | None) -> Iterator[Fetched]:
    for doc in docs:
        yield doc if doc.receipt is None else replace(doc, receipt=localise(doc.receipt, zone))
