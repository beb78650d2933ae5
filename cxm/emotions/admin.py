"""Emotion observations arrive by import and are only shown here."""

from django.contrib import admin

from cxm.emotions.models import EmotionObservation
from cxm.staff.admin import ReadOnly


@admin.register(EmotionObservation)
class EmotionObservationAdmin(ReadOnly):
    list_display = ["code", "store", "seller", "at", "subject", "emotion", "smile"]
    list_filter = ["store", "subject", "emotion"]
    list_select_related = ["store", "seller"]
    date_hierarchy = "day"
    show_full_result_count = False
