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
        # A chain's days read as one range, not one a store: the heat map's days of 200 stores
        # in 15 ms instead of 21 (docs/scaling.md).
        indexes = [models.Index(fields=["day", "store"], name="rollup_store_hour_by_day")]


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


class ServiceDay(models.Model):
    """A seller's day of service in a store (seller empty: presses and answers that name no
    seller): consultations and their outcome, filled checklists' points, feedback-terminal
    presses and survey answers — the seller ranking and the NPS page."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", db_index=False)
    seller = models.ForeignKey(
        Seller, null=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    day = models.DateField(help_text="the store's local day")
    consultations = models.IntegerField(default=0)
    # Matched ones; an open consultation (its sale window not closed yet) is neither.
    converted_consultations = models.IntegerField(default=0)
    failed_consultations = models.IntegerField(default=0)
    # First and last local hour of a consultation (a seller's shift; none without one).
    first_consultation_hour = models.SmallIntegerField(null=True)
    last_consultation_hour = models.SmallIntegerField(null=True)
    checklists = models.IntegerField(default=0)
    checklist_earned = models.FloatField(default=0, help_text="Σ weighted points earned")
    checklist_possible = models.FloatField(default=0, help_text="Σ weighted points possible")
    # Terminal presses, repeats (a press too close to a counted one) apart.
    positive_presses = models.IntegerField(default=0)
    negative_presses = models.IntegerField(default=0)
    neutral_presses = models.IntegerField(default=0)
    repeat_presses = models.IntegerField(default=0)
    promoters = models.IntegerField(default=0)
    passives = models.IntegerField(default=0)
    detractors = models.IntegerField(default=0)
    declined = models.IntegerField(default=0, help_text="survey invitations declined")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "store", "day", Coalesce("seller", 0), name="rollup_service_day_key"
            )
        ]
        indexes = [models.Index(fields=["seller", "day"], name="rollup_service_day_by_seller")]

    def __str__(self) -> str:
        return f"{self.store_id} {self.seller_id} {self.day}"


class StoreMonthHour(models.Model):
    """A store's sale receipts and visitors per calendar month, weekday and local hour: the
    conversion heat map over long periods reads 84 rows a store-month instead of ~360
    store-hours (whole months here, the edges of the period from StoreHour)."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", db_index=False)
    month = models.DateField(help_text="first day of the local month")
    weekday = models.SmallIntegerField(help_text="0 = Monday")
    hour = models.SmallIntegerField()
    receipts = models.IntegerField(default=0)
    visitors = models.BigIntegerField(default=0)
    intervals = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "month", "weekday", "hour"], name="rollup_store_month_hour_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.store_id} {self.month} {self.weekday} {self.hour}"


class StoreDayVersion(models.Model):
    """How many times each kind of a store-day's facts was written: every write of facts
    adds one to its kind in the writer's transaction (cxm.rollups.versions). What is derived
    from the facts per store-day — the consultations' matching to sales, the transcripts'
    links — stores the versions it was computed from, and asking what changed reads this
    one row per store-day instead of counting the facts."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField(help_text="the store's local day")
    sales = models.IntegerField(default=0, help_text="writes of receipts or visitor counts")
    consultations = models.IntegerField(default=0, help_text="writes of consultations")
    feedback = models.IntegerField(
        default=0, help_text="writes of presses, survey answers or checklists"
    )
    speech = models.IntegerField(default=0, help_text="writes of transcripts")
    traffic = models.IntegerField(
        default=0, help_text="sums of visitor counts into the store-hours (cxm.rollups.visitors)"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "day"], name="rollup_store_day_version_key")
        ]

    def __str__(self) -> str:
        return f"{self.store_id} {self.day}"


class VisitorBacklog(models.Model):
    """A store-day whose visitor counts were written and are not yet summed into the sales
    rollups' visitor columns: the traffic import writes the facts and this row, and the
    worker's tick — or any reader of visitor figures first — sums the store-day's counts
    and removes it (cxm.rollups.visitors). A counter's interval is a fact row and a
    store-hour row: summing them in the import doubled its writes (docs/scaling.md §Ingest)."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField(help_text="the store's local day")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "day"], name="rollup_visitor_backlog_key")
        ]

    def __str__(self) -> str:
        return f"{self.store_id} {self.day}"


class SegmentDay(models.Model):
    """A store's sale receipts of one local day by segment of receipt composition — value band,
    main category, basket depth (cxm.feedback.composition) — with what their customers said:
    answers, terminal presses tied to them, consultations that ended in them. The segments
    report reads these instead of every receipt line of its period."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField(help_text="the receipts' local day")
    cut = models.CharField(max_length=8, help_text="value, category or depth")
    segment = models.CharField(max_length=120, blank=True, help_text="category or depth")
    band = models.BigIntegerField(default=0, help_text="value cut: the band's lowest kopecks")
    receipts = models.IntegerField(default=0)
    revenue = models.BigIntegerField(default=0, help_text="kopecks")
    promoters = models.IntegerField(default=0)
    passives = models.IntegerField(default=0)
    detractors = models.IntegerField(default=0)
    declined = models.IntegerField(default=0)
    positive = models.IntegerField(default=0, help_text="counted positive presses tied")
    negative = models.IntegerField(default=0, help_text="counted negative presses tied")
    converted = models.IntegerField(default=0, help_text="consultations ended in them")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "day", "cut", "segment", "band"], name="rollup_segment_day_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.store_id} {self.day} {self.cut} {self.segment or self.band}"


class StoreDayState(models.Model):
    """The fingerprint of the fact versions (StoreDayVersion) a store-day's rows of a rollup
    summed by its readers were summed from: a store-day whose versions moved on is summed
    again before the rollup is read — a fact costs its writer nothing more."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    fingerprint = models.CharField(max_length=200)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.store_id} {self.day}"


class SegmentState(StoreDayState):
    """The segment and factor rows' state (cxm.rollups.voice)."""

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "day"], name="rollup_segment_state_key")
        ]


class FactorDay(models.Model):
    """A seller's day of survey factor answers in a store (seller empty: answers that name
    none), per factor, as the sums the CSI is computed from (cxm.metrics.satisfaction
    FactorSums): the CSI reads these instead of every answer of its period. Summed with the
    segment rollup (cxm.rollups.voice)."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", db_index=False)
    seller = models.ForeignKey(
        Seller, null=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    day = models.DateField(help_text="the answers' local day")
    factor = models.CharField(max_length=40)
    answers = models.IntegerField(default=0)
    scores = models.IntegerField(default=0, help_text="Σ score")
    top_two = models.IntegerField(default=0, help_text="scores of 4 or 5")
    pairs = models.IntegerField(default=0, help_text="answers with a 0–10 recommend answer")
    paired_scores = models.IntegerField(default=0)
    recommend = models.IntegerField(default=0)
    paired_squares = models.IntegerField(default=0)
    recommend_squares = models.IntegerField(default=0)
    products = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "store", "day", Coalesce("seller", 0), "factor", name="rollup_factor_day_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.store_id} {self.seller_id} {self.day} {self.factor}"


class ReasonDay(models.Model):
    """A seller's day of terminal presses in a store (seller empty: presses that name none)
    per reason given — what went wrong, as answered after a negative press — repeats apart:
    the NPS page reads these instead of every press of its period. Summed with the segment
    rollup (cxm.rollups.voice)."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", db_index=False)
    seller = models.ForeignKey(
        Seller, null=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    day = models.DateField(help_text="the presses' local day")
    reason = models.CharField(max_length=12)
    presses = models.IntegerField(default=0, help_text="counted presses giving the reason")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "store", "day", Coalesce("seller", 0), "reason", name="rollup_reason_day_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.store_id} {self.seller_id} {self.day} {self.reason}"


class ShiftDay(models.Model):
    """A seller's shift traffic of one day in a store: the store's visitors of the hours from
    their first to their last receipt or consultation of the day (cxm.rollups.shifts) — the
    seller ranking's and the analyses' coverage read these instead of pairing every
    seller-day with its store-hours."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", db_index=False)
    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField(help_text="the store's local day")
    visitors = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "day", "seller"], name="rollup_shift_day_key")
        ]
        indexes = [models.Index(fields=["seller", "day"], name="rollup_shift_day_by_seller")]

    def __str__(self) -> str:
        return f"{self.store_id} {self.seller_id} {self.day}"


class ShiftState(StoreDayState):
    """The shift rows' state (cxm.rollups.shifts)."""

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "day"], name="rollup_shift_state_key")
        ]
