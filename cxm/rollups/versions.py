"""Each store-day's versions of its facts (StoreDayVersion): every write of receipts, of
consultations, of feedback (presses, survey answers, checklists) or of transcripts adds one
to that kind's version of the store-days it wrote, in its transaction — refresh_store_days
and write_counted do it for the facts they sum, the consultations' and transcripts' imports
for theirs; visitor counts count in the traffic version when they are summed into the
store-hours (cxm.rollups.visitors), which is where what is derived from them reads them.
Imports only add or complete facts, so a store-day whose versions are the same holds the
same facts.

What is derived per store-day (the consultations' matching to sales, the transcripts' links)
stores a fingerprint of the versions it was computed from; `stale_store_days` finds, in one
statement over this one-row-a-store-day table, the store-days whose fingerprint differs —
usually none — instead of counting every fact of the period."""

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from itertools import islice

from django.db import connection, models

from cxm.rollups.models import StoreDayVersion

StoreDayKey = tuple[int, date]

# The kinds of facts, each a version column.
SALES, CONSULTATIONS, FEEDBACK, SPEECH = "sales", "consultations", "feedback", "speech"
TRAFFIC = "traffic"
KINDS = (SALES, CONSULTATIONS, FEEDBACK, SPEECH, TRAFFIC)

_CHUNK = 500  # store-days per statement: two parameters each, under SQLite's limit


def mark_written(keys: Iterable[StoreDayKey], kinds: Iterable[str]) -> None:
    """One more version of `kinds` for these (store id, day) keys, in the caller's
    transaction: one upsert a few hundred store-days."""
    kinds = set(kinds)
    if not kinds:
        return
    head, ones, tail = written(kinds)
    iterator = iter(sorted(set(keys)))
    with connection.cursor() as cursor:
        while chunk := list(islice(iterator, _CHUNK)):
            cursor.execute(
                f"{head} VALUES " + ", ".join([f"(%s, %s, {ones})"] * len(chunk)) + f" {tail}",
                [value for key in chunk for value in key],
            )


def written(kinds: Iterable[str]) -> tuple[str, str, str]:
    """The upsert adding one version of `kinds`, in pieces that a statement writing facts can
    put its store-days between: (`INSERT INTO … (store_id, day, <every kind>)`, the kinds'
    values — 1 for `kinds`, 0 for the others — and `ON CONFLICT … DO UPDATE …`)."""
    kinds = set(kinds)
    assert kinds and kinds <= set(KINDS), kinds
    table = _table(StoreDayVersion)
    ones = ", ".join(str(int(kind in kinds)) for kind in KINDS)
    updates = ", ".join(f"{k} = {table}.{k} + excluded.{k}" for k in KINDS if k in kinds)
    return (
        f"INSERT INTO {table} (store_id, day, {', '.join(KINDS)})",
        ones,
        f"ON CONFLICT (store_id, day) DO UPDATE SET {updates}",
    )


def stale_store_days(
    state: type[models.Model],
    store_ids: Sequence[int],
    first: date,
    last: date,
    *,
    having: Sequence[str],
    around: Sequence[tuple[int, str]],
    salt: str,
    fresh_until: tuple[date, str] | None = None,
    recheck_before: datetime | None = None,
) -> dict[StoreDayKey, str]:
    """The store-days of these stores in [first, last] that have facts of a `having` kind and
    whose fingerprint stored in `state` (a model of store, day, fingerprint[, recheck_at]) is not
    the current one, with the current one: `salt` (the settings the derivation depends on),
    then the versions `around` names — (day offset, kind) — and, for days from
    `fresh_until`'s date on, its text (a store-day still changing as time passes). With
    `recheck_before`, also those whose `recheck_at` is before it."""
    if not store_ids:
        return {}
    # One join a neighbouring day (the day itself is the row read): vm1 the day before, vp1
    # the day after.
    alias = {o: f"v{'m' if o < 0 else 'p'}{abs(o)}" if o else "v" for o, _ in around}
    parts = " || ':' || ".join(
        f"CAST(COALESCE({alias[offset]}.{kind}, 0) AS TEXT)" for offset, kind in around
    )
    joins = " ".join(
        f"LEFT JOIN {_table(StoreDayVersion)} {name} ON {name}.store_id = v.store_id"
        f" AND {name}.day = {_days_after('v.day', offset)}"
        for offset, name in sorted(alias.items())
        if offset
    )
    fingerprint, params = f"%s || '/' || {parts}", [salt]
    if fresh_until is not None:
        fingerprint += " || CASE WHEN v.day >= %s THEN %s ELSE '' END"
        params += list(fresh_until)
    stores = ", ".join(["%s"] * len(store_ids))
    params += [*store_ids, first, last]
    has_facts = " OR ".join(f"v.{kind} > 0" for kind in having)
    condition = "s.fingerprint IS NULL OR s.fingerprint <> c.fingerprint"
    if recheck_before is not None:
        condition += " OR s.recheck_at <= %s"
        params.append(connection.ops.adapt_datetimefield_value(recheck_before))
    sql = f"""SELECT c.store_id, c.day, c.fingerprint FROM (
            SELECT v.store_id, v.day, {fingerprint} AS fingerprint
            FROM {_table(StoreDayVersion)} v {joins}
            WHERE v.store_id IN ({stores}) AND v.day >= %s AND v.day <= %s AND ({has_facts})
        ) c LEFT JOIN {_table(state)} s ON s.store_id = c.store_id AND s.day = c.day
        WHERE {condition}"""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {(store, as_date(day)): value for store, day, value in cursor.fetchall()}


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _days_after(column: str, days: int) -> str:
    if connection.vendor == "postgresql":
        return f"{column} + {days}"
    return f"date({column}, '{days:+d} day')"


def as_date(value: date | str) -> date:
    # SQLite answers a raw query's dates as text.
    return value if isinstance(value, date) else date.fromisoformat(value)
