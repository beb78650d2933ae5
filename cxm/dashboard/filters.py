"""The dashboard's filter bar: the query string parsed once into a ReportFilter plus the page's
own choices (chart grain, comparison base, table order), and back into shareable links."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from django.db.models import F
from django.http import QueryDict
from django.utils.translation import gettext as _

from cxm.metrics.periods import PRESETS, Period, preset, previous_period, same_period_last_year
from cxm.org.models import Store
from cxm.org.scope import Scope, visible_sellers
from cxm.reports.filters import FilterError, ReportFilter
from cxm.reports.sales import knows_sellers

DEFAULT_PRESET = "last_30_days"
GRAINS = ("day", "week", "month")
COMPARISONS = ("previous", "last_year")
SORT_KEYS = ("name", "revenue", "receipts", "traffic", "conversion", "average_ticket", "upt")
FORMATS = ("html", "json")
SCOPE_FIELDS = ("region", "store", "seller")
CHOICES = {
    "grain": GRAINS,
    "compare": COMPARISONS,
    "sort": tuple(f"{order}{key}" for key in SORT_KEYS for order in ("-", "")),
}
DEFAULTS = {"grain": "day", "compare": "previous", "sort": "-revenue"}


@dataclass(frozen=True)
class DashboardQuery:
    """Everything the filter bar says; `params` is its query-string form."""

    filter: ReportFilter
    preset: str | None  # None when the period was given as from/to dates
    grain: str = "day"
    compare: str = "previous"
    sort: str = DEFAULTS["sort"]
    params: dict[str, str] = field(default_factory=dict)

    @property
    def base(self) -> Period:
        """The period the revenue change is measured against."""
        if self.compare == "last_year":
            return same_period_last_year(self.filter.period)
        return previous_period(self.filter.period)

    def link(self, **changes: str | None) -> str:
        """This page's query string with some parameters changed (None drops one)."""
        params = {**self.params, **changes}
        return "?" + urlencode({k: v for k, v in params.items() if v})

    def links(self, name: str, **changes: str | None) -> Callable[[str], str]:
        """`link(**changes, name=value)` for many values: the rest of the query string is
        encoded once (a chain's tables link each of their 200 stores)."""
        params = {**self.params, **changes, name: name}
        pairs = [None if k == name else urlencode({k: v}) for k, v in params.items() if v]
        return lambda value: (
            "?" + "&".join(urlencode({name: value}) if pair is None else pair for pair in pairs)
        )


def parse_query(params: QueryDict, scope: Scope, today: date) -> DashboardQuery:
    """The one parser every dashboard page uses. Raises FilterError naming the bad field;
    a store or seller outside the scope is refused later, by ReportFilter (403)."""
    if params.get("format", "html") not in FORMATS:
        raise FilterError("format", _("must be one of: %s") % ", ".join(FORMATS))
    period, preset_name = _period(params, today)
    kept: dict[str, str | None] = {name: params.get(name) or None for name in SCOPE_FIELDS}
    kept.update({name: _choice(params, name) for name in CHOICES})
    state = (
        {"period": preset_name}
        if preset_name
        else {"from": period.start.isoformat(), "to": period.end.isoformat()}
    )
    state.update({k: v for k, v in kept.items() if v and v != DEFAULTS.get(k)})
    flt = ReportFilter(scope, period, kept["store"], kept["region"], kept["seller"])
    choices = {name: str(kept[name]) for name in CHOICES}
    return DashboardQuery(flt, preset_name, params=state, **choices)


def _period(params: QueryDict, today: date) -> tuple[Period, str | None]:
    """A preset (`period`) wins; else both dates (`from`, `to`); else the default preset."""
    name = params.get("period")
    if not name and not params.get("from") and not params.get("to"):
        name = DEFAULT_PRESET
    if name:
        if name not in PRESETS:
            raise FilterError("period", _("unknown period %(name)r") % {"name": name})
        return preset(name, today), name
    start, end = _date(params, "from"), _date(params, "to")
    if start is None or end is None:
        raise FilterError("from" if start is None else "to", _("give both dates of the period"))
    if end < start:
        raise FilterError("to", _("the period ends before it starts"))
    return Period(start, end), None


def _date(params: QueryDict, name: str) -> date | None:
    value = params.get(name)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        message = _("%(value)r is not a date (YYYY-MM-DD)") % {"value": value}
        raise FilterError(name, message) from None


def _choice(params: QueryDict, name: str) -> str:
    value = params.get(name) or DEFAULTS[name]
    if value not in CHOICES[name]:
        raise FilterError(name, _("%(value)r is not one of the choices") % {"value": value})
    return value


def scope_choices(query: DashboardQuery) -> dict[str, list[dict[str, str]]]:
    """What the region → store → seller selectors offer: only the scope, each list narrowed
    by the choice before it."""
    flt = query.filter
    # Plain values, not model instances: a national chain lists thousands of sellers here.
    stores = list(
        Store.objects.filter(pk__in=flt.scope.store_ids)
        .order_by("code")
        .values("pk", "code", "name", region_name=F("region__name"))
    )
    regions = sorted({store["region_name"] for store in stores})
    if flt.region:
        stores = [s for s in stores if s["region_name"] == flt.region]
    selected = [s for s in stores if not flt.store or s["code"] == flt.store]
    narrowed = [s["pk"] for s in selected]
    # The filter's own selection: no query more.
    flt.knows_stores((s["pk"], s["code"], s["region_name"]) for s in selected)
    sellers = list(
        visible_sellers(flt.scope)
        .filter(store_id__in=narrowed)
        .order_by("code")
        .values("code", "name", "active", store_code=F("store__code"))
    )
    if narrowed and flt.scope.seller_id is None:
        # Every seller of the selected stores: the seller figures ask no query more.
        knows_sellers(flt, ((s["code"], s["store_code"], s["active"]) for s in sellers))
    return {
        "periods": list(PRESETS),
        "regions": regions,
        "stores": [
            {"code": s["code"], "name": s["name"], "region": s["region_name"]} for s in stores
        ],
        "sellers": [
            {"code": s["code"], "name": s["name"], "store": s["store_code"]} for s in sellers
        ],
    }
