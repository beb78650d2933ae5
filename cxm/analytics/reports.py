"""The analytics reports (`cxm report correlations …`, `/api/v1/reports/correlations`, the
correlation page): series read through `series`, statistics from `cxm.metrics`."""

from collections import Counter
from dataclasses import asdict
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from cxm.analytics.series import DEFAULT_GRAIN, SERIES, check_series, series_frame
from cxm.feedback.banks import BANKS, FACTORS_PER_SURVEY, QUESTIONS, bank_of
from cxm.feedback.models import SurveyResponse
from cxm.metrics.correlation import (
    ADJUSTMENT,
    ALPHA,
    Correlation,
    Problem,
    Strength,
    correlate_pairs,
    verdict,
)
from cxm.metrics.drivers import (
    Driver,
    DriverAnalysis,
    DriverProblem,
    analyse_drivers,
    importance_performance,
)
from cxm.metrics.factors import FactorAnalysis, FactorProblem, analyse_factors
from cxm.reports.filters import FilterError, ReportFilter
from cxm.staff.models import ChecklistAnswer
from cxm.staff.reports import checklists_in

# The seed's ready-made questions (slide 4): which pair answers which.
PRESETS: dict[str, tuple[str, str]] = {
    "traffic_quality": ("units", "traffic"),
    "seller_engagement": ("traffic", "consultations"),
    "perceived_quality": ("likes", "consultations"),
    "standard_and_sales": ("units", "compliance"),
    "loyalty_and_sales": ("iel", "revenue"),
}


def correlation_pairs(x: list[str], y: list[str] | None) -> list[tuple[str, str]]:
    """Every x against every y; without y, every pair among the x."""
    check_series("x", x)
    if y:
        check_series("y", y)
        pairs = [(a, b) for a in x for b in y if a != b]
    else:
        pairs = list(combinations(dict.fromkeys(x), 2))
    if not pairs:
        raise FilterError("y" if y else "x", "name two different series to correlate")
    return pairs


def correlation_report(
    flt: ReportFilter,
    x: list[str] | None = None,
    y: list[str] | None = None,
    grain: str | None = None,
) -> dict[str, Any]:
    """One row per pair: n, Pearson and Spearman with p-values (raw and Holm-adjusted over
    the pairs), 95 % intervals and the verdict; `points` holds the data they came from."""
    if not x:
        raise FilterError("x", "name at least one series (x)")
    pairs = correlation_pairs(x, y)
    grain = grain or DEFAULT_GRAIN
    names = list(dict.fromkeys(name for pair in pairs for name in pair))
    frame = series_frame(flt, names, grain)
    rows = [_row(c) for c in correlate_pairs(frame, pairs)]
    return {
        "report": "correlations",
        "from": flt.period.start.isoformat(),
        "to": flt.period.end.isoformat(),
        "grain": grain,
        "alpha": ALPHA,
        "adjustment": ADJUSTMENT,
        "rows": rows,
        "points": _points(frame),
    }


def _points(frame) -> list[dict[str, Any]]:
    """The data an analysis was computed from: one row per (unit, bucket)."""
    unit, bucket = frame.index.names
    return [
        {unit: key[0], bucket: key[1], **{n: _plain(v) for n, v in values.items()}}
        for key, values in zip(frame.index, frame.to_dict("records"), strict=True)
    ]


def _plain(value: float) -> float | None:
    return None if value != value else value  # NaN → null in JSON


def _row(correlation: Correlation) -> dict[str, Any]:
    said = verdict(correlation)
    return {
        **asdict(correlation),
        "problem": said.problem.value if said.problem else None,
        "strength": said.strength.value if said.strength else None,
        "significant": said.significant,
        "verdict": verdict_text(correlation),
    }


def verdict_text(correlation: Correlation) -> str:
    """The verdict in plain words, in the active language."""
    said = verdict(correlation)
    if said.problem == Problem.TOO_FEW_POINTS:
        return _("too few points to judge (%(n)d; at least 4 needed)") % {"n": correlation.n}
    if said.problem == Problem.CONSTANT:
        return _("one of the series does not vary: no correlation can be measured")
    relation = {
        (Strength.NEGLIGIBLE, True): _("no noticeable relation"),
        (Strength.NEGLIGIBLE, False): _("no noticeable relation"),
        (Strength.WEAK, True): _("weak positive relation"),
        (Strength.WEAK, False): _("weak negative relation"),
        (Strength.MODERATE, True): _("moderate positive relation"),
        (Strength.MODERATE, False): _("moderate negative relation"),
        (Strength.STRONG, True): _("strong positive relation"),
        (Strength.STRONG, False): _("strong negative relation"),
    }[(said.strength, said.positive)]
    significance = (
        pgettext("correlation verdict", "significant")
        if said.significant
        else pgettext("correlation verdict", "not significant")
    )
    return f"{relation}, {significance}"


MAX_DRIVERS = 12


def driver_report(
    flt: ReportFilter,
    outcome: str | None = None,
    drivers: list[str] | None = None,
    grain: str | None = None,
) -> dict[str, Any]:
    """Standardised regression and relative weights of the drivers on the outcome over the
    grain's points, each driver's quadrant of the importance–performance matrix, and the
    points themselves."""
    if not outcome:
        raise FilterError("outcome", "name the outcome series")
    check_series("outcome", [outcome])
    if not drivers:
        raise FilterError("drivers", "name at least one driver series")
    check_series("drivers", drivers)
    drivers = [d for d in dict.fromkeys(drivers) if d != outcome]
    if not drivers or len(drivers) > MAX_DRIVERS:
        raise FilterError("drivers", f"name 1 to {MAX_DRIVERS} drivers other than the outcome")
    grain = grain or DEFAULT_GRAIN
    frame = series_frame(flt, [outcome, *drivers], grain)
    analysis = analyse_drivers(frame, outcome, drivers)
    quadrants = importance_performance(
        [d.weight for d in analysis.drivers], [d.performance for d in analysis.drivers]
    )
    return {
        "report": "drivers",
        "from": flt.period.start.isoformat(),
        "to": flt.period.end.isoformat(),
        "grain": grain,
        "outcome": outcome,
        "n": analysis.n,
        "r_squared": analysis.r_squared,
        "problem": analysis.problem.value if analysis.problem else None,
        "problem_drivers": list(analysis.problem_drivers),
        "message": driver_message(analysis),
        "rows": [
            {"driver": d.name, **_driver_figures(d), "quadrant": q.value}
            for d, q in zip(analysis.drivers, quadrants, strict=True)
        ],
        "points": _points(frame),
    }


def _driver_figures(driver: Driver) -> dict[str, Any]:
    figures = asdict(driver)
    figures.pop("name")
    return figures


def driver_message(analysis: DriverAnalysis) -> str:
    """What the analysis can say, in the active language."""
    if analysis.problem == DriverProblem.TOO_FEW_POINTS:
        return _("too few points for this many drivers (%(n)d)") % {"n": analysis.n}
    if analysis.problem == DriverProblem.CONSTANT:
        names = ", ".join(analysis.problem_drivers)
        return _("these series do not vary: %(names)s") % {"names": names}
    if analysis.problem == DriverProblem.COLLINEAR:
        return _("the drivers are collinear: one is a combination of the others")
    top = analysis.drivers[0]
    return _("the drivers explain %(r2)d%% of the outcome; the strongest is %(name)s") % {
        "r2": round(100 * (analysis.r_squared or 0)),
        "name": str(SERIES[top.name].label),
    }


# What the factor analysis reads: checklist items, or the survey's factor questions.
FACTOR_SOURCES = ("checklists", "survey")
# A survey asks each customer at most FACTORS_PER_SURVEY questions of its bank (a planned-
# missing design): each pair of questions is correlated over the customers who answered
# both, and every pair needs this many of them.
SURVEY_PAIRWISE_MIN = 50


def factor_report(
    flt: ReportFilter, template: str | None = None, source: str | None = None
) -> dict[str, Any]:
    """Exploratory factor analysis of one checklist template's items (each scored earned /
    possible; N/A is missing) or of one survey bank's questions (1–5): does the standard,
    or the survey model, measure the steps or dimensions it declares? `template` names the
    checklist template or the bank (the busiest one otherwise). `correlations` and `points`
    are the data it was computed from: the items' correlations (over the complete
    checklists; over each pair's answers for a survey) and the item scores."""
    source = source or "checklists"
    if source not in FACTOR_SOURCES:
        raise FilterError(
            "source", f"unknown source {source!r}; one of {', '.join(FACTOR_SOURCES)}"
        )
    if source == "survey":
        template, frame, declared = survey_item_scores(flt, template)
        analysis = analyse_factors(frame, pairwise_min=SURVEY_PAIRWISE_MIN)
        used, unit = frame, "answer"
    else:
        template, frame, declared = checklist_item_scores(flt, template)
        analysis = analyse_factors(frame)
        used, unit = frame.dropna(), "checklist"
    loadings = dict(zip(analysis.items, analysis.loadings, strict=False))
    assigned = dict(zip(analysis.items, analysis.assignment, strict=False))
    adequacy = dict(zip(analysis.items, analysis.kmo_per_item, strict=False))
    sphericity = analysis.sphericity
    return {
        "report": "factors",
        "from": flt.period.start.isoformat(),
        "to": flt.period.end.isoformat(),
        "source": source,
        "template": template,
        "pairwise_min": SURVEY_PAIRWISE_MIN if source == "survey" else None,
        "n": analysis.n,
        "problem": analysis.problem.value if analysis.problem else None,
        "problem_items": list(analysis.problem_items),
        "message": factor_message(analysis, source),
        "kmo": analysis.kmo,
        "bartlett_chi_square": sphericity.chi_square if sphericity else None,
        "bartlett_df": sphericity.df if sphericity else None,
        "bartlett_p": sphericity.p_value if sphericity else None,
        "eigenvalues": list(analysis.eigenvalues),
        "parallel_threshold": list(analysis.parallel_threshold),
        "kaiser_factors": analysis.kaiser_factors,
        "factors": analysis.factors,
        "alphas": list(analysis.alphas),
        "rows": [
            {
                "item": item,
                "declared_factor": declared[item],
                "answered": int(frame[item].notna().sum()),
                "mean": _plain(float(frame[item].mean())),
                "kmo": adequacy.get(item),
                "factor": assigned.get(item),
                "loadings": list(loadings.get(item, ())),
            }
            for item in frame.columns
        ],
        "correlations": _correlations(used),
        "points": [
            {unit: code, **{item: _plain(v) for item, v in values.items()}}
            for code, values in zip(used.index, used.to_dict("records"), strict=True)
        ],
    }


def checklist_item_scores(
    flt: ReportFilter, template: str | None
) -> tuple[str | None, pd.DataFrame, dict[str, str]]:
    """(template, one row per checklist code × one column per item scored earned/possible
    with NaN for N/A, each item's declared factor); the busiest template unless named."""
    checklists = checklists_in(flt)
    if template is None:
        busiest = checklists.values("template__code").annotate(n=Count("pk")).order_by("-n").first()
        template = busiest["template__code"] if busiest else None
    elif not checklists.filter(template__code=template).exists():
        raise FilterError("template", f"no checklists of template {template!r} in the period")
    answers = ChecklistAnswer.objects.filter(
        checklist__in=checklists, checklist__template__code=template
    ).values_list("checklist__code", "item__code", "item__factor", "earned", "possible")
    scores: dict[str, dict[str, float]] = {}
    declared: dict[str, str] = {}
    for checklist, item, factor, earned, possible in answers:
        declared[item] = factor
        scores.setdefault(checklist, {})[item] = earned / possible if possible else np.nan
    frame = pd.DataFrame.from_dict(scores, orient="index", columns=sorted(declared))
    return template, frame.sort_index(), declared


def survey_item_scores(
    flt: ReportFilter, bank: str | None
) -> tuple[str | None, pd.DataFrame, dict[str, str]]:
    """(bank, one row per survey answer id × one column per question of the bank rated 1–5,
    NaN where the customer was not asked, each question's declared dimension); the bank
    with the most ratings unless named."""
    answers = SurveyResponse.objects.filter(
        store_id__in=flt.store_ids(), day__gte=flt.period.start, day__lte=flt.period.end
    ).filter(declined=False)
    if flt.seller_id() is not None:
        answers = answers.filter(seller_id=flt.seller_id())
    ratings = {
        code: {question: score for question, score in rated.items() if question in QUESTIONS}
        for code, rated in answers.exclude(answers={}).values_list("external_id", "answers")
    }
    per_bank = Counter(bank_of(q) for rated in ratings.values() for q in rated)
    if bank is None:
        bank = per_bank.most_common(1)[0][0] if per_bank else None
    elif bank not in per_bank:
        raise FilterError("template", f"no survey answers of bank {bank!r} in the period")
    questions = [q.code for q in BANKS.get(bank, ())]
    frame = pd.DataFrame.from_dict(
        {code: rated for code, rated in ratings.items() if any(q in rated for q in questions)},
        orient="index",
        columns=questions,
        dtype=float,
    )
    return bank, frame.sort_index(), {q: QUESTIONS[q].dimension for q in questions}


def factor_templates(flt: ReportFilter, source: str) -> list[str]:
    """What the page offers to analyse: the checklist templates filled in the period, or
    the survey banks."""
    if source == "survey":
        return list(BANKS)
    return checklist_templates(flt)


def checklist_templates(flt: ReportFilter) -> list[str]:
    """The codes of the checklist templates filled in the filter's period."""
    codes = checklists_in(flt).values_list("template__code", flat=True).distinct()
    return sorted(codes.order_by())


def _correlations(scores: pd.DataFrame) -> list[dict[str, Any]]:
    """The items' Pearson correlations (what the analysis factors), each over the rows that
    answer both items, one row per item; None where an item does not vary."""
    if len(scores) < 2:
        return []
    matrix = scores.corr()
    return [
        {"item": item, **{other: _plain(float(r)) for other, r in matrix[item].items()}}
        for item in matrix.columns
    ]


def factor_message(analysis: FactorAnalysis, source: str = "checklists") -> str:
    """What the factor analysis can say, in the active language."""
    if source == "survey" and not analysis.items:
        return _("no survey answers in the period")
    if analysis.problem == FactorProblem.TOO_FEW_POINTS and source == "survey":
        return _(
            "each customer answers at most %(asked)d of the %(items)d questions: the fewest "
            "customers who answered two of them together are %(n)d, fewer than the %(min)d "
            "a correlation needs — the survey's design does not allow a factor analysis yet"
        ) % {
            "asked": FACTORS_PER_SURVEY,
            "items": len(analysis.items),
            "n": analysis.n,
            "min": SURVEY_PAIRWISE_MIN,
        }
    if analysis.problem == FactorProblem.TOO_FEW_POINTS:
        return _("too few complete checklists for this many items (%(n)d)") % {"n": analysis.n}
    if analysis.problem == FactorProblem.CONSTANT:
        names = ", ".join(analysis.problem_items)
        return _("these items do not vary: %(names)s") % {"names": names}
    if analysis.problem == FactorProblem.SINGULAR:
        return _("an item is a combination of others: the correlations cannot be factored")
    if analysis.problem == FactorProblem.NO_FACTOR:
        return _("the items share nothing: parallel analysis keeps no factor")
    return ngettext(
        "parallel analysis keeps %(k)d factor",
        "parallel analysis keeps %(k)d factors",
        analysis.factors,
    ) % {"k": analysis.factors}
