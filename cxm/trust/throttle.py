"""Throttling, with every client kept under a keyed hash (HMAC with SECRET_KEY): the tables
hold no user name, device token or IP address.

Login throttling against password guessing: after too many failed logins for one user name,
or from one IP address, within a window, further attempts are refused without checking the
password. It is the authentication backend (Django's, with the check in front), so it guards
every door that logs in with a password — the login page, the admin and `Client.login` alike.

Rate limits of the public endpoints (`RateLimitMiddleware`): each group of endpoints allows a
client — the device or API token it sends, or else its IP address — so many requests per fixed
window (CXM_RATE_LIMITS); past that it answers 429 with Retry-After and nothing is done. The
count is shared by every web process through the database (a deployment has PostgreSQL and no
shared cache, and Django's database cache increments by read-then-write), but a write a request
cost more than the request itself: each process counts in memory and adds its counts to the
table in one atomic upsert (`WindowCounts.flush`) about once a second, and at once for a client
that has made a tenth of its limit since. The limit is enforced on the shared total last read
plus the process's own unwritten count, so a client gets through at most
limit + processes × (limit // 10) requests in a window (docs/security.md).
"""

import hashlib
import hmac
import math
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from cxm.trust.models import LoginFailure, RateCount

# An office behind one NAT address shares the IP count: it gets more room than one user name.
IP_ALLOWANCE = 4


def connect() -> None:
    user_login_failed.connect(_failed, dispatch_uid="cxm-throttle-failed")
    user_logged_in.connect(_succeeded, dispatch_uid="cxm-throttle-succeeded")


class ThrottledModelBackend(ModelBackend):
    """Django's password check, refused outright (ending authentication) while the user
    name or the IP is locked out."""

    def authenticate(self, request: HttpRequest | None, username=None, password=None, **kwargs):
        if username is not None and is_locked(request, username):
            if request is not None:
                request.cxm_login_locked = True
            raise PermissionDenied("too many failed logins")
        return super().authenticate(request, username=username, password=password, **kwargs)


def is_locked(request: HttpRequest | None, username: str) -> bool:
    limit = settings.CXM_LOGIN_FAILURES
    if _failures(_key("user", username.casefold())) >= limit:
        return True
    ip = _ip(request)
    return ip is not None and _failures(_key("ip", ip)) >= limit * IP_ALLOWANCE


def _failures(key: str) -> int:
    since = timezone.now() - timedelta(seconds=settings.CXM_LOGIN_LOCKOUT_SECONDS)
    return LoginFailure.objects.filter(key=key, at__gte=since).count()


def _failed(sender, credentials: dict, request: HttpRequest | None = None, **kwargs) -> None:
    username = credentials.get("username")
    if not username or getattr(request, "cxm_login_locked", False):
        return  # a refused attempt while locked does not extend the lockout
    keys = [_key("user", username.casefold())]
    ip = _ip(request)
    if ip is not None:
        keys.append(_key("ip", ip))
    LoginFailure.objects.bulk_create(LoginFailure(key=k) for k in keys)
    _forget_old()


def _succeeded(sender, request: HttpRequest | None, user, **kwargs) -> None:
    LoginFailure.objects.filter(key=_key("user", user.get_username().casefold())).delete()


def _forget_old() -> None:
    since = timezone.now() - timedelta(seconds=settings.CXM_LOGIN_LOCKOUT_SECONDS)
    LoginFailure.objects.filter(at__lt=since).delete()


def _key(kind: str, value: str) -> str:
    message = f"{kind}:{value}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _ip(request: HttpRequest | None) -> str | None:
    # REMOTE_ADDR only: behind nginx the proxy sets it (docs/deployment.md); a client-sent
    # X-Forwarded-For would let a guesser pick a fresh address for every try.
    return request.META.get("REMOTE_ADDR") if request is not None else None


# Groups of public endpoints: a name (CXM_RATE_LIMITS), path prefixes, the methods counted.
PUBLIC_GROUPS: tuple[tuple[str, tuple[str, ...], frozenset[str] | None], ...] = (
    ("login", ("/accounts/login/", "/admin/login/"), frozenset({"POST"})),
    ("survey", ("/feedback/survey/",), None),
    ("review", ("/feedback/review/",), None),
    # Terminal presses, consultations and traffic from devices; the kiosk page and its setup.
    (
        "device",
        ("/api/v1/devices/events/", "/api/v1/feedback/terminal", "/feedback/terminal/"),
        None,
    ),
    ("import", ("/api/v1/imports/",), frozenset({"POST"})),
)


class RateLimitMiddleware:
    """Counts each request to a public endpoint against its client and group; over the limit
    the request is answered 429 before any view runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        group = public_group(request)
        limit = settings.CXM_RATE_LIMITS.get(group) if group else None
        if limit is not None:
            wait = hit(group, client_of(request), *limit)
            if wait is not None:
                return too_many(request, limit, wait)
        return self.get_response(request)


def public_group(request: HttpRequest) -> str | None:
    for group, prefixes, methods in PUBLIC_GROUPS:
        if request.path.startswith(prefixes) and (methods is None or request.method in methods):
            return group
    return None


def client_of(request: HttpRequest) -> str:
    """The bearer token a device or integration sends, else the IP address — never stored,
    only hashed (`hit`). A wrong token gets its own count: the view refuses it anyway."""
    scheme, _sep, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return "token:" + token.strip()
    return "ip:" + (_ip(request) or "")


# A process adds its counts to the shared table at least this often…
FLUSH_SECONDS = 1.0
# …and at once when one client's unwritten count reaches 1 + limit // BATCH_SHARE: what one
# process may let through unseen by the others is a tenth of the limit (exact below 10).
BATCH_SHARE = 10
# Rows of one upsert statement (3 parameters each; SQLite allows 32,766).
ROWS_A_STATEMENT = 500


def hit(group: str, client: str, limit: int, seconds: int, now: float | None = None) -> int | None:
    """Counts one request of `client` to `group`; returns the seconds to wait when it is
    over `limit` requests in the current window of `seconds`, else None."""
    now = time.time() if now is None else now
    until = (int(now) // seconds + 1) * seconds
    return WINDOW_COUNTS.hit(_key("rate", f"{group}:{client}"), until, limit, now)


class WindowCounts:
    """This process's share of the rate counts: per (client key, window end) the shared total
    it last read from the table and the requests it has let through since, not yet written.

    A request is refused when that total plus the unwritten count reaches the limit — without
    a write, so a flood costs the database nothing. Other processes' requests since the last
    read are unseen, but each process lets at most `batch(limit) - 1` of a client's requests
    through unwritten (the next one writes and reads the true total), so a window lets through
    at most limit + processes × (batch(limit) - 1). Threads of the process share one lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.read: dict[tuple[str, int], int] = {}
        self.unwritten: dict[tuple[str, int], int] = {}
        self.flushed_at = 0.0

    def hit(self, key: str, until: int, limit: int, now: float) -> int | None:
        window = (key, until)
        wait = max(1, math.ceil(until - now))
        with self.lock:
            seen = self.read.get(window, 0) + self.unwritten.get(window, 0)
            if seen >= limit:
                return wait
            self.unwritten[window] = pending = self.unwritten.get(window, 0) + 1
            if pending >= batch(limit) or now - self.flushed_at >= FLUSH_SECONDS:
                self.flush(now)
                if self.read[window] > limit:  # others' requests filled the window meanwhile
                    return wait
        return None

    def flush(self, now: float) -> None:
        """Adds the unwritten counts of open windows to the table and reads back the totals;
        forgets finished windows (here and, when one has finished, in the table). Called with
        the lock held: the process's requests wait for the one write, never count past it."""
        finished = [w for w in self.read.keys() | self.unwritten.keys() if w[1] <= now]
        for window in finished:
            self.read.pop(window, None)
            self.unwritten.pop(window, None)
        rows = list(self.unwritten.items())
        for start in range(0, len(rows), ROWS_A_STATEMENT):
            self.read.update(_add_counts(rows[start : start + ROWS_A_STATEMENT]))
        self.unwritten.clear()
        self.flushed_at = now
        if finished:
            RateCount.objects.filter(until__lte=now).delete()

    def forget(self) -> None:
        """Drops what this process holds (tests: their database is rolled back under it)."""
        with self.lock:
            self.read.clear()
            self.unwritten.clear()
            self.flushed_at = 0.0


def batch(limit: int) -> int:
    return 1 + limit // BATCH_SHARE


def _add_counts(rows: list[tuple[tuple[str, int], int]]) -> dict[tuple[str, int], int]:
    """One atomic multi-row upsert: each window's count added to the shared total, which it
    returns (whatever other processes added before)."""
    quote = connection.ops.quote_name
    table = quote(RateCount._meta.db_table)
    key, until, hits = quote("key"), quote("until"), quote("hits")
    values = ", ".join(["(%s, %s, %s)"] * len(rows))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key}, {until}, {hits}) VALUES {values} "
            f"ON CONFLICT ({key}, {until}) DO UPDATE SET {hits} = {table}.{hits} + excluded.{hits} "
            f"RETURNING {key}, {until}, {hits}",
            [
                value
                for (window_key, window_until), count in rows
                for value in (window_key, window_until, count)
            ],
        )
        return {(k, u): h for k, u, h in cursor.fetchall()}


WINDOW_COUNTS = WindowCounts()


def too_many(request: HttpRequest, limit: tuple[int, int], wait: int) -> HttpResponse:
    count, seconds = limit
    if request.path.startswith("/api/"):
        detail = (
            f"too many requests from this device or address: at most {count} in {seconds} s; "
            f"retry after {wait} s"
        )
        response: HttpResponse = JsonResponse({"detail": detail}, status=429)
    else:
        message = _("Too many requests from this device. Please try again in %(wait)s s.") % {
            "wait": wait
        }
        html = render_to_string("trust/too_many.html", {"message": message}, request=request)
        response = HttpResponse(html, status=429)
    response["Retry-After"] = str(wait)
    return response
