"""The caller and the part of the chain they may see: /me, /stores, /sellers."""

from django.http import HttpRequest
from ninja import Router

from cxm.api.auth import request_scope
from cxm.api.schemas import MeOut, SellerOut, StoreOut
from cxm.org.models import Chain, Seller, Store
from cxm.org.scope import visible_sellers

router = Router(tags=["organisation"])


@router.get("/me", response=MeOut, summary="Who I am and what I may see")
def me(request: HttpRequest) -> dict:
    user = request.auth  # type: ignore[attr-defined]
    scope = request_scope(request)
    chain = Chain.objects.filter(pk=scope.chain_id).values_list("code", flat=True).first()
    seller = Seller.objects.filter(pk=scope.seller_id).values_list("code", flat=True).first()
    return {
        "username": user.get_username(),
        "name": user.get_full_name(),
        "role": scope.role,
        "scope": {
            "chain": chain,
            "stores": list(
                Store.objects.filter(pk__in=scope.store_ids).values_list("code", flat=True)
            ),
            "seller": seller,
        },
    }


@router.get("/stores", response=list[StoreOut], summary="Stores in my scope")
def stores(request: HttpRequest) -> list[dict]:
    rows = (
        Store.objects.visible_to(request.auth)  # type: ignore[attr-defined]
        .order_by("code")
        .values("code", "name", "city", "address", "timezone", "lat", "lon", "region__name")
    )
    return [_renamed(row, "region__name", "region") for row in rows]


@router.get("/sellers", response=list[SellerOut], summary="Sellers in my scope")
def sellers(request: HttpRequest, store: str | None = None) -> list[dict]:
    """A seller sees only themselves; `?store=CODE` narrows the list to one store."""
    found = visible_sellers(request_scope(request))
    if store:
        found = found.filter(store__code=store)
    rows = found.order_by("code").values("code", "name", "active", "store__code")
    return [_renamed(row, "store__code", "store") for row in rows]


def _renamed(row: dict, field: str, name: str) -> dict:
    # values() refuses an alias that shadows a model field, so the join is renamed here.
    row[name] = row.pop(field)
    return row
