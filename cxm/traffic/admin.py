"""Visitor counts arrive by import; the admin only shows them."""

from django.contrib import admin
from django.http import HttpRequest

from cxm.traffic.models import VisitorCount


@admin.register(VisitorCount)
class VisitorCountAdmin(admin.ModelAdmin):
    list_display = ["store", "start", "minutes", "visitors_in", "visitors_out", "day", "hour"]
    list_filter = ["store"]
    list_select_related = ["store"]
    date_hierarchy = "day"
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
