"""A composite seller KPI from normalised components with configurable weights, and the
chain's targets.

A component with a target t is scored as the share of the target reached, min(x / t, 1);
one without a target is min–max normalised over the sellers compared (the best gets 1, the
worst 0; all equal gives 0.5). Either way a share like coverage (≈0.1) and one like
compliance (≈0.7) weigh as the weights say, not as their scales happen to be:

    composite = Σ wᵢ · normᵢ / Σ wᵢ   over the components the seller has a value for.

A seller without a value for a component (no checklist yet, no presses) is scored on the
others rather than punished with a zero. Scored against targets only, the composite is
comparable across periods; with min–max components it ranks sellers within one comparison.
"""

import math
from collections.abc import Mapping, Sequence

# The sellers report's figures a composite may weigh; higher is better for each.
COMPONENTS = (
    "consultation_conversion",
    "coverage",
    "compliance",
    "like_index",
    "average_ticket",
    "upt",
)
# The figures a chain may set targets for: the components and the store's own KPIs.
TARGET_METRICS = ("conversion", *COMPONENTS)
# Targets that are shares (fractions 0…1); the others are roubles or units per receipt.
SHARE_METRICS = frozenset(
    {"conversion", "consultation_conversion", "coverage", "compliance", "like_index"}
)


class SetupError(ValueError):
    """A weight or target that cannot be used: `part` is "weights" or "targets", `field` the
    component or figure (or the part itself when the whole is wrong)."""

    def __init__(self, part: str, field: str, message: str):
        super().__init__(message)
        self.part, self.field = part, field


def check_weights(weights: Mapping[str, float]) -> dict[str, float]:
    """The weights, if usable: known components, finite, not negative, summing above 0."""
    checked = {}
    for name, weight in weights.items():
        if name not in COMPONENTS:
            raise SetupError(
                "weights", name, f"{name!r} is not a component; one of {', '.join(COMPONENTS)}"
            )
        weight = float(weight)
        if not math.isfinite(weight) or weight < 0:
            raise SetupError("weights", name, f"the weight of {name} must be a number ≥ 0")
        checked[name] = weight
    if not any(checked.values()):
        raise SetupError("weights", "weights", "give at least one component a weight above 0")
    return checked


def check_targets(targets: Mapping[str, float | None]) -> dict[str, float]:
    """The targets, if usable: known figures, above 0, shares at most 1; None drops one."""
    checked = {}
    for name, target in targets.items():
        if name not in TARGET_METRICS:
            raise SetupError(
                "targets", name, f"no target for {name!r}; one of {', '.join(TARGET_METRICS)}"
            )
        if target is None:
            continue
        target = float(target)
        if not math.isfinite(target) or target <= 0:
            raise SetupError("targets", name, f"the target of {name} must be a number above 0")
        if name in SHARE_METRICS and target > 1:
            raise SetupError("targets", name, f"the target of {name} is a share: at most 1 (100 %)")
        checked[name] = target
    return checked


def parse_weights(text: str) -> dict[str, float]:
    """`"consultation_conversion:0.4,coverage:0.2"` → {name: weight}."""
    weights = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, value = part.partition(":")
        try:
            weights[name.strip()] = float(value)
        except ValueError:
            message = f"the weight of {name.strip()!r} is not a number"
            raise SetupError("weights", name.strip(), message) from None
    if not weights:
        raise SetupError(
            "weights", "weights", "give at least one weight, e.g. 'consultation_conversion:1'"
        )
    return check_weights(weights)


def composite_scores(
    rows: Sequence[Mapping[str, float | None]],
    weights: Mapping[str, float],
    targets: Mapping[str, float] | None = None,
) -> list[float | None]:
    """One score in 0…1 per row (None when the row has none of the components)."""
    targets = targets or {}
    bounds = {}
    for name in weights:
        values = [float(row[name]) for row in rows if row.get(name) is not None]
        if values:
            bounds[name] = (min(values), max(values))
    scores = []
    for row in rows:
        total = weight_sum = 0.0
        for name, weight in weights.items():
            value = row.get(name)
            if value is None or name not in bounds:
                continue
            total += weight * _normalised(float(value), bounds[name], targets.get(name))
            weight_sum += weight
        scores.append(total / weight_sum if weight_sum else None)
    return scores


def _normalised(value: float, bounds: tuple[float, float], target: float | None) -> float:
    if target:
        return min(max(value / target, 0.0), 1.0)
    low, high = bounds
    return (value - low) / (high - low) if high > low else 0.5
