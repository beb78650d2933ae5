"""A loopback HTTP server that plays an OFD, for tests and the benchmark.

Each provider's `emulator.py` implements that OFD's documented API on top of this: its
auth, its paths and parameters, its period and page limits, its dialect of the receipt.
This module holds what they share: the documents the OFD has received (each with its
receive time and the moment it becomes visible — documents arrive late), one-off faults to
inject (401, 429/503 with Retry-After, ...), a log of requests and a concurrency gauge.

Documents are either held one by one (`add`: tests that need a late, odd or broken
document) or described as a series (`add_series`: a register's documents made on demand,
deterministically, from their index), so that the benchmark's million documents cost no
memory: a period query finds the series' indexes by arithmetic and makes only the page it
answers with.
"""

import bisect
import json
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Held:
    """A document the emulated OFD holds: the canonical FNS receipt (naive local dateTime)
    or, for malformed-document tests, a raw dialect object sent exactly as given."""

    register: str
    received_at: datetime  # UTC
    receipt: dict | None = None
    raw: Any = None
    visible_from: datetime | None = None  # the OFD shows it only from then on
    number: int = 0  # order of arrival, for stable paging


@dataclass(frozen=True)
class Series:
    """`count` documents of one register, document i received at `first_received + step*i`
    (UTC) and made by `make(i)` only when a query answers with it; all visible at once."""

    register: str
    count: int
    first_received: datetime
    step: timedelta
    make: Callable[[int], dict]
    first_number: int  # numbers first_number .. first_number + count - 1, in arrival order

    def indexes(self, start: datetime, end: datetime) -> range:
        """The indexes received in [start, end]."""
        if self.count == 0 or end < start:
            return range(0)
        step = self.step.total_seconds()
        low = math.ceil((start - self.first_received).total_seconds() / step)
        high = math.floor((end - self.first_received).total_seconds() / step) + 1
        # Float rounding at the edges: settle them on the exact datetimes.
        while low > 0 and self.received(low - 1) >= start:
            low -= 1
        while low < self.count and self.received(low) < start:
            low += 1
        while high > 0 and self.received(high - 1) > end:
            high -= 1
        while high < self.count and self.received(high) <= end:
            high += 1
        return range(max(low, 0), min(max(high, 0), self.count))

    def received(self, index: int) -> datetime:
        return self.first_received + self.step * index

    def held(self, index: int) -> Held:
        return Held(
            self.register,
            self.received(index),
            self.make(index),
            number=self.first_number + index,
        )


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


class Emulator:
    """Subclasses implement `handle(request) -> Reply` from the provider's documentation."""

    def __init__(self) -> None:
        self.held: list[Held] = []
        # Per register, documents in receive-time order: a period query is a bisect, so the
        # benchmark's million documents do not make every call scan them all.
        self._by_register: dict[str, list[Held]] = {}
        self._times: dict[str, list[datetime]] = {}
        self.series: list[Series] = []
        self._next_number = 0
        self.faults: deque[Reply] = deque()
        self.requests: list[Request] = []
        self.in_flight = 0
        self.peak_in_flight = 0
        self.delay = 0.0  # seconds each answer takes, to make a sync slow enough to interrupt
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # --- the OFD's data --------------------------------------------------------------

    def add(
        self,
        register: str,
        receipt: dict | None = None,
        *,
        received_at: datetime,
        raw: Any = None,
        visible_from: datetime | None = None,
    ) -> Held:
        with self._lock:
            doc = Held(register, received_at, receipt, raw, visible_from, self._next_number)
            self._next_number += 1
            self.held.append(doc)
            times = self._times.setdefault(register, [])
            at = bisect.bisect_right(times, received_at)
            times.insert(at, received_at)
            self._by_register.setdefault(register, []).insert(at, doc)
        return doc

    def _received_in(self, register: str, start: datetime, end: datetime) -> list[Held]:
        times = self._times.get(register, [])
        low, high = bisect.bisect_left(times, start), bisect.bisect_right(times, end)
        return self._by_register[register][low:high] if high > low else []

    def add_series(
        self,
        register: str,
        count: int,
        *,
        first_received: datetime,
        step: timedelta,
        make: Callable[[int], dict],
    ) -> Series:
        """`count` documents made on demand by `make(index)` (the canonical FNS receipt),
        received `step` apart from `first_received` (UTC): nothing is kept but this."""
        if step <= timedelta(0):
            raise ValueError("a series needs a positive step")
        with self._lock:
            series = Series(register, count, first_received, step, make, self._next_number)
            self._next_number += count
            self.series.append(series)
        return series

    def registers(self) -> list[str]:
        with self._lock:
            return sorted({d.register for d in self.held} | {s.register for s in self.series})

    def visible(self, register: str, start: datetime, end: datetime) -> list[Held]:
        """Documents of `register` received in [start, end] and visible by now, in arrival
        order (a series' documents are all made: for large ones, use `page`)."""
        return self.page(register, start, end)

    def page(
        self,
        register: str,
        start: datetime,
        end: datetime,
        *,
        after: int = -1,
        limit: int | None = None,
    ) -> list[Held]:
        """The first `limit` visible documents of `register` received in [start, end] whose
        number is above `after`, in arrival order: what an OFD's paged answer holds. Of a
        series, only those documents are made."""
        now = datetime.now(UTC)
        with self._lock:
            found = [
                d
                for d in self._received_in(register, start, end)
                if d.number > after and (d.visible_from is None or d.visible_from <= now)
            ]
            series = [s for s in self.series if s.register == register]
        for s in series:
            indexes = s.indexes(start, end)
            first = max(indexes.start, after - s.first_number + 1)
            stop = indexes.stop if limit is None else min(indexes.stop, first + limit)
            found.extend(s.held(i) for i in range(first, stop))
        found.sort(key=lambda d: d.number)
        return found if limit is None else found[:limit]

    def in_processing(self, register: str, start: datetime, end: datetime) -> bool:
        now = datetime.now(UTC)
        with self._lock:
            return any(
                d.visible_from is not None and d.visible_from > now
                for d in self._received_in(register, start, end)
            )

    def fail_next(self, status: int, body: Any = None, headers: dict | None = None, times=1):
        for _ in range(times):
            self.faults.append(Reply(status, body, headers or {}))

    # --- serving ------------------------------------------------------------------------

    def handle(self, request: Request) -> Reply:
        raise NotImplementedError

    def fault_for(self, request: Request) -> Reply | None:
        """The next injected fault, for data calls only (auth calls pass through)."""
        if self.faults and not self.is_auth_call(request):
            return self.faults.popleft()
        return None

    def is_auth_call(self, request: Request) -> bool:
        return False

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the emulator first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "Emulator":
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes: without this, delayed ACKs
            # cost every keep-alive request 40 ms.
            disable_nagle_algorithm = True

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                self._serve()

            def do_POST(self) -> None:  # noqa: N802
                self._serve()

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the request log is kept in emulator.requests instead

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                parts = urlsplit(self.path)
                request = Request(
                    self.command,
                    parts.path,
                    parse_qs(parts.query),
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length) if length else b"",
                )
                reply = emulator._dispatch(request)
                body = reply.body
                if isinstance(body, bytes):
                    data = body
                elif body is None:
                    data = b""
                else:
                    data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if not isinstance(body, bytes):
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        serve = self._server.serve_forever
        threading.Thread(target=serve, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "Emulator":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _dispatch(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            if self.delay:
                time.sleep(self.delay)
            return self.fault_for(request) or self.handle(request)
        finally:
            with self._lock:
                self.in_flight -= 1


# --- a chain's worth of receipts ------------------------------------------------------

_GOODS = [
    ("Смартфон Samsung Galaxy A55 8/256GB", 3899000),
    ("Чехол-книжка для Samsung A55", 99000),
    ("Защитное стекло 6.6''", 59000),
    ("Наушники JBL Tune 520BT", 449000),
    ("Кабель USB-C 1 м", 39000),
    ("Телевизор LG 55UR78006LK", 4599000),
    ("Кронштейн для ТВ настенный", 219000),
    ("Сетевой фильтр 5 розеток", 89000),
]
_CASHIERS = ["Иванова Мария Сергеевна, Продавец-кассир", "КАССИР N 1", "Петров Олег Иванович"]


def sample_receipts(
    register: str,
    count: int,
    *,
    start: datetime,
    fiscal_drive: str = "9999078900001234",
    first_number: int = 1,
    step: timedelta = timedelta(minutes=7),
) -> Iterator[tuple[dict, datetime]]:
    """Deterministic FNS receipts of one register with their OFD receive times (UTC): one
    to three lines, now and then a return (tag 1054 = 2) and a seller id in tag 1084.
    `start` is the register's local wall time of the first receipt; the OFD receives each
    a minute later (the register sits in Moscow time here: UTC+3)."""
    for n in range(count):
        yield sample_receipt(register, n, start, fiscal_drive, first_number, step)


def sample_receipt(
    register: str,
    index: int,
    start: datetime,
    fiscal_drive: str = "9999078900001234",
    first_number: int = 1,
    step: timedelta = timedelta(minutes=7),
) -> tuple[dict, datetime]:
    """Receipt `index` of `sample_receipts(...)` and its receive time, made on its own."""
    number = first_number + index
    local = start + step * index
    lines = [_GOODS[(number + k) % len(_GOODS)] for k in range(1 + number % 3)]
    items = [{"name": name, "price": price, "quantity": 1, "sum": price} for name, price in lines]
    total = sum(line["sum"] for line in items)
    receipt = {
        "code": 3,
        "dateTime": local.strftime("%Y-%m-%dT%H:%M:%S"),
        "operationType": 2 if number % 17 == 0 else 1,
        "totalSum": total,
        "cashTotalSum": total if number % 4 == 0 else 0,
        "ecashTotalSum": 0 if number % 4 == 0 else total,
        "items": items,
        "operator": _CASHIERS[number % len(_CASHIERS)],
        "operatorInn": "771234567890" if number % 5 == 0 else "",
        "fiscalDriveNumber": fiscal_drive,
        "fiscalDocumentNumber": number,
        "fiscalSign": str(1000000000 + number * 7919 % 999999999),
        "kktRegId": register,
        "retailPlaceAddress": "г. Москва, ул. Тверская, 1",
        "properties": [{"key": "seller", "value": f"S{number % 4}"}] if number % 6 == 0 else [],
    }
    return receipt, (local - timedelta(hours=3) + timedelta(minutes=1)).replace(tzinfo=UTC)


def sample_series(
    emulator: Emulator,
    register: str,
    count: int,
    *,
    start: datetime,
    fiscal_drive: str = "9999078900001234",
    first_number: int = 1,
    step: timedelta = timedelta(minutes=7),
) -> Series:
    """The documents of `sample_receipts(...)` held by `emulator` as a lazy series: the same
    receipts and receive times, made only when a query answers with them."""
    _, first_received = sample_receipt(register, 0, start, fiscal_drive, first_number, step)
    return emulator.add_series(
        register,
        count,
        first_received=first_received,
        step=step,
        make=lambda i: sample_receipt(register, i, start, fiscal_drive, first_number, step)[0],
    )


def connect(name: str, harness: "Harness", clock, policy=None, **options: str):
    """Provider `name` talking to its emulator (started here if it is not yet)."""
    from cxm_replicator.http import RetryPolicy
    from cxm_replicator.providers import create_provider
    from cxm_replicator.providers.base import ProviderContext

    if harness.emulator._server is None:
        harness.emulator.start()
    url = harness.emulator.url
    # Every address setting the harness left empty points at the emulator.
    settings = {k: (url if k.endswith("_url") and not v else v) for k, v in harness.options.items()}
    settings.update(options)
    context = ProviderContext(
        settings, harness.secrets.__getitem__, clock, policy or RetryPolicy(), timeout=10
    )
    return create_provider(name, context)


@dataclass
class Harness:
    """How a test (or the benchmark) stands up a provider against its emulator: the
    emulator, the provider settings and secrets that open it, and a few documents in the
    provider's dialect that are broken in documented-plausible ways."""

    emulator: Emulator
    options: dict[str, str]
    secrets: dict[str, str]
    malformed: list[Any]
