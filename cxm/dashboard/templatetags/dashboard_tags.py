"""Labels and links for dashboard templates: what a metric is called, and this page's
query string with one parameter changed (sort order, chart grain)."""

from django import template

from cxm.dashboard import labels
from cxm.dashboard.filters import DashboardQuery

register = template.Library()


@register.filter
def label(name: str) -> str:
    return str(labels.METRICS.get(name, name))


@register.filter
def hint(name: str) -> str:
    return str(labels.METRIC_HINTS.get(name, ""))


@register.simple_tag
def link(query: DashboardQuery, **changes: str | None) -> str:
    return query.link(**changes)


@register.simple_tag
def sort_link(query: DashboardQuery, key: str) -> str:
    """Sort by `key`, descending first; a second click reverses it."""
    return query.link(sort=key if query.sort == f"-{key}" else f"-{key}")


@register.filter
def sort_mark(query: DashboardQuery, key: str) -> str:
    if query.sort == f"-{key}":
        return "▼"
    return "▲" if query.sort == key else ""


@register.filter
def get(row: dict, key: str) -> object:
    return row.get(key)
