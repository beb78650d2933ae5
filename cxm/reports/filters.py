"""The filter every report shares: period, region → store → seller, within the user's scope."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from cxm.metrics.periods import Period
from cxm.org.models import Seller, Store
from cxm.org.scope import Scope


class FilterError(ValueError):
    """A filter value names nothing: `field` says which."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class ReportFilter:
    scope: Scope
    period: Period
    store: str | None = None
    region: str | None = None
    seller: str | None = None

    def stores(self) -> QuerySet[Store]:
        """The stores of the scope the filter selects; a region or store naming none of them
        is refused."""
        stores = self._selection()
        if (self.region or self.store) and not stores.exists():
            self._refuse()
        return stores

    def _selection(self) -> QuerySet[Store]:
        stores = Store.objects.filter(pk__in=self.scope.store_ids)
        if self.region:
            stores = stores.filter(region__name=self.region)
        if self.store:
            stores = stores.filter(code=self.store)
        return stores

    def _refuse(self) -> None:
        """Says which choice selects nothing: an unknown region, or a store outside the
        scope (or its region) or unknown."""
        in_scope = Store.objects.filter(pk__in=self.scope.store_ids)
        if self.region and not in_scope.filter(region__name=self.region).exists():
            raise FilterError("region", f"no region {self.region!r} in your scope")
        raise PermissionDenied(f"store {self.store!r} is outside your scope or unknown")

    def store_ids(self) -> list[int]:
        return list(self._store_ids)

    @cached_property
    def _store_ids(self) -> tuple[int, ...]:
        # Asked by every figure of a page: one query per filter, not one per figure (and not
        # one more to check the choice: an empty answer is looked into only when it comes).
        ids = tuple(self._selection().values_list("pk", flat=True))
        if not ids and (self.region or self.store):
            self._refuse()
        return ids

    def selected_stores(self) -> list[tuple[int, str, str]]:
        """Each store the filter selects as (id, code, region name): read once a page (the
        store and region tables list every one, sales or none)."""
        rows = self._selection().values_list("pk", "code", "region__name")
        return self.looked_up(("stores",), lambda: list(rows))

    def knows_stores(self, stores: Iterable[tuple[int, str, str]]) -> None:
        """The stores the filter selects, as (id, code, region name), read by its caller with
        more (the filter bar's lists): `store_ids()` and `selected_stores()` send no query of
        their own. An empty selection is left to `store_ids()`, which says what selects
        nothing."""
        stores = list(stores)
        if stores:
            self.__dict__.setdefault("_store_ids", tuple(pk for pk, _, _ in stores))
            self.lookups.setdefault(("stores",), stores)

    def seller_id(self) -> int | None:
        """The one seller the figures are limited to, if any."""
        return self._seller_id

    @cached_property
    def _seller_id(self) -> int | None:
        if self.seller:
            seller = Seller.objects.filter(code=self.seller, store_id__in=self.store_ids()).first()
            if seller is None:
                raise PermissionDenied(f"seller {self.seller!r} is outside your scope or unknown")
            if self.scope.seller_id is not None and seller.pk != self.scope.seller_id:
                raise PermissionDenied("a seller sees only their own figures")
            return seller.pk
        return self.scope.seller_id

    def shifted(self, period: Period) -> "ReportFilter":
        """The same filter over another period — the same object each time it is asked for
        one period, so that what it caches is shared by every report of a page."""
        if period not in self._shifted:
            shifted = ReportFilter(self.scope, period, self.store, self.region, self.seller)
            # The same stores and seller (cached_property keeps its value in __dict__).
            for name in ("_store_ids", "_seller_id"):
                if name in self.__dict__:
                    shifted.__dict__[name] = self.__dict__[name]
            shifted.__dict__["lookups"] = self.lookups
            self._shifted[period] = shifted
        return self._shifted[period]

    @cached_property
    def _shifted(self) -> dict[Period, "ReportFilter"]:
        return {self.period: self}

    @cached_property
    def lookups(self) -> dict:
        """What the selection is, whatever the period (its stores' and sellers' codes, who
        works where): shared with every shifted filter, read once a page."""
        return {}

    def looked_up(self, key: tuple, read: Callable[[], Any]) -> Any:
        """`read()`'s answer for this selection, read the first time it is asked for."""
        if key not in self.lookups:
            self.lookups[key] = read()
        return self.lookups[key]

    @cached_property
    def memo(self) -> dict:
        """Figures already summed for this filter: a page asks for some of them twice (the
        KPI cards and the decomposition both want the period's and the base's totals)."""
        return {}

    def remembered(self, key: tuple, read: Callable[[], Any]) -> Any:
        """`read()`'s answer for this filter, its period included (`memo`), read the first
        time it is asked for."""
        if key not in self.memo:
            self.memo[key] = read()
        return self.memo[key]
