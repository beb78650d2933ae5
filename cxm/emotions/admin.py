"""Emotion observations arrive by import and are only shown here."""

from django.contrib import admin
from django.http import HttpRequest

from cxm.emotions.models import EmotionObservation


@admin.register(EmotionObservation)
class EmotionObservationAdmin(admin.ModelAdmin):
    list_display = ["code", "store", "seller", "at", "subject", "emotion", "smile"]
    list_filter = ["store", "subject", "emotion"]
    list_select_related = ["store", "seller"]
    date_hierarchy = "day"
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
