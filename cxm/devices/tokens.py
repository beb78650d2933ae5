"""Device tokens: issue one for a store, find the device behind a raw token, revoke."""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import QuerySet

from cxm.devices.models import DEVICE_TOKEN_PREFIX, DeviceKind, DeviceToken
from cxm.org.models import Store, hash_token
from cxm.org.tokens import TokenError, mark_used, revoke_by_prefix


def issue_device_token(store: Store, name: str, kind: str) -> tuple[DeviceToken, str]:
    """A new token for a device of `store`; returns the row and the raw value (show it once)."""
    name = name.strip()
    if not name:
        raise TokenError("a device token needs a name (e.g. 'terminal at till 2')")
    if kind not in DeviceKind.values:
        raise TokenError(f"unknown device kind {kind!r}; one of {', '.join(DeviceKind.values)}")
    return DeviceToken.issue(store, name, kind)


def device_for_token(raw: str) -> DeviceToken | None:
    """The live device behind a raw token, or None for an unknown or revoked one."""
    if not raw.startswith(DEVICE_TOKEN_PREFIX):
        return None
    token = (
        DeviceToken.objects.select_related("store", "store__chain")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True)
        .first()
    )
    if token is not None:
        mark_used(token)
    return token


def device_tokens_of(store_ids: Iterable[int]) -> QuerySet[DeviceToken]:
    return (
        DeviceToken.objects.filter(store_id__in=list(store_ids))
        .select_related("store")
        .order_by("store__code", "-created_at", "-pk")
    )


def revoke_device_token(prefix: str, store_ids: Iterable[int]) -> DeviceToken:
    """Revoke the live device token with this prefix among the stores given."""
    return revoke_by_prefix(device_tokens_of(store_ids), prefix.removeprefix(DEVICE_TOKEN_PREFIX))


def rotate_device_token(prefix: str, store_ids: Iterable[int]) -> tuple[DeviceToken, str]:
    """A fresh token for the same device in place of the live one with this prefix, which
    stops working at once."""
    with transaction.atomic():
        old = revoke_device_token(prefix, store_ids)
        return issue_device_token(old.store, old.name, old.kind)
