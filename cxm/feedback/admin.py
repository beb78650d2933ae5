"""Customer voice in the admin: a chain's feedback setup is edited here; presses, answers and
review clicks arrive by import and by the public pages, so the admin only shows them."""

from django.contrib import admin
from django.http import HttpRequest

from cxm.feedback.models import FeedbackSetup, Press, ReviewClick, SurveyResponse
from cxm.trust.personal import masked


@admin.register(FeedbackSetup)
class FeedbackSetupAdmin(admin.ModelAdmin):
    list_display = [
        "chain",
        "bank",
        "press_repeat_seconds",
        "min_responses",
        "survey_cooldown_days",
    ]


class ReadOnlyAdmin(admin.ModelAdmin):
    list_filter = ["store"]
    list_select_related = ["store"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Press)
class PressAdmin(ReadOnlyAdmin):
    list_display = ["store", "at", "button", "seller", "terminal", "repeat"]
    date_hierarchy = "day"


@admin.register(SurveyResponse)
class SurveyResponseAdmin(ReadOnlyAdmin):
    list_display = ["store", "at", "channel", "declined", "nps", "seller", "receipt"]
    date_hierarchy = "day"
    raw_id_fields = ["receipt"]
    # Personal data stays out of the admin: masked (docs/security.md).
    exclude = ["contact"]
    readonly_fields = ["customer_contact"]

    @admin.display(description="customer contact")
    def customer_contact(self, answer: SurveyResponse) -> str:
        return masked(answer.contact)


@admin.register(ReviewClick)
class ReviewClickAdmin(ReadOnlyAdmin):
    list_display = ["store", "platform", "at", "promoter"]
