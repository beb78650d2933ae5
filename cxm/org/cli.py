"""Pieces the management commands share: the operator's scope and chain/store lookup."""

from django.core.management.base import CommandError

from cxm.org.models import Chain, Role, Store
from cxm.org.scope import Scope
from cxm.org.services import default_chain


def operator_chain(code: str | None) -> Chain:
    try:
        return default_chain(code)
    except ValueError as exc:
        raise CommandError(str(exc)) from None


def operator_scope(chain: Chain) -> Scope:
    """Whoever runs the command line on the server sees the whole chain."""
    ids = frozenset(Store.objects.filter(chain=chain).values_list("pk", flat=True))
    return Scope(role=Role.CHAIN_ADMIN, chain_id=chain.pk, store_ids=ids)


def store_of(chain: Chain, code: str | None) -> Store | None:
    if code is None:
        return None
    try:
        return Store.objects.get(chain=chain, code=code)
    except Store.DoesNotExist:
        raise CommandError(f"unknown store {code!r}") from None
