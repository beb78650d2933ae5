"""Who is calling: a bearer token (integrations, the replicator, scripts) or the browser's
Django session. Either way the caller is a Django user, and what they may see is decided
by `scope_for(user)` alone."""

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest
from ninja.errors import AuthenticationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from cxm.org.scope import Scope, scope_for
from cxm.org.tokens import user_for_token

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class TokenAuth(HttpBearer):
    """`Authorization: Bearer cxm_…`, checked against the stored SHA-256 of live tokens."""

    def authenticate(self, request: HttpRequest, token: str) -> AbstractBaseUser:
        user = user_for_token(token.strip())
        if user is None:
            # A wrong token is an error, not a reason to fall back to the session cookie:
            # the caller meant this token and must learn that it does not work.
            raise AuthenticationError(message="invalid or revoked API token")
        request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The logged-in browser user. Unsafe methods need the CSRF token (header X-CSRFToken),
    checked only once we know a session user is there, so an anonymous call gets 401."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=False)

    def authenticate(self, request: HttpRequest, key: str | None) -> AbstractBaseUser | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise HttpError(
                403, "CSRF check failed: send the csrftoken cookie's value as X-CSRFToken"
            )
        return user


token_auth = TokenAuth()
session_auth = SessionAuth()
# Bearer first: a request carrying a token is judged by its token.
API_AUTH: list[Any] = [token_auth, session_auth]


def request_scope(request: HttpRequest) -> Scope:
    return scope_for(request.auth)  # type: ignore[attr-defined]
