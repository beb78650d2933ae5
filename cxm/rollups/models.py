"""Rollups: the receipt and visitor figures summed per (store, day), (store, day, hour) and
(store, seller, day). The dashboards read these instead of the facts; cxm.rollups.refresh
keeps them equal to the facts, store-day by store-day, in the transaction that changes them.

Money is in kopecks as on receipts; `receipts` counts sale receipts, `returns` the sum of
return receipts (operation type 2), `return_receipts` their number."""

from django.db import models
from django.db.models.functions import Coalesce

from cxm.org.models import Seller, Store


class Figures(models.Model):
    # No index of its own: each table's key index begins with the store.
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField(help_text="the store's local day")
    sales = models.BigIntegerField(default=0, help_text="kopecks of sale receipts")
    returns = models.BigIntegerField(default=0, help_text="kopecks of return receipts")
    receipts = models.IntegerField(default=0, help_text="sale receipts")
    return_receipts = models.IntegerField(default=0)
    units_sold = models.DecimalField(max_digits=18, decimal_places=3, default=0)
    units_returned = models.DecimalField(max_digits=18, decimal_places=3, default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.store_id} {self.day}"


class StoreDay(Figures):
    """A store's day: the chain and store dashboards, the trend, the KPI report."""

    visitors = models.BigIntegerField(default=0, help_text="Σ visitors in")
    # Counter intervals summed: a store-day with none has no traffic figure (not zero visitors).
    intervals = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "day"], name="rollup_store_day_key")
        ]
        indexes = [models.Index(fields=["day", "store"], name="rollup_store_day_by_day")]


class StoreHour(Figures):
    """A store's local hour: the conversion heat map, `--by hour`, a seller's shift traffic."""

    hour = models.SmallIntegerField()
    visitors = models.BigIntegerField(default=0)
    intervals = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "day", "hour"], name="rollup_store_hour_key")
        ]


class SellerDay(Figures):
    """A seller's day in a store (seller empty: receipts of no known seller), with the first
    and last local hour they printed a receipt: the seller ranking and breakdowns."""

    seller = models.ForeignKey(
        Seller, null=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    first_hour = models.SmallIntegerField()
    last_hour = models.SmallIntegerField()

    class Meta:
        constraints = [
            # One row per key, the unattributed seller included (NULL would not collide).
            models.UniqueConstraint(
                "store", "day", Coalesce("seller", 0), name="rollup_seller_day_key"
            )
        ]
        indexes = [models.Index(fields=["seller", "day"], name="rollup_seller_day_by_seller")]
