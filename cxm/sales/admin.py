"""Admin for sales: receipts are fiscal facts (read-only); categories and their rules are
the chain's to edit, and every rule change re-categorises the chain's items in the worker."""

import re

from django import forms
from django.contrib import admin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cxm.sales.models import Category, CategoryRule, Receipt, ReceiptItem
from cxm.sales.tasks import recategorize_chain


class ReadOnlyAdminMixin:
    """Facts arrive by import; the admin may only look at them."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ReceiptItemInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ReceiptItem
    fields = ["position", "name", "price", "quantity", "sum", "category"]
    readonly_fields = fields
    extra = 0


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "at",
        "store",
        "seller",
        "operation_type",
        "total_roubles",
        "fiscal_drive_number",
        "fiscal_document_number",
    ]
    list_filter = ["operation_type", "store"]
    list_select_related = ["store", "seller"]
    search_fields = ["=fiscal_drive_number", "=fiscal_document_number", "operator"]
    date_hierarchy = "day"
    # Counting millions of receipts for "N of M" would make every page slow.
    show_full_result_count = False
    inlines = [ReceiptItemInline]

    @admin.display(description=_("total, ₽"), ordering="total")
    def total_roubles(self, obj: Receipt) -> str:
        return f"{obj.total / 100:.2f}"


def recategorize_after_commit(request: HttpRequest, chain_id: int) -> None:
    """Queue re-categorisation once the rule change is committed, so the worker sees it;
    once per chain and request, however many rules a list edit saved."""
    queued: set[int] = request.__dict__.setdefault("_cxm_recategorize_queued", set())
    if chain_id in queued:
        return
    queued.add(chain_id)
    transaction.on_commit(lambda: recategorize_chain.enqueue(chain_id))


class CategoryRuleForm(forms.ModelForm):
    class Meta:
        model = CategoryRule
        fields = ["category", "kind", "pattern", "priority"]

    def clean(self) -> dict:
        data = super().clean()
        # A broken expression would make the worker fail on every item; refuse it here.
        if data.get("kind") == CategoryRule.Kind.REGEX and data.get("pattern"):
            try:
                re.compile(data["pattern"])
            except re.error as exc:
                self.add_error("pattern", _("Not a valid regular expression: %s") % exc)
        return data


class CategoryRuleInline(admin.TabularInline):
    model = CategoryRule
    form = CategoryRuleForm
    extra = 0


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "chain"]
    list_filter = ["chain"]
    search_fields = ["name"]
    inlines = [CategoryRuleInline]

    def save_formset(self, request, form, formset, change) -> None:
        super().save_formset(request, form, formset, change)
        if formset.model is CategoryRule and formset.has_changed():
            recategorize_after_commit(request, form.instance.chain_id)

    def delete_model(self, request: HttpRequest, obj: Category) -> None:
        had_rules = obj.rules.exists()
        super().delete_model(request, obj)
        if had_rules:
            recategorize_after_commit(request, obj.chain_id)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Category]) -> None:
        chains = set(queryset.filter(rules__isnull=False).values_list("chain_id", flat=True))
        super().delete_queryset(request, queryset)
        for chain_id in chains:
            recategorize_after_commit(request, chain_id)


@admin.register(CategoryRule)
class CategoryRuleAdmin(admin.ModelAdmin):
    form = CategoryRuleForm
    list_display = ["pattern", "kind", "category", "priority"]
    list_editable = ["priority"]
    list_filter = ["kind", "category__chain", "category"]
    list_select_related = ["category"]
    search_fields = ["pattern", "category__name"]

    def save_model(self, request: HttpRequest, obj: CategoryRule, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        recategorize_after_commit(request, obj.category.chain_id)

    def delete_model(self, request: HttpRequest, obj: CategoryRule) -> None:
        chain_id = obj.category.chain_id
        super().delete_model(request, obj)
        recategorize_after_commit(request, chain_id)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CategoryRule]) -> None:
        chains = set(queryset.values_list("category__chain_id", flat=True))
        super().delete_queryset(request, queryset)
        for chain_id in chains:
            recategorize_after_commit(request, chain_id)
