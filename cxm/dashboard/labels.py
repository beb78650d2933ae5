"""What the dashboard calls things, in the active language: metric names for cards and
table heads, period presets, and the words the charts draw."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cxm.dashboard.filters import SORT_KEYS

METRICS = {
    "revenue": gettext_lazy("Revenue"),
    "traffic": gettext_lazy("Traffic"),
    "conversion": gettext_lazy("Conversion"),
    "average_ticket": gettext_lazy("Average ticket"),
    "upt": gettext_lazy("UPT"),
    "receipts": gettext_lazy("Receipts"),
    "units": gettext_lazy("Units"),
    "name": gettext_lazy("Name"),
    "base_revenue": gettext_lazy("Base revenue"),
    "traffic_effect": gettext_lazy("Traffic effect"),
    "conversion_effect": gettext_lazy("Conversion effect"),
    "ticket_effect": gettext_lazy("Ticket effect"),
    # The composite front-staff KPI's components (the seller ranking, the KPI set-up).
    "coverage": gettext_lazy("Coverage"),
    "consultation_conversion": gettext_lazy("Consultation conversion"),
    "compliance": gettext_lazy("Standard compliance"),
    "like_index": gettext_lazy("Like-Index"),
}

METRIC_HINTS = {
    "revenue": gettext_lazy("Sales minus returns"),
    "traffic": gettext_lazy("Visitors counted at the door"),
    "conversion": gettext_lazy("Receipts / traffic"),
    "average_ticket": gettext_lazy("Revenue / receipts"),
    "upt": gettext_lazy("Units per receipt"),
    "receipts": gettext_lazy("Sale receipts"),
}

PRESETS = {
    "today": gettext_lazy("Today"),
    "yesterday": gettext_lazy("Yesterday"),
    "last_7_days": gettext_lazy("Last 7 days"),
    "last_30_days": gettext_lazy("Last 30 days"),
    "this_week": gettext_lazy("This week"),
    "last_week": gettext_lazy("Last week"),
    "this_month": gettext_lazy("This month"),
    "last_month": gettext_lazy("Last month"),
    "this_quarter": gettext_lazy("This quarter"),
    "this_year": gettext_lazy("This year"),
}

EFFECT_COLUMNS = ("revenue", "base_revenue", "traffic_effect", "conversion_effect", "ticket_effect")

GRAINS = {
    "day": gettext_lazy("Days"),
    "week": gettext_lazy("Weeks"),
    "month": gettext_lazy("Months"),
}

COMPARISONS = {
    "previous": gettext_lazy("previous period"),
    "last_year": gettext_lazy("same period last year"),
}


def chart_labels() -> dict[str, object]:
    """The words the charts draw, for the page's script."""
    return {
        "revenue": _("Revenue"),
        "conversion": _("Conversion"),
        "base": _("Base period"),
        "current": _("This period"),
        "traffic": _("Traffic"),
        "ticket": _("Average ticket"),
        "no_data": _("No data for this period"),
        "no_split": _("No split: it needs visitor counts for this selection in both periods"),
        "weekdays": [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")],
    }


def page_context() -> dict[str, object]:
    """The labels every dashboard template uses."""
    return {
        "presets": PRESETS,
        "comparisons": COMPARISONS,
        "grains": GRAINS,
        "columns": SORT_KEYS,
        "effect_columns": EFFECT_COLUMNS,
        "chart_labels": chart_labels(),
    }
