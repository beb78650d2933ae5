"""The rollups summed by their readers rather than by the writers of the facts — the sales
rollups' visitor figures (cxm.rollups.visitors), the customer voice's (cxm.rollups.voice) and
the sellers' shifts' (cxm.rollups.shifts): what changed, summed ahead of the readers — by the
worker's tick, the rebuild command and the demo's preparation."""

from collections.abc import Iterable
from datetime import date

from cxm.rollups.shifts import refresh_shift_days
from cxm.rollups.visitors import drain_backlog, settle_visitor_counts
from cxm.rollups.voice import refresh_voice_days


def sum_changed_days(
    store_ids: Iterable[int] | None = None, first: date = date.min
) -> dict[str, int]:
    """Sum the store-days of these stores (all when None) from `first` on whose facts changed
    since their rows were summed — every visitor count waiting, whatever its day: the
    backlog is what arrived since the last sum — and return how many store-days each kind of
    rollup summed. The shifts last: they are summed from the visitor figures."""
    stores = None if store_ids is None else list(store_ids)
    visitors = (
        drain_backlog() if stores is None else settle_visitor_counts(stores, date.min, date.max)
    )
    return {
        "visitor_days_summed": visitors,
        "voice_days_summed": refresh_voice_days(stores, first),
        "shift_days_summed": refresh_shift_days(stores, first),
    }
