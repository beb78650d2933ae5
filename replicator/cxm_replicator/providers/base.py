"""What every OFD provider gives the sync engine, whatever its API looks like."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from cxm_replicator.clock import Clock
from cxm_replicator.http import RetryPolicy


class AuthError(RuntimeError):
    """The OFD refused our credentials; the message says what to do, in plain words."""


class MappingError(ValueError):
    """A document the OFD sent cannot be turned into a receipt; the message says why."""


@dataclass(frozen=True)
class RegisterInfo:
    """A cash register (ККТ) as the OFD lists it."""

    kkt_reg_id: str
    name: str = ""
    address: str = ""


@dataclass(frozen=True)
class Fetched:
    """One document as the OFD gave it: mapped to an FNS receipt, or the reason it was not.
    `ref` is how a person finds it in the OFD's cabinet (its id, or ФН/ФД)."""

    ref: str
    received_at: datetime | None  # OFD receive time, UTC
    receipt: dict | None = None
    error: str | None = None


@dataclass(frozen=True)
class Setting:
    """A provider setting `init` asks for. Secret ones go to the credential store only."""

    name: str
    prompt: str
    secret: bool = False
    default: str = ""


@dataclass
class ProviderContext:
    """What a provider is built from: its settings, a way to read its secrets (never kept
    on the provider as plain attributes longer than needed), a clock and a retry policy."""

    options: dict[str, str]
    secret: Callable[[str], str]
    clock: Clock
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    timeout: float = 60.0


class Provider(Protocol):
    # The widest period one call may ask for, and how far back each cycle re-reads to
    # catch documents that the OFD shows late.
    max_window: timedelta

    def registers(self) -> list[RegisterInfo]: ...

    def documents(self, register: str, start: datetime, end: datetime) -> Iterator[Fetched]:
        """Documents the OFD received in [start, end) for this register (UTC bounds)."""

    def close(self) -> None: ...
