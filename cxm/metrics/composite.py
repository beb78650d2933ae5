"""A composite seller KPI from normalised components with configurable weights.

Each component is min–max normalised over the sellers compared (the best gets 1, the worst
0; all equal gives 0.5), so that a share like coverage (≈0.1) and one like compliance
(≈0.7) weigh as the weights say, not as their scales happen to be:

    composite = Σ wᵢ · normᵢ / Σ wᵢ   over the components the seller has a value for.

A seller without a value for a component (no checklist yet, no presses) is scored on the
others rather than punished with a zero. The score ranks sellers within one comparison;
it is not comparable across periods or chains.
"""

from collections.abc import Mapping, Sequence


def parse_weights(text: str) -> dict[str, float]:
    """`"consultation_conversion:0.4,coverage:0.2"` → {name: weight}."""
    weights = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, value = part.partition(":")
        weight = float(value)
        if weight < 0:
            raise ValueError(f"weight of {name!r} must not be negative")
        weights[name.strip()] = weight
    if not weights or not any(weights.values()):
        raise ValueError("give at least one positive weight, e.g. 'consultation_conversion:1'")
    return weights


def composite_scores(
    rows: Sequence[Mapping[str, float | None]], weights: Mapping[str, float]
) -> list[float | None]:
    """One score in 0…1 per row (None when the row has none of the components)."""
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
            low, high = bounds[name]
            value = float(value)  # money comes as Decimal
            total += weight * ((value - low) / (high - low) if high > low else 0.5)
            weight_sum += weight
        scores.append(total / weight_sum if weight_sum else None)
    return scores
