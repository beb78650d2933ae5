"""Front-line staff: consultations (Кнопка Активности Продавца / POS-Тахометр), the service
standard as versioned checklist templates, and filled checklists (Тайный Покупатель)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cxm.org.models import Chain, Seller, Store
from cxm.sales.models import Receipt


class Consultation(models.Model):
    """A consultation a seller started; `converted` and `receipt` are set by the failure
    matching (cxm.staff.matching), None until the store-day is matched."""

    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="consultations")
    code = models.CharField(max_length=100, help_text=_("the contract's `id`"))
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="consultations")
    seller = models.ForeignKey(Seller, on_delete=models.PROTECT, related_name="consultations")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    day = models.DateField(help_text="the store's local day of the start")
    hour = models.SmallIntegerField()
    converted = models.BooleanField(null=True, blank=True)
    receipt = models.ForeignKey(
        Receipt, null=True, blank=True, on_delete=models.SET_NULL, related_name="consultations"
    )
    # One click of a manager queues a failed consultation for the electronic mystery shopper.
    queued_for_review = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["chain", "code"], name="consultation_unique_code")
        ]
        indexes = [
            models.Index(fields=["store", "day"]),
            models.Index(fields=["seller", "started_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.seller_id} {self.started_at:%Y-%m-%d %H:%M}"


class MatchState(models.Model):
    """What a store-day's consultations were last matched against: matching is redone for a
    store-day only when this fingerprint of its (and the next day's) data changes."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE)
    day = models.DateField()
    fingerprint = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "day"], name="match_state_unique_day")
        ]

    def __str__(self) -> str:
        return f"{self.store_id} {self.day}"


class ChecklistTemplate(models.Model):
    """One version of a service standard (стандарт обслуживания). A changed standard is a new
    version; checklists keep the version they were filled against."""

    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="checklist_templates")
    code = models.SlugField(max_length=60)
    version = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["chain", "code", "version"], name="checklist_template_unique_version"
            )
        ]
        ordering = ["code", "-version"]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"


class ChecklistItem(models.Model):
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    code = models.SlugField(max_length=60)
    factor = models.CharField(max_length=120, help_text=_("step of the standard, e.g. greeting"))
    text = models.CharField(max_length=300)
    points = models.FloatField(default=1)
    weight = models.FloatField(default=1)
    critical = models.BooleanField(default=False, help_text=_("failing it zeroes the visit"))
    na_allowed = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["template", "code"], name="checklist_item_unique")
        ]
        ordering = ["template", "position"]

    def __str__(self) -> str:
        return f"{self.code}: {self.text}"


class Source(models.TextChoices):
    VISIT = "visit", _("Mystery shopper visit")
    RECORDING = "recording", _("Recorded consultation")


class Checklist(models.Model):
    """One filled checklist; `earned`/`possible` are its weighted points after the critical
    rule (a failed critical item zeroes `earned`)."""

    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="checklists")
    code = models.CharField(max_length=100, help_text=_("the contract's `id`"))
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="checklists")
    seller = models.ForeignKey(
        Seller, null=True, blank=True, on_delete=models.PROTECT, related_name="checklists"
    )
    at = models.DateTimeField()
    day = models.DateField()
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.PROTECT)
    evaluator = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.VISIT)
    consultation = models.ForeignKey(
        Consultation, null=True, blank=True, on_delete=models.SET_NULL, related_name="checklists"
    )
    earned = models.FloatField()
    possible = models.FloatField()
    critical_failed = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["chain", "code"], name="checklist_unique_code")
        ]
        indexes = [models.Index(fields=["store", "day"])]

    def __str__(self) -> str:
        return self.code


class ChecklistAnswer(models.Model):
    """One item's answer, with its weighted points (N/A: both zero)."""

    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT)
    answer = models.CharField(max_length=10, help_text="yes, no, na or the points given")
    earned = models.FloatField()
    possible = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["checklist", "item"], name="checklist_answer_unique")
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.answer}"


class KpiSetup(models.Model):
    """A chain's composite front-staff KPI: the weight of each component and the chain's
    targets (cxm.metrics.composite). A chain without a row uses CXM_SELLER_KPI_WEIGHTS and no
    targets. Changed only through cxm.staff.kpi.change_kpi_setup (the chain admin's page and
    API); every change is in the audit log."""

    chain = models.OneToOneField(Chain, on_delete=models.CASCADE, related_name="kpi_setup")
    weights = models.JSONField(_("component weights"), default=dict)
    targets = models.JSONField(_("targets"), default=dict, blank=True)

    def __str__(self) -> str:
        return f"KPI setup of {self.chain}"
