"""What part of the chain a user may see. Every page, API call and report asks here."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from cxm.org.models import Membership, Role, Seller, Store


@dataclass(frozen=True)
class Scope:
    role: str | None
    chain_id: int | None
    store_ids: frozenset[int]
    # A seller sees only their own figures; None means every seller of the visible stores.
    seller_id: int | None = None

    @property
    def is_empty(self) -> bool:
        return not self.store_ids

    def require_store(self, store_id: int) -> None:
        if store_id not in self.store_ids:
            raise PermissionDenied("store outside your scope")


EMPTY_SCOPE = Scope(role=None, chain_id=None, store_ids=frozenset())


def scope_for(user) -> Scope:
    if user is None or not user.is_authenticated or not user.is_active:
        return EMPTY_SCOPE
    cached = getattr(user, "_cxm_scope", None)
    if cached is not None:
        return cached
    scope = _compute_scope(user)
    user._cxm_scope = scope
    return scope


def _compute_scope(user) -> Scope:
    membership = Membership.objects.filter(user=user).select_related("seller").first()
    if membership is None:
        if user.is_superuser:
            ids = frozenset(Store.objects.values_list("pk", flat=True))
            return Scope(role=Role.CHAIN_ADMIN, chain_id=None, store_ids=ids)
        return EMPTY_SCOPE
    stores = Store.objects.filter(chain_id=membership.chain_id)
    seller_id = None
    if membership.role == Role.REGIONAL_MANAGER:
        stores = stores.filter(region_id=membership.region_id)
    elif membership.role == Role.STORE_MANAGER:
        stores = stores.filter(pk=membership.store_id)
    elif membership.role == Role.SELLER:
        stores = stores.filter(pk=membership.seller.store_id)
        seller_id = membership.seller_id
    elif membership.role == Role.REPLICATOR:
        # A replicator writes receipts (checked in cxm.api.import_scope) and reads no figures.
        stores = stores.none()
    return Scope(
        role=membership.role,
        chain_id=membership.chain_id,
        store_ids=frozenset(stores.values_list("pk", flat=True)),
        seller_id=seller_id,
    )


def visible_sellers(scope: Scope) -> QuerySet[Seller]:
    """The sellers a scope may see: those of its stores, or only oneself for a seller."""
    sellers = Seller.objects.filter(store_id__in=scope.store_ids)
    if scope.seller_id is not None:
        sellers = sellers.filter(pk=scope.seller_id)
    return sellers
