"""The revenue-source table of the seed (`004_…`): for each of the seven sources of revenue,
the current figure of its information source, its driver, the trend against the comparison
period and the money at stake (`cxm report revenue-sources`, the API, the page).

The figures come from the reports of the apps that own them (sales, staff, speech, customer
voice, incidents), each asked once, grouped by store; the money at stake is
`cxm.metrics.revenue_sources` over those per-store figures, each store raised to the
chain's upper quartile."""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cxm.analytics.series import SERIES
from cxm.dashboard.templatetags.cxm_format import DASH, _grouped, count, money, share
from cxm.feedback.reports import iel_report, nps_report, reviews_report
from cxm.incidents.figures import handling_by_store, handling_figures
from cxm.metrics.kpi import SalesFigures, change, ratio
from cxm.metrics.periods import Period, previous_period
from cxm.metrics.revenue_sources import Lever, Stake, StakeProblem, money_at_stake
from cxm.org.cli import operator_scope
from cxm.org.models import Chain
from cxm.reports.filters import ReportFilter
from cxm.reports.sales import sales_figures
from cxm.speech.reports import speech_report
from cxm.staff.reports import checklists_in, sellers_report

Figures = dict[str, Any]

SPEECH = gettext_lazy("Speech analytics")
FEEDBACK = gettext_lazy("Customer feedback")
CHECKLISTS = gettext_lazy("Mystery shopper checklists")
INCIDENTS = gettext_lazy("Incident management")


@dataclass(frozen=True)
class Source:
    """One row of the seed's table: where its figure comes from, what it drives, and the
    lever of the KPI tree (volume, current, value of one more) that prices it."""

    code: str
    label: Any  # lazily translated
    information: Any
    figure: str  # the figure of the information source (a key of the store figures)
    details: tuple[str, ...]  # further figures of the same source
    drivers: tuple[str, ...]
    lever_figure: str  # the figure that is raised to the benchmark
    lever: Callable[[Figures], Lever]
    no_data: Any  # what is missing when the information source has no records
    value_known: bool = True


def _difference(a: Any, b: Any) -> float | None:
    return None if a is None or b is None else float(a) - float(b)


def _product(a: Any, b: Any) -> float | None:
    return None if a is None or b is None else float(a) * float(b)


SOURCES: tuple[Source, ...] = (
    Source(
        code="offers",
        label=gettext_lazy("Accessory and promotion offers at every sale"),
        information=SPEECH,
        figure="cross_sell_offer_rate",
        details=("promo_offer_rate", "offers_expected"),
        drivers=("average_ticket",),
        lever_figure="cross_sell_offer_rate",
        lever=lambda f: Lever(
            f.get("offers_expected"),
            f.get("cross_sell_offer_rate"),
            _difference(f.get("average_ticket_with_offer"), f.get("average_ticket_without_offer")),
        ),
        no_data=gettext_lazy(
            "no speech-analytics transcripts before receipts that call for an offer"
        ),
    ),
    Source(
        code="phrasing",
        label=gettext_lazy("The right phrasing of the offer"),
        information=SPEECH,
        figure="right_form_rate",
        details=("offers_made",),
        drivers=("average_ticket",),
        lever_figure="right_form_rate",
        lever=lambda f: Lever(
            f.get("offers_made"),
            f.get("right_form_rate"),
            _difference(f.get("average_ticket_right_form"), f.get("average_ticket_wrong_form")),
        ),
        no_data=gettext_lazy("no offers heard by speech analytics"),
    ),
    Source(
        code="engagement",
        label=gettext_lazy("Engaging visitors at the first moment of contact"),
        information=SPEECH,
        figure="engagement_opening_rate",
        details=("coverage",),
        drivers=("conversion",),
        lever_figure="coverage",
        lever=lambda f: Lever(
            f.get("traffic"),
            f.get("coverage"),
            _product(f.get("consultation_conversion"), f.get("average_ticket")),
        ),
        no_data=gettext_lazy("no speech-analytics transcripts"),
    ),
    Source(
        code="consultation",
        label=gettext_lazy("The form of the consultation: empathy and expertise"),
        information=CHECKLISTS,
        figure="compliance",
        details=("empathy_rate", "expertise_rate", "consultation_conversion"),
        drivers=("conversion", "repeat_visits"),
        lever_figure="consultation_conversion",
        lever=lambda f: Lever(
            f.get("matched_consultations"),
            f.get("consultation_conversion"),
            f.get("average_ticket"),
        ),
        no_data=gettext_lazy("no checklists in the period"),
    ),
    Source(
        code="loyalty",
        label=gettext_lazy("Perceived quality and emotional loyalty"),
        information=FEEDBACK,
        figure="iel",
        details=("nps", "responses"),
        drivers=("repeat_visits",),
        lever_figure="iel",
        # One point of ИЭЛ is a hundredth of the receipts turned from unhappy to happy.
        lever=lambda f: Lever(
            f.get("receipts"), f.get("iel"), _product(f.get("average_ticket"), 0.01)
        ),
        no_data=gettext_lazy("no feedback-terminal presses in the period"),
    ),
    Source(
        code="dissatisfaction",
        label=gettext_lazy("Reacting to dissatisfaction and winning unhappy customers back"),
        information=INCIDENTS,
        figure="won_back_share",
        details=("unhappy", "resolved_in_time_share"),
        drivers=("repeat_visits",),
        lever_figure="won_back_share",
        lever=lambda f: Lever(f.get("unhappy"), f.get("won_back_share"), f.get("average_ticket")),
        no_data=gettext_lazy("no call-back outcomes recorded on unhappy-customer incidents"),
    ),
    Source(
        code="reviews",
        label=gettext_lazy("Loyal customers' reviews on Yandex Maps and other platforms"),
        information=FEEDBACK,
        figure="click_rate",
        details=("invitations", "clicks"),
        drivers=("new_visitors",),
        lever_figure="click_rate",
        lever=lambda f: Lever(f.get("invitations"), f.get("click_rate"), None),
        no_data=gettext_lazy("no invitations to leave a review in the period"),
        value_known=False,
    ),
)

# Drivers CXM does not measure: receipts are anonymous, so visits cannot be told apart.
UNMEASURED_DRIVERS = frozenset({"repeat_visits", "new_visitors"})


def revenue_sources_report(
    flt: ReportFilter, base: Period | None = None, by: str | None = None
) -> dict[str, Any]:
    """One row per source of the seed's table, in its order, and `stores`: each store's
    figures that the rows were computed from."""
    if by not in (None, "store"):
        raise ValueError("the revenue-source table has a row per source; `stores` lists stores")
    if flt.seller or flt.scope.seller_id is not None:
        raise PermissionDenied(
            "the revenue-source table is a store's or the chain's, not a seller's"
        )
    base = base or previous_period(flt.period)
    chain_stores, chain_total = store_figures(_chain_filter(flt))
    selected = set(flt.stores().values_list("code", flat=True))
    if selected == set(chain_stores):
        stores, total = chain_stores, chain_total
    else:
        stores, total = store_figures(flt)
    _, before = store_figures(flt.shifted(base))
    rows = [_source_row(s, flt, stores, chain_stores, total, before) for s in SOURCES]
    # Each store's money at stake per source, beside the figures it came from.
    at_stake = {row["source"]: row.pop("store_money") for row in rows}
    for code, figures in stores.items():
        figures.update({f"at_stake_{name}": money[code] for name, money in at_stake.items()})
    return {
        "report": "revenue-sources",
        "from": flt.period.start.isoformat(),
        "to": flt.period.end.isoformat(),
        "base_from": base.start.isoformat(),
        "base_to": base.end.isoformat(),
        "days": flt.period.days,
        "rows": rows,
        "stores": [{"store": code, **stores[code]} for code in sorted(stores)],
    }


def _chain_filter(flt: ReportFilter) -> ReportFilter:
    """The whole chain over the same period: the benchmark every store is measured against
    (only its quartiles leave this module, never another store's figures)."""
    if flt.scope.chain_id is None:  # a superuser without a chain: the stores they see
        return ReportFilter(flt.scope, flt.period)
    chain = Chain.objects.get(pk=flt.scope.chain_id)
    return ReportFilter(operator_scope(chain), flt.period)


def _source_row(
    source: Source,
    flt: ReportFilter,
    stores: dict[str, Figures],
    chain_stores: dict[str, Figures],
    total: Figures,
    before: Figures,
) -> dict[str, Any]:
    stake = money_at_stake(
        {code: source.lever(figures) for code, figures in stores.items()},
        [source.lever(figures).current for figures in chain_stores.values()],
        flt.period.days,
        value_known=source.value_known,
    )
    value, previous = total.get(source.figure), before.get(source.figure)
    return {
        "source": source.code,
        "name": str(source.label),
        "information": str(source.information),
        "figure": source.figure,
        "value": value,
        "previous": previous,
        "change": change(value, previous)["abs"],
        **{name: total.get(name) for name in source.details},
        "drivers": [_driver(name, total, before) for name in source.drivers],
        "lever": source.lever_figure,
        "lever_value": total.get(source.lever_figure),
        "benchmark": stake.benchmark,
        "money_at_stake": stake.total,
        "store_money": stake.per_store,
        # `problem`: the information source has no data; `money_problem`: why not priced.
        "problem": "no_data" if value is None else None,
        "money_problem": stake.problem.value if stake.problem else None,
        "message": _message(source, value, stake),
    }


def _driver(name: str, total: Figures, before: Figures) -> dict[str, Any]:
    if name in UNMEASURED_DRIVERS:
        return {"driver": name, "value": None, "previous": None, "measured": False}
    value, previous = total.get(name), before.get(name)
    return {
        "driver": name,
        "value": value,
        "previous": previous,
        "change": change(value, previous)["abs"],
        "measured": True,
    }


def _message(source: Source, value: Any, stake: Stake) -> str:
    """What the row can say, in the active language: that its information source has no
    data, and the money at stake in words or why it is not priced."""
    said = [_("No data: %(what)s.") % {"what": source.no_data}] if value is None else []
    if stake.problem == StakeProblem.NOT_ESTIMABLE:
        said.append(
            _("Not priced: how many readers of a review become new visitors is not measured.")
        )
    elif stake.problem == StakeProblem.NO_BENCHMARK:
        said.append(_("Not priced: fewer than two stores of the chain have this figure."))
    elif stake.problem == StakeProblem.NO_DATA:
        said.append(
            _("Not priced: no store has a figure for %(lever)s.")
            % {"lever": figure_label(source.lever_figure)}
        )
    else:
        said.append(
            _(
                "Raising each store's %(lever)s to the chain's upper quartile (%(benchmark)s) "
                "is worth %(money)s a month."
            )
            % {
                "lever": figure_label(source.lever_figure),
                "benchmark": figure_text(stake.benchmark, source.lever_figure),
                "money": figure_text(round(stake.total), "revenue"),
            }
        )
    return " ".join(said)


# --- the figures each source reads, per store and for the whole filter ---


def store_figures(flt: ReportFilter) -> tuple[dict[str, Figures], Figures]:
    """Per store code and for the whole filter: sales, staff, speech, customer-voice and
    incident figures, each from its own app's report."""
    stores: dict[str, Figures] = {
        key[0]: _sales(f) for key, f in sales_figures(flt, "store").items()
    }
    staff = {row["store"]: row for row in sellers_report(flt, "store")["rows"]}
    speech = speech_report(flt, "store")
    iel = iel_report(flt, "store")
    nps = nps_report(flt, "store")
    reviews = reviews_report(flt, "store")
    handling = handling_by_store(flt)
    for code, figures in stores.items():
        figures.update(_staff(staff.get(code, {})))
        figures.update(_speech(_row_of(speech, code)))
        figures.update(_iel(_row_of(iel, code)))
        figures.update(_nps(_row_of(nps, code)))
        figures.update(_reviews(_row_of(reviews, code)))
        figures.update(_handling(handling.get(code)))
    total = _sales(sales_figures(flt, None)[()])
    total.update(_staff(_summed_staff(staff.values())))
    total["compliance"] = _pooled_compliance(flt)
    total.update(_speech(speech["total"]))
    total.update(_iel(iel["total"]))
    total.update(_nps(nps["total"]))
    total.update(_reviews(reviews["total"]))
    total.update(_handling(_summed_handling(handling.values())))
    return stores, total


def _row_of(report: dict[str, Any], code: str) -> dict[str, Any]:
    return next((row for row in report["rows"] if row.get("store") == code), {})


def _money(value: Any) -> float | None:
    return float(value) if isinstance(value, Decimal) else value


def _sales(figures: SalesFigures) -> Figures:
    row = figures.as_dict()
    return {
        "traffic": row["traffic"],
        "receipts": row["receipts"],
        "revenue": _money(row["revenue"]),
        "conversion": row["conversion"],
        "average_ticket": _money(row["average_ticket"]),
    }


STAFF_COUNTS = ("consultations", "converted_consultations", "failed_consultations", "traffic")


def _staff(row: dict[str, Any]) -> Figures:
    converted = row.get("converted_consultations") or 0
    matched = converted + (row.get("failed_consultations") or 0)
    return {
        "consultations": row.get("consultations"),
        "matched_consultations": matched,
        "coverage": ratio(row.get("consultations"), row.get("traffic")),
        "consultation_conversion": ratio(converted, matched),
        "compliance": row.get("compliance"),
        "checklists": row.get("checklists"),
    }


def _summed_staff(rows) -> dict[str, Any]:
    return {name: sum(row.get(name) or 0 for row in rows) for name in STAFF_COUNTS}


def _pooled_compliance(flt: ReportFilter) -> float | None:
    """Σ earned / Σ possible over the filter's checklists, as the staff reports pool it."""
    sums = checklists_in(flt).aggregate(earned=Sum("earned"), possible=Sum("possible"))
    return ratio(sums["earned"], sums["possible"])


SPEECH_FIGURES = (
    "transcripts",
    "offers_expected",
    "offers_made",
    "cross_sell_offer_rate",
    "right_form_rate",
    "engagement_opening_rate",
    "promo_offer_rate",
    "empathy_rate",
    "expertise_rate",
)
SPEECH_TICKETS = (
    "average_ticket_with_offer",
    "average_ticket_without_offer",
    "average_ticket_right_form",
    "average_ticket_wrong_form",
)


def _speech(row: dict[str, Any]) -> Figures:
    return {
        **{name: row.get(name) for name in SPEECH_FIGURES},
        **{name: _money(row.get(name)) for name in SPEECH_TICKETS},
    }


def _iel(row: dict[str, Any]) -> Figures:
    # No presses at all is no ИЭЛ, not an ИЭЛ of zero.
    return {"iel": row.get("iel") if row.get("presses") else None, "presses": row.get("presses")}


def _nps(row: dict[str, Any]) -> Figures:
    return {"nps": row.get("nps"), "responses": row.get("responses")}


def _reviews(row: dict[str, Any]) -> Figures:
    return {
        "invitations": row.get("invitations"),
        "clicks": row.get("clicks"),
        "click_rate": row.get("click_rate"),
    }


HANDLING_COUNTS = ("unhappy", "resolved_in_time", "called_back", "won_back")


def _handling(figures: dict[str, Any] | None) -> Figures:
    figures = figures or {}
    return {
        "unhappy": figures.get("unhappy", 0),
        "resolved_in_time_share": figures.get("resolved_in_time_share"),
        "won_back_share": figures.get("won_back_share"),
    }


def _summed_handling(rows) -> dict[str, Any]:
    return handling_figures({name: sum(row[name] for row in rows) for name in HANDLING_COUNTS})


# --- how the table names and prints its figures ---

# The table's figures that are not series of the workbench (cxm.analytics.series).
FIGURE_LABELS = {
    "offers_expected": gettext_lazy("Receipts calling for an offer"),
    "offers_made": gettext_lazy("Offers made"),
    "right_form_rate": gettext_lazy("Right-form rate"),
    "promo_offer_rate": gettext_lazy("Promotion offer rate"),
    "empathy_rate": gettext_lazy("Empathy heard"),
    "expertise_rate": gettext_lazy("Expertise heard"),
    "transcripts": gettext_lazy("Transcripts"),
    "matched_consultations": gettext_lazy("Consultations with an outcome"),
    "checklists": gettext_lazy("Checklists"),
    "presses": gettext_lazy("Presses"),
    "responses": gettext_lazy("Survey responses"),
    "unhappy": gettext_lazy("Unhappy customers (incidents)"),
    "won_back_share": gettext_lazy("Unhappy customers won back"),
    "resolved_in_time_share": gettext_lazy("Resolved by the deadline"),
    "invitations": gettext_lazy("Review invitations"),
    "clicks": gettext_lazy("Review-link clicks"),
    "click_rate": gettext_lazy("Review-link click rate"),
    "average_ticket_with_offer": gettext_lazy("Ticket with an offer"),
    "average_ticket_without_offer": gettext_lazy("Ticket without an offer"),
    "average_ticket_right_form": gettext_lazy("Ticket after a right-form offer"),
    "average_ticket_wrong_form": gettext_lazy("Ticket after a wrong-form offer"),
    "repeat_visits": gettext_lazy("Repeat visits"),
    "new_visitors": gettext_lazy("New visitors"),
}
# Figures on −100…100, and money; the other rates are shares 0…1, the rest counts.
INDEX_FIGURES = frozenset({"iel", "nps"})
MONEY_FIGURES = frozenset({"revenue", "average_ticket", *SPEECH_TICKETS})


def figure_label(name: str) -> str:
    if name in SERIES:
        return str(SERIES[name].label)
    return str(FIGURE_LABELS.get(name, name))


def figure_text(value: Any, name: str) -> str:
    """A figure as the pages print it: ИЭЛ/NPS as an index, money in roubles, counts as
    counts, other rates as percentages."""
    if value is None:
        return DASH
    if name in INDEX_FIGURES:
        return _grouped(value, 1)
    if name in MONEY_FIGURES:
        return money(value).replace(",00", "").replace(".00", "")
    if isinstance(value, int):
        return count(value)
    return share(value)
