"""Visitor counts (счётчик посетителей) per store and interval."""

from django.db import models

from cxm.org.models import Store


class VisitorCount(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="visitor_counts")
    start = models.DateTimeField()
    minutes = models.PositiveIntegerField()
    visitors_in = models.PositiveIntegerField()
    visitors_out = models.PositiveIntegerField()
    day = models.DateField(help_text="the store's local day of the interval start")
    hour = models.SmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "start"], name="visitor_count_unique_start")
        ]
        indexes = [models.Index(fields=["store", "day"])]

    def __str__(self) -> str:
        return f"{self.store_id} {self.start:%Y-%m-%d %H:%M} +{self.visitors_in}"
