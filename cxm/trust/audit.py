"""The audit log: every change of users, roles, tokens and the chain's administrative
configuration, recorded by model signals connected here — the audited apps know nothing of it.

Who made the change comes from the request being served (see `AuditMiddleware`); a change made
from the command line or a worker has no actor. Secrets never reach the log: password and token
hashes appear only as "changed". Bulk queryset updates bypass signals and are not recorded.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save
from django.http import HttpRequest

from cxm.trust.models import AuditAction, AuditEntry

AUDITED_MODELS = (
    "auth.User",
    "auth.Group",
    "org.Membership",
    "org.ApiToken",
    "devices.DeviceToken",
    "org.Chain",
    "org.Region",
    "org.Store",
    "org.Seller",
    "sales.Category",
    "sales.CategoryRule",
    "feedback.FeedbackSetup",
    "staff.ChecklistTemplate",
    "staff.ChecklistItem",
    "staff.KpiSetup",
    "incidents.Rule",
    "incidents.Subscription",
    "speech.SpeechRule",
    "otp_totp.TOTPDevice",
)
# Values that must never be written down; a change of one is recorded as "changed" only.
SECRET_FIELDS = frozenset({"password", "key_hash", "key"})
# Touched on every use, not by anyone's decision: recording them would drown the log.
NOISE_FIELDS = frozenset(
    {
        "last_login",
        "last_used_at",
        # a TOTP device's bookkeeping on each code checked
        "last_t",
        "drift",
        "throttling_failure_count",
        "throttling_failure_timestamp",
    }
)
HIDDEN = "(changed)"

_request: ContextVar[HttpRequest | None] = ContextVar("cxm_audit_request", default=None)


class AuditMiddleware:
    """Remembers the request being served, so that a change knows who made it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        with acting(request):
            return self.get_response(request)


@contextmanager
def acting(request: HttpRequest | None) -> Iterator[None]:
    token = _request.set(request)
    try:
        yield
    finally:
        _request.reset(token)


def connect() -> None:
    for label in AUDITED_MODELS:
        try:
            model = apps.get_model(label)
        except LookupError:  # an app left out of INSTALLED_APPS
            continue
        uid = f"cxm-audit-{label}"
        pre_save.connect(_remember, sender=model, dispatch_uid=uid)
        post_save.connect(_saved, sender=model, dispatch_uid=uid)
        post_delete.connect(_deleted, sender=model, dispatch_uid=uid)


def _remember(sender, instance: models.Model, raw: bool = False, **kwargs: Any) -> None:
    if raw or instance.pk is None:
        return
    old = sender._default_manager.filter(pk=instance.pk).first()
    instance._cxm_audit_before = _values(old) if old is not None else None


def _saved(sender, instance: models.Model, created: bool, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    before = getattr(instance, "_cxm_audit_before", None)
    after = _values(instance)
    if created or before is None:
        changes = {name: [None, _shown(name, value)] for name, value in after.items()}
        _record(instance, AuditAction.CREATE, changes)
        return
    changes = {
        name: [_shown(name, before.get(name)), _shown(name, value)]
        for name, value in after.items()
        if before.get(name) != value and name not in NOISE_FIELDS
    }
    if changes:
        _record(instance, AuditAction.UPDATE, changes)
    instance._cxm_audit_before = after


def _deleted(sender, instance: models.Model, **kwargs: Any) -> None:
    values = _values(instance)
    _record(instance, AuditAction.DELETE, {n: [_shown(n, v), None] for n, v in values.items()})


def _values(instance: models.Model) -> dict[str, Any]:
    """Each field as text (how the admin and fixtures write it), None kept as None."""
    return {
        field.attname: (
            None if field.value_from_object(instance) is None else field.value_to_string(instance)
        )
        for field in instance._meta.concrete_fields
        if not field.primary_key
    }


def _shown(name: str, value: Any) -> Any:
    if name in SECRET_FIELDS and value:
        return HIDDEN
    return value


def _record(instance: models.Model, action: str, changes: dict) -> None:
    actor = _actor()
    AuditEntry.objects.create(
        actor=actor,
        actor_name=actor.get_username() if actor else "",
        chain_id=chain_of(instance),
        action=action,
        model=instance._meta.label,
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        changes=changes,
    )


def _actor():
    request = _request.get()
    # A token-authenticated API call sets request.user to the token's user (cxm.api.auth).
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def chain_of(instance: models.Model) -> int | None:
    """The chain an audited object belongs to, so that a chain admin sees only their own."""
    if instance._meta.label == "org.Chain":
        return instance.pk
    for path in ("chain_id", "store", "template", "category", "user"):
        value = getattr(instance, path, None)
        if path == "chain_id" and value is not None:
            return value
        if isinstance(value, models.Model):
            return chain_of(value)
    membership = getattr(instance, "membership", None) if _is_user(instance) else None
    return membership.chain_id if membership is not None else None


def _is_user(instance: models.Model) -> bool:
    return instance._meta.label == apps.get_model("auth", "User")._meta.label
