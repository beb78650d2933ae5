"""API tokens: issue, find by the raw value, revoke, list. The raw value is shown once and
never stored; only its SHA-256 is, so a copy of the database opens no doors."""

from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils import timezone

from cxm.org.models import ApiToken, hash_token

TOKEN_PREFIX = "cxm_"
# A token used every second would otherwise write to the database every second.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenError(ValueError):
    """A token operation cannot be done; the message says why."""


def issue_token(user: AbstractBaseUser, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`; returns the row and the raw value (show it once)."""
    name = name.strip()
    if not name:
        raise TokenError("a token needs a name (what it is for, e.g. 'replicator MSK-1')")
    if not user.is_active:
        raise TokenError(f"user {user.get_username()!r} is not active")
    return ApiToken.issue(user, name)


def user_for_token(raw: str) -> AbstractBaseUser | None:
    """The active user behind a raw token, or None for an unknown or revoked one."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    mark_used(token)
    return token.user


def mark_used(token: Model) -> None:
    """Record that a token (a user's or a device's) was just used, at most once a minute."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        # update(), not save(): no race with a concurrent revoke overwriting revoked_at.
        type(token).objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def tokens_of(user: AbstractBaseUser) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")


def revoke_token(prefix: str, *, user: AbstractBaseUser | None = None) -> ApiToken:
    """Revoke the live token with this prefix (of `user`'s tokens when given)."""
    tokens = ApiToken.objects.all() if user is None else ApiToken.objects.filter(user=user)
    return revoke_by_prefix(tokens, prefix.removeprefix(TOKEN_PREFIX))


def rotate_token(prefix: str) -> tuple[ApiToken, str]:
    """A fresh token for the same user and purpose in place of the live one with this prefix,
    which stops working at once (a token that may have leaked must not wait for the swap)."""
    with transaction.atomic():
        old = revoke_token(prefix)
        return issue_token(old.user, old.name)


def revoke_by_prefix(tokens: QuerySet, prefix: str) -> Model:
    """Revoke the one live token among `tokens` (users' or devices') with this prefix."""
    found = list(tokens.filter(prefix=prefix, revoked_at__isnull=True)[:2])
    if not found:
        raise TokenError(f"no live token with prefix {prefix!r}")
    if len(found) > 1:
        # Eight characters of 256 bits rarely collide, but revoking the wrong one would be bad.
        raise TokenError(f"several live tokens share prefix {prefix!r}: revoke them in the admin")
    revoke_tokens(tokens.filter(pk=found[0].pk))
    found[0].refresh_from_db()
    return found[0]


def revoke_tokens(tokens: QuerySet) -> int:
    """Revoke these tokens (those already revoked keep their date); returns how many."""
    now = timezone.now()
    live = list(tokens.filter(revoked_at__isnull=True))
    for token in live:
        # One save each, not update(): a revocation is a decision the audit log must see.
        token.revoked_at = now
        token.save(update_fields=["revoked_at"])
    return len(live)


def token_status(token: Model) -> str:
    """'last used …  live' or '…  revoked …': one line of a token listing."""
    used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
    state = f"revoked {token.revoked_at:%Y-%m-%d %H:%M}" if token.revoked_at else "live"
    return f"last used {used}  {state}"
