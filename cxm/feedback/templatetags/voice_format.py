"""NPS and ИЭЛ as people read them: a signed score with one decimal (+23,4), "—" for none."""

from django import template

from cxm.dashboard.templatetags.cxm_format import DASH, Number, _grouped
from cxm.feedback.models import Button

register = template.Library()


@register.filter
def score(value: Number) -> str:
    if value is None:
        return DASH
    size = round(abs(float(value)), 1)
    sign = "" if size == 0 else "+" if value > 0 else "−"
    return sign + _grouped(size, 1)


@register.filter
def button_label(code: str) -> str:
    """A terminal button's word in the active language (excellent → отлично)."""
    return str(Button(code).label)
