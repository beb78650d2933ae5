"""The one change to the facts that does not pass through an import: deleting a seller sets
their receipts', presses' and survey answers' seller to none (SET_NULL), so their store-days
are summed again afterwards."""

from django.db.models.signals import post_delete, pre_delete
from django.dispatch import receiver

from cxm.org.models import Seller
from cxm.rollups.models import SellerDay, ServiceDay
from cxm.rollups.refresh import refresh_store_days


@receiver(pre_delete, sender=Seller)
def _remember_seller_days(sender, instance: Seller, **kwargs) -> None:
    days = set()
    for model in (SellerDay, ServiceDay):
        days.update(model.objects.filter(seller=instance).values_list("store_id", "day"))
    instance._rollup_store_days = days


@receiver(post_delete, sender=Seller)
def _refresh_seller_days(sender, instance: Seller, **kwargs) -> None:
    refresh_store_days(getattr(instance, "_rollup_store_days", ()))
