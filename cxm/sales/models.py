"""Fiscal receipts (чеки) and their lines, with product categories assigned by rules."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cxm.org.models import Chain, Seller, Store


class OperationType(models.IntegerChoices):
    """Tag 1054, признак расчёта."""

    SALE = 1, _("Sale")
    SALE_RETURN = 2, _("Return of sale")
    EXPENSE = 3, _("Expense")
    EXPENSE_RETURN = 4, _("Return of expense")


class Receipt(models.Model):
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="receipts")
    seller = models.ForeignKey(
        Seller, null=True, blank=True, on_delete=models.SET_NULL, related_name="receipts"
    )
    fiscal_drive_number = models.CharField(max_length=20)
    fiscal_document_number = models.BigIntegerField()
    fiscal_sign = models.CharField(max_length=24, blank=True)
    kkt_reg_id = models.CharField(max_length=20, blank=True)
    document_code = models.SmallIntegerField(default=3)
    operation_type = models.SmallIntegerField(choices=OperationType.choices)
    at = models.DateTimeField(help_text="Moment of the receipt (stored in UTC)")
    # The store's local calendar day and hour, kept so that days group by the store's clock.
    day = models.DateField()
    hour = models.SmallIntegerField()
    total = models.BigIntegerField(help_text="kopecks")
    cash = models.BigIntegerField(default=0)
    ecash = models.BigIntegerField(default=0)
    units = models.DecimalField(max_digits=14, decimal_places=3)
    operator = models.CharField(max_length=200, blank=True)
    operator_inn = models.CharField(max_length=12, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["fiscal_drive_number", "fiscal_document_number"],
                name="receipt_fiscal_identity",
            )
        ]
        indexes = [
            models.Index(fields=["store", "day"]),
            models.Index(fields=["seller", "day"]),
            models.Index(fields=["day"]),
        ]

    def __str__(self) -> str:
        return f"ФН {self.fiscal_drive_number} ФД {self.fiscal_document_number}"


class Category(models.Model):
    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(max_length=120)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["chain", "name"], name="category_unique_name")
        ]
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class CategoryRule(models.Model):
    """Item name → category. Lemma rules match Russian word forms; regex rules raw text."""

    class Kind(models.TextChoices):
        LEMMA = "lemma", _("All these lemmas")
        REGEX = "regex", _("Regular expression")

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="rules")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.LEMMA)
    pattern = models.CharField(max_length=300)
    priority = models.IntegerField(default=100, help_text=_("Lower wins"))

    class Meta:
        ordering = ["priority", "pk"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.pattern} → {self.category}"


class ReceiptItem(models.Model):
    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="items")
    position = models.SmallIntegerField()
    name = models.CharField(max_length=256)
    price = models.BigIntegerField(help_text="kopecks")
    quantity = models.DecimalField(max_digits=12, decimal_places=3)
    sum = models.BigIntegerField(help_text="kopecks")
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["receipt", "position"]

    def __str__(self) -> str:
        return self.name
