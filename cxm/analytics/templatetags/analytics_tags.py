"""How the analytics pages name series, grains and questions, and print statistics."""

from decimal import Decimal

from django import template
from django.utils.translation import gettext_lazy as _

from cxm.analytics.series import SERIES
from cxm.analytics.sources import INDEX_FIGURES, MONEY_FIGURES, SOURCES, figure_label, figure_text
from cxm.dashboard.templatetags.cxm_format import DASH, _grouped, money, points

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
    "checklist": _("Checklist"),
    "item": _("Item"),
    "name": _("Name"),
}
AT_STAKE = "at_stake_"
SOURCE_LABELS = {source.code: source.label for source in SOURCES}


@register.filter
def series_label(name: str) -> str:
    if name in SERIES:
        return str(SERIES[name].label)
    if name.startswith(AT_STAKE) and name[len(AT_STAKE) :] in SOURCE_LABELS:
        return _("At stake, ₽ a month: %(source)s") % {
            "source": SOURCE_LABELS[name[len(AT_STAKE) :]]
        }
    return str(KEY_LABELS[name]) if name in KEY_LABELS else figure_label(name)


@register.filter
def figure(value, name: str) -> str:
    """A figure of the revenue-source table, printed by its kind."""
    return figure_text(value, name)


@register.filter
def figure_change(value, name: str) -> str:
    """A change of a figure: percentage points for rates, index points for ИЭЛ/NPS."""
    if value is None:
        return DASH
    if name in INDEX_FIGURES:
        return f"{value:+.1f}".replace("-", "−")
    if name in MONEY_FIGURES:
        return ("+" if value >= 0 else "−") + money(abs(value))
    return points(value)


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


@register.simple_tag(takes_context=True)
def this_page_as(context, fmt: str) -> str:
    """This page's own query string (filter bar and analysis choices) in another format."""
    params = context["request"].GET.copy()
    params["format"] = fmt
    return "?" + params.urlencode()


@register.filter
def cell(value) -> str:
    """A data table's cell: large numbers to 2 places, small ones to 4 significant digits,
    "—" where unknown."""
    if value is None:
        return DASH
    if isinstance(value, float | Decimal):
        return _grouped(value, 2) if abs(value) >= 100 else f"{value:.4g}"
    return str(value)
