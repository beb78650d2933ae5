"""Consultations and checklists arrive by import and are only shown here. Templates are
shown with their items; a changed standard is loaded as a new version with
`cxm checklist_template FILE.json`, so filled checklists keep the version they used."""

from django.contrib import admin
from django.http import HttpRequest

from cxm.staff.models import Checklist, ChecklistItem, ChecklistTemplate, Consultation


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ItemInline(admin.TabularInline):
    model = ChecklistItem
    fields = ["position", "code", "factor", "text", "points", "weight", "critical", "na_allowed"]
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(ReadOnly):
    list_display = ["code", "version", "name", "chain", "created_at"]
    inlines = [ItemInline]


@admin.register(Consultation)
class ConsultationAdmin(ReadOnly):
    list_display = ["code", "store", "seller", "started_at", "converted", "receipt"]
    list_filter = ["store", "converted"]
    list_select_related = ["store", "seller", "receipt"]
    date_hierarchy = "day"
    show_full_result_count = False


@admin.register(Checklist)
class ChecklistAdmin(ReadOnly):
    list_display = ["code", "store", "seller", "at", "template", "source", "earned", "possible"]
    list_filter = ["store", "source"]
    list_select_related = ["store", "seller", "template"]
    date_hierarchy = "day"
