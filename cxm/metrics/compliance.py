"""Service-standard compliance (% выполнения стандарта) of one checklist.

Each item has points and a weight. An answer earns all its points (`yes`), none (`no`),
or a number of points in between; N/A removes the item from both earned and possible.
Compliance = Σ weight·earned / Σ weight·points over the answered items. A failed critical
item (no points earned) zeroes the whole visit's earned points; the per-factor and
per-item figures keep the actual answers, so the page still shows which steps were done.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

YES, NO, NA = "yes", "no", "na"


@dataclass(frozen=True)
class ItemSpec:
    code: str
    factor: str
    points: float = 1.0
    weight: float = 1.0
    critical: bool = False
    na_allowed: bool = False


@dataclass(frozen=True)
class ItemScore:
    code: str
    factor: str
    earned: float  # weighted
    possible: float  # weighted; 0 for N/A


@dataclass(frozen=True)
class ChecklistScore:
    earned: float  # weighted, after the critical rule
    possible: float
    critical_failed: bool
    items: tuple[ItemScore, ...] = field(default_factory=tuple)

    @property
    def compliance(self) -> float | None:
        return self.earned / self.possible if self.possible else None

    def by_factor(self) -> dict[str, float | None]:
        sums: dict[str, list[float]] = {}
        for item in self.items:
            acc = sums.setdefault(item.factor, [0.0, 0.0])
            acc[0] += item.earned
            acc[1] += item.possible
        return {f: (e / p if p else None) for f, (e, p) in sums.items()}


class AnswerError(ValueError):
    """An answer the template does not allow; `item` names it."""

    def __init__(self, item: str, message: str):
        super().__init__(message)
        self.item = item


def item_points(spec: ItemSpec, answer: str | float | int) -> float | None:
    """Points earned for one answer (unweighted); None for N/A."""
    if isinstance(answer, str):
        word = answer.strip().lower()
        if word == YES:
            return spec.points
        if word == NO:
            return 0.0
        if word == NA:
            if not spec.na_allowed:
                raise AnswerError(spec.code, "N/A is not allowed for this item")
            return None
        try:
            answer = float(word)
        except ValueError:
            raise AnswerError(spec.code, f"must be yes, no, na or points, got {answer!r}") from None
    if isinstance(answer, bool) or not 0 <= float(answer) <= spec.points:
        raise AnswerError(spec.code, f"points must be between 0 and {spec.points}, got {answer!r}")
    return float(answer)


def score_checklist(
    items: Sequence[ItemSpec], answers: Mapping[str, str | float | int]
) -> ChecklistScore:
    """Score the answers against the template's items. Every answer must name an item of
    the template; an item left unanswered counts as N/A."""
    specs = {item.code: item for item in items}
    for code in answers:
        if code not in specs:
            raise AnswerError(code, "is not an item of this template version")
    scores, critical_failed = [], False
    for spec in items:
        if spec.code not in answers:
            continue
        points = item_points(spec, answers[spec.code])
        if points is None:
            scores.append(ItemScore(spec.code, spec.factor, 0.0, 0.0))
            continue
        critical_failed |= spec.critical and points == 0
        scores.append(
            ItemScore(spec.code, spec.factor, spec.weight * points, spec.weight * spec.points)
        )
    earned = 0.0 if critical_failed else sum(s.earned for s in scores)
    return ChecklistScore(earned, sum(s.possible for s in scores), critical_failed, tuple(scores))
