"""Numbers as people read them in the active language: `1 234 567,89 ₽` and `23,5 %` in
Russian, `₽1,234,567.89` and `23.5%` in English; "—" where a figure does not exist."""

from decimal import Decimal

from django import template
from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

register = template.Library()

DASH = "—"
NBSP = "\xa0"
MONEY_METRICS = {"revenue", "average_ticket", "average_price", "base_revenue"}
SHARE_METRICS = {
    "conversion",
    "coverage",
    "consultation_conversion",
    "compliance",
    "like_index",
    "cross_sell_offer_rate",
}
RATIO_METRICS = {"upt"}

Number = int | float | Decimal | None


def _russian() -> bool:
    return (get_language() or "ru").startswith("ru")


def _grouped(value: int | float | Decimal, places: int) -> str:
    return number_format(value, places, use_l10n=True, force_grouping=True)


@register.filter
def money(value: Number) -> str:
    if value is None:
        return DASH
    sign, amount = ("−", -value) if value < 0 else ("", value)
    if _russian():
        return f"{sign}{_grouped(amount, 2)}{NBSP}₽"
    return f"{sign}₽{_grouped(amount, 2)}"


@register.filter
def share(value: Number, places: int = 1) -> str:
    """A fraction (0.235) as a percentage (23,5 %)."""
    if value is None:
        return DASH
    percent = _grouped(float(value) * 100, places)
    return f"{percent}{NBSP}%" if _russian() else f"{percent}%"


@register.filter
def count(value: Number) -> str:
    return DASH if value is None else _grouped(value, 0)


@register.filter
def metric(value: Number, name: str) -> str:
    """A figure formatted by its contract name (revenue, conversion, upt, receipts, …)."""
    if name in MONEY_METRICS or name.endswith("_effect"):
        return money(value)
    if name in SHARE_METRICS:
        return share(value)
    if name in RATIO_METRICS:
        return DASH if value is None else _grouped(value, 2)
    return count(value)


def _signed(value: float, places: int) -> tuple[str, float]:
    """The sign of `value` as shown after rounding (so −0,04 reads ±0,0) and its size."""
    size = round(abs(float(value)), places)
    sign = "±" if size == 0 else "+" if value > 0 else "−"
    return sign, size


@register.filter
def signed_share(value: Number) -> str:
    """A relative change with its sign: +5,2 % / −3,0 %."""
    if value is None:
        return DASH
    sign, size = _signed(float(value) * 100, 1)
    return sign + share(size / 100)


@register.filter
def points(value: Number) -> str:
    """A change of a share in percentage points: +1,2 п. п."""
    if value is None:
        return DASH
    sign, size = _signed(float(value) * 100, 1)
    unit = _("pp")  # percentage points
    return f"{sign}{_grouped(size, 1)}{NBSP}{unit}"


@register.filter
def trend(value: Number) -> str:
    """A CSS class for a change of a share (as shown, to 0,1 %): up, down or flat."""
    if value is None:
        return "flat"
    sign, _size = _signed(float(value) * 100, 1)
    return {"+": "up", "−": "down"}.get(sign, "flat")
