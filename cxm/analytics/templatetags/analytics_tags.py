"""How the analytics pages name series, grains and questions, and print statistics."""

from django import template
from django.utils.translation import gettext_lazy as _

from cxm.analytics.series import SERIES

register = template.Library()

GRAIN_LABELS = {
    "store-day": _("store × day"),
    "store-week": _("store × week"),
    "store-month": _("store × month"),
    "seller-month": _("seller × month"),
}
PRESET_LABELS = {
    "traffic_quality": _("units ~ visitors (quality of traffic)"),
    "seller_engagement": _("visitors ~ consultations (seller engagement)"),
    "perceived_quality": _("likes ~ consultations (perceived quality)"),
    "standard_and_sales": _("units ~ compliance with the standard (does it sell)"),
    "loyalty_and_sales": _("ИЭЛ ~ revenue (loyalty and money)"),
}
KEY_LABELS = {
    "store": _("Store"),
    "seller": _("Seller"),
    "day": _("Day"),
    "week": _("Week"),
    "month": _("Month"),
}


@register.filter
def series_label(name: str) -> str:
    if name in SERIES:
        return str(SERIES[name].label)
    return str(KEY_LABELS.get(name, name))


@register.filter
def grain_label(name: str) -> str:
    return str(GRAIN_LABELS.get(name, name))


@register.filter
def preset_label(name: str) -> str:
    return str(PRESET_LABELS.get(name, name))


@register.filter
def coefficient(value: float | None) -> str:
    return "—" if value is None else f"{value:+.2f}".replace("-", "−")


@register.filter
def p_value(value: float | None) -> str:
    """Small p-values as "< 0.001": more digits would claim a precision the model lacks."""
    if value is None:
        return "—"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


EFFECT_LABELS = {
    "base_revenue": _("Base revenue"),
    "traffic_effect": _("Traffic"),
    "conversion_effect": _("Conversion"),
    "ticket_effect": _("Average ticket"),
    "upt_effect": _("UPT"),
    "price_effect": _("Average price"),
    "revenue": _("Revenue"),
}


@register.filter
def effect_label(name: str) -> str:
    return str(EFFECT_LABELS.get(name, name))


@register.simple_tag
def effect_labels() -> dict[str, str]:
    """The waterfall's bar names, for the page's script."""
    return {name: str(label) for name, label in EFFECT_LABELS.items()}


QUADRANT_LABELS = {
    "fix": _("fix first"),
    "maintain": _("maintain"),
    "over_invested": _("over-invested"),
    "low_priority": _("low priority"),
}


@register.filter
def quadrant_label(name: str) -> str:
    return str(QUADRANT_LABELS.get(name, name))
