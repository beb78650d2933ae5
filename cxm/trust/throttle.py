"""Login throttling against password guessing: after too many failed logins for one user name,
or from one IP address, within a window, further attempts are refused without checking the
password. Failures are kept under a keyed hash (HMAC with SECRET_KEY): the table holds neither
user names nor IP addresses.

It is the authentication backend (Django's, with the check in front), so it guards every door
that logs in with a password — the login page, the admin and `Client.login` alike.
"""

import hashlib
import hmac
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone

from cxm.trust.models import LoginFailure

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
