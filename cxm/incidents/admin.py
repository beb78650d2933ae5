"""The organizer in the admin: rules are edited here (and on the API); incidents, channels
and deliveries are shown for support."""

from django.contrib import admin

from cxm.incidents.models import Attempt, Delivery, Incident, Review, Rule, Subscription
from cxm.trust.personal import masked


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    list_display = ["chain", "code", "kind", "name", "enabled", "sla_hours", "auto_close"]
    list_filter = ["chain", "kind", "enabled"]


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ["pk", "store", "rule", "title", "status", "owner", "due_at", "escalated"]
    list_filter = ["status", "rule__kind", "escalated"]
    list_select_related = ["store", "rule", "owner"]
    # The customer's contact is for the managers who handle the incident, on its own page.
    exclude = ["contact", "key"]
    readonly_fields = ["customer_contact"]

    @admin.display(description="customer contact")
    def customer_contact(self, incident: Incident) -> str:
        return masked(incident.contact)


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["kind", "store", "period_start", "period_end", "due_on", "done_at"]
    list_filter = ["kind"]


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["user", "channel", "address", "alerts", "daily_digest", "weekly_digest"]


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    readonly_fields = ["at", "ok", "error", "seconds"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "subscription", "kind", "subject", "state", "attempts"]
    list_filter = ["state", "kind"]
    inlines = [AttemptInline]
