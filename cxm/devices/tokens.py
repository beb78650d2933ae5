"""Device tokens: issue one for a store, find the device behind a raw token, revoke."""

import threading
import time
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


# A terminal pushes every few seconds and a busy chain's terminals many times a second: each
# web process keeps the devices it has just seen for this long, with their store, chain and
# the chain's feedback choices, instead of looking the token up on every call. A revocation
# (or a change of the store or the chain's choices) made in a process takes effect there at
# once and in the others within this time.
DEVICE_CACHE_SECONDS = 30
_DEVICE_CACHE_SIZE = 10_000
_devices: dict[str, tuple[float, DeviceToken]] = {}
_devices_lock = threading.Lock()


def device_for_token(raw: str) -> DeviceToken | None:
    """The live device behind a raw token, or None for an unknown or revoked one."""
    if not raw.startswith(DEVICE_TOKEN_PREFIX):
        return None
    key = hash_token(raw)
    now = time.monotonic()
    seen = _devices.get(key)
    if seen is not None and now - seen[0] < DEVICE_CACHE_SECONDS:
        token = seen[1]
    else:
        token = (
            # feedback_setup: what the feedback terminal's presses need (cxm.feedback.importers).
            DeviceToken.objects.select_related("store__chain__feedback_setup")
            .filter(key_hash=key, revoked_at__isnull=True)
            .first()
        )
        if token is None:
            return None
        with _devices_lock:
            if len(_devices) >= _DEVICE_CACHE_SIZE:
                _devices.clear()
            _devices[key] = (now, token)
    mark_used(token)
    return token


def forget_devices(key_hash: str | None = None) -> None:
    """Drop one device (by its token's hash), or all, from this process's cache."""
    with _devices_lock:
        if key_hash is None:
            _devices.clear()
        else:
            _devices.pop(key_hash, None)


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
