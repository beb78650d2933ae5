"""Formulas behind the incident rules: time a store was open between two instants (a device
is "silent" only while the store works), bursts of events, and a rate spike against a
baseline. Plain Python: no Django."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _span(hours: dict, day: datetime) -> tuple[time, time] | None:
    span = hours.get(DAY_KEYS[day.weekday()])
    if not span:
        return None
    opens, closes = (time.fromisoformat(t) for t in span)
    return opens, closes


def open_seconds(start: datetime, end: datetime, tz: ZoneInfo, hours: dict) -> float:
    """Seconds between two aware instants during which the store was open, by its local
    opening hours ({"mon": ["10:00", "22:00"], "sun": null, …}). No hours at all means
    open around the clock (the store never said otherwise)."""
    if end <= start:
        return 0.0
    if not hours:
        return (end - start).total_seconds()
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    total = 0.0
    day = local_start.replace(hour=0, minute=0, second=0, microsecond=0)
    while day <= local_end:
        span = _span(hours, day)
        if span is not None:
            opens = datetime.combine(day.date(), span[0], tz)
            closes = datetime.combine(day.date(), span[1], tz)
            lo, hi = max(opens, local_start), min(closes, local_end)
            total += max(0.0, (hi - lo).total_seconds())
        day = (day + timedelta(days=1, hours=2)).replace(hour=0)  # safe across DST shifts
    return total


def opening_time(day: datetime, hours: dict) -> time | None:
    """When the store opens on the local day of `day`, or None when it is closed."""
    span = _span(hours, day)
    return span[0] if span else None


def burst_end(times: Sequence[datetime], k: int, window: timedelta) -> datetime | None:
    """The first instant by which `k` of the sorted `times` fell within `window`."""
    for i in range(k - 1, len(times)):
        if times[i] - times[i - k + 1] <= window:
            return times[i]
    return None


@dataclass(frozen=True)
class Spike:
    rate: float | None
    base_rate: float | None
    is_spike: bool


def rate_spike(hits: int, n: int, base_hits: int, base_n: int, factor: float, min_n: int) -> Spike:
    """Is the share hits/n at least `factor` times its baseline? Judged only when both
    periods have `min_n` cases (a small store's one bad day is not a spike)."""
    rate = hits / n if n else None
    base = base_hits / base_n if base_n else None
    judged = n >= min_n and base_n >= min_n and rate is not None and base is not None
    return Spike(rate, base, bool(judged and rate >= factor * base and rate > base))
