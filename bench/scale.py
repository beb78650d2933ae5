"""Benchmark: a chain's history at 1×, 4× and 16× a base size in PostgreSQL — ingest rate,
rollup upkeep, and the chain and store dashboards (page JSON twin and API) read from the
rollups against the same figures summed from the raw facts in the same run.

    .venv/bin/python bench/scale.py --url postgres://postgres@127.0.0.1:55446 \\
        --stores 200 --base-days 23 --scales 1 4 16

Each scale is a fresh database `bench_scale_<N>x` filled in a child process:

1. stores (each with its time zone and register) and sellers through the import contract;
2. the history — `stores × base-days × N` store-days, ≈ --receipts-per-day receipts each with
   three lines, and hourly visitor counts — generated inside PostgreSQL (INSERT … SELECT over
   generate_series, indexes rebuilt afterwards: the fastest way to get millions of realistic
   rows onto a small machine);
3. the rollups summed for every store-day (the one-off build `cxm rollups rebuild` does);
4. one more day for every store through the real import path (`run_import`: FNS receipt JSON
   parsed, sellers matched, COPY, rollups refreshed in each batch's transaction) — the ingest
   rate — and that day's rollup refresh timed on its own;
5. each dashboard asked --requests times from the rollups and --raw-requests times from the
   raw facts (cxm.rollups.sources.RAW_FACTS), for the last 30 days and the whole history;
   server time is the Django handler's (in-process test client, no network, the process's
   start-up objects frozen as cxm/wsgi.py does; full garbage collections inside the timed
   requests are counted); the response bodies from both sources must be identical; beside
   them, the figures alone (the page's
   `dashboard_data`, the API's KPI report: the same function with the source switched), one
   request's statements and the time spent waiting for them from each source, and the
   request floor (an authenticated request refused before any figure);
6. EXPLAIN of the rollup queries a chain dashboard runs (which index each one uses).

Prints one table per measure and an extrapolation to 200 stores × 365 days when the largest
scale is smaller. Run it under `nice`; PostgreSQL is the server at --url.
"""

import argparse
import gc
import json
import os
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ZONES = (
    "Europe/Kaliningrad",
    "Europe/Moscow",
    "Europe/Samara",
    "Asia/Yekaterinburg",
    "Asia/Omsk",
    "Asia/Novosibirsk",
    "Asia/Krasnoyarsk",
    "Asia/Irkutsk",
    "Asia/Vladivostok",
)
SELLERS_PER_STORE = 6
FULL_STORE_DAYS = 200 * 365


def main() -> None:
    args = _arguments()
    if args.one_scale:
        print(json.dumps(run_scale(args)), flush=True)
        return
    results = []
    for scale in args.scales:
        name = f"{args.prefix}_{scale}x"
        if not args.reuse:
            _create_database(args.url, name)
        child = [sys.executable, __file__, "--one-scale", str(scale), *sys.argv[1:]]
        env = dict(os.environ, CXM_DATABASE_URL=f"{args.url}/{name}", CXM_LOG_LEVEL="ERROR")
        env.setdefault("CXM_DATA_DIR", "/tmp/cxm-bench-scale")
        print(f"== {scale}× ({args.stores} stores × {args.base_days * scale} days)", flush=True)
        done = subprocess.run(child, env=env, cwd=ROOT, capture_output=True, text=True)
        sys.stderr.write(done.stderr)
        if done.returncode:
            raise SystemExit(f"scale {scale}× failed")
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        if not (args.keep or args.build_only):
            _drop_database(args.url, name)
    if not args.build_only:
        report(results, args)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="postgres://postgres@127.0.0.1:55446")
    parser.add_argument("--stores", type=int, default=200)
    parser.add_argument("--base-days", type=int, default=23)
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--receipts-per-day", type=int, default=270, help="per store, on average")
    parser.add_argument("--requests", type=int, default=20, help="per dashboard, from rollups")
    parser.add_argument("--raw-requests", type=int, default=3, help="per dashboard, from facts")
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument("--prefix", default="bench_scale", help="databases: PREFIX_<N>x")
    parser.add_argument(
        "--build-only",
        action="store_true",
        help="fill the history and build the rollups, keep the database, measure nothing",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure on the database a --build-only run left (each run imports one more day)",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="REQUEST",
        help="time only these requests (names as printed: 'chain page', 'store figures', …)",
    )
    parser.add_argument("--one-scale", type=int, help=argparse.SUPPRESS)
    return parser.parse_args()


def _admin(url: str):
    import psycopg

    return psycopg.connect(f"{url}/postgres", autocommit=True)


def _create_database(url: str, name: str) -> None:
    with _admin(url) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")


def _drop_database(url: str, name: str) -> None:
    with _admin(url) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")


# ---------------------------------------------------------------- one scale, in its own process


def run_scale(args: argparse.Namespace) -> dict:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxm.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    days = args.base_days * args.one_scale
    first = date(2026, 1, 1)
    out: dict = {"scale": args.one_scale, "stores": args.stores, "days": days}
    if args.reuse:
        chain, user, days = _built_chain(first)
        out.update(days=days, **json.loads(_BUILT.read_text())[_built_key(args)])
    else:
        chain, user = _chain(args.stores)
        out.update(_fill_history(args, first, days))
        out.update(_build_rollups())
        _remember_build(_built_key(args), out)
    _fill_service(args, chain, first, days)
    if args.build_only:
        return out
    new_day = first + timedelta(days=days)
    out.update(_ingest_one_day(args, chain, new_day))
    out.update(_dashboards(args, user, new_day, days + 1))
    out["plans"] = _plans(user, new_day)
    out.update(_sizes())
    return out


# what a --build-only run measured, for the --reuse runs that follow
_BUILT = Path("/tmp/cxm-bench-scale-built.json")


def _remember_build(key: str, out: dict) -> None:
    built = json.loads(_BUILT.read_text()) if _BUILT.exists() else {}
    built[key] = {k: out[k] for k in ("receipts", "fill_s", "store_days", "rollup_build_s")}
    _BUILT.write_text(json.dumps(built))


def _built_key(args) -> str:
    return f"{args.prefix}_{args.one_scale}x"


def _built_chain(first: date):
    """The chain, its director and the days of history a --build-only run left; the days
    imported by earlier --reuse runs count as history."""
    from django.contrib.auth import get_user_model

    from cxm.org.services import default_chain
    from cxm.sales.models import Receipt

    last = Receipt.objects.order_by("-day").values_list("day", flat=True).first()
    user = get_user_model().objects.get(username="bench-director")
    return default_chain(), user, (last - first).days + 1


def _log(message: str) -> None:
    print(f"   {time.strftime('%H:%M:%S', time.gmtime())} {message}", file=sys.stderr, flush=True)


def _chain(stores: int):
    from django.contrib.auth import get_user_model

    from cxm.imports.records import read_payload
    from cxm.imports.registry import run_import
    from cxm.org.models import Membership, Role
    from cxm.org.services import default_chain

    chain = default_chain()
    store_records, seller_records = [], []
    for n in range(stores):
        zone = ZONES[n % len(ZONES)]
        code = f"S{n + 1:03d}"
        store_records.append(
            {
                "code": code,
                "name": f"Магазин {n + 1}",
                "region": zone.split("/")[1],
                "city": zone.split("/")[1],
                "timezone": zone,
                "registers": [f"77{n + 1:014d}"],
            }
        )
        for k in range(SELLERS_PER_STORE):
            seller_records.append(
                {"code": f"{code}-{k + 1}", "name": f"Продавец {n + 1} {k + 1}", "store": code}
            )
    for kind, records in (("stores", store_records), ("sellers", seller_records)):
        result = run_import(kind, chain, read_payload(records))
        assert not result.rejected, result.rejected[:3]
    user = get_user_model().objects.create_user("bench-director")
    Membership.objects.create(user=user, chain=chain, role=Role.CHAIN_ADMIN)
    return chain, user


_BENCH_TABLES = """
CREATE TEMP TABLE IF NOT EXISTS bench_store AS
SELECT s.id AS store_id, s.timezone AS tz,
       0.5 + ((s.id * 7919) % 101) / 100.0 AS factor,
       '99990789' || lpad(s.id::text, 8, '0') AS fn
FROM org_store s;
CREATE TEMP TABLE IF NOT EXISTS bench_seller AS
SELECT store_id, (row_number() OVER (PARTITION BY store_id ORDER BY id) - 1)::int AS k,
       id AS seller_id
FROM org_seller;
CREATE SEQUENCE IF NOT EXISTS bench_fd;
"""

# ≈ per_day receipts per store-day (more at weekends, more in bigger stores), hours 10–21
# local, 3 % returns, one in 20 of no known seller (k = 6 has no seller), three lines each.
_RECEIPTS = """
INSERT INTO sales_receipt (store_id, seller_id, fiscal_drive_number, fiscal_document_number,
    fiscal_sign, kkt_reg_id, document_code, operation_type, at, day, hour, total, cash, ecash,
    units, operator, operator_inn)
SELECT g.store_id, bs.seller_id, g.fn, nextval('bench_fd'), '', '', 3,
       CASE WHEN g.u < 0.03 THEN 2 ELSE 1 END,
       (g.day + make_interval(hours => g.hour, mins => g.minute)) AT TIME ZONE g.tz,
       g.day, g.hour, g.total, 0, g.total, 3, '', ''
FROM (
    SELECT st.store_id, st.tz, st.fn, d::date AS day,
           10 + floor(random() * 12)::int AS hour, floor(random() * 60)::int AS minute,
           random() AS u, floor(random() * 6.3)::int AS k,
           (30000 + floor(random() * random() * 4000000))::bigint AS total
    FROM bench_store st
    CROSS JOIN generate_series(%(first)s::date, %(last)s::date, interval '1 day') AS d
    CROSS JOIN LATERAL generate_series(1, (st.factor * %(per_day)s
        * CASE WHEN extract(isodow FROM d) >= 6 THEN 1.3 ELSE 0.9 END)::int) AS n
) AS g
LEFT JOIN bench_seller bs ON bs.store_id = g.store_id AND bs.k = g.k
"""
_ITEMS = """
INSERT INTO sales_receiptitem (receipt_id, position, name, price, quantity, sum, category_id)
SELECT r.id, p, 'Товар ' || p,
       CASE WHEN p = 3 THEN r.total - 2 * (r.total / 3) ELSE r.total / 3 END, 1,
       CASE WHEN p = 3 THEN r.total - 2 * (r.total / 3) ELSE r.total / 3 END, NULL
FROM sales_receipt r CROSS JOIN generate_series(1, 3) AS p
WHERE r.id > %(after)s
"""
_TRAFFIC = """
INSERT INTO traffic_visitorcount (store_id, start, minutes, visitors_in, visitors_out, day, hour)
SELECT store_id, start, 60, v, v, day, hour FROM (
    SELECT st.store_id, (d::date + make_interval(hours => h)) AT TIME ZONE st.tz AS start,
           d::date AS day, h AS hour,
           (st.factor * %(per_day)s / 12 * 4 * (0.6 + 0.8 * random()))::int AS v
    FROM bench_store st
    CROSS JOIN generate_series(%(first)s::date, %(last)s::date, interval '1 day') AS d
    CROSS JOIN generate_series(10, 21) AS h
) AS t
"""


def _fill_history(args, first: date, days: int) -> dict:
    from django.db import connection, transaction

    from cxm.sales.models import Receipt

    with connection.cursor() as cursor:
        cursor.execute(_BENCH_TABLES)
    started = time.perf_counter()
    dropped = _drop_indexes(["sales_receipt", "sales_receiptitem"])
    chunk = 15
    for offset in range(0, days, chunk):
        last = first + timedelta(days=min(offset + chunk, days) - 1)
        params = {"first": first + timedelta(days=offset), "last": last}
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT coalesce(max(id), 0) FROM sales_receipt")
            after = cursor.fetchone()[0]
            cursor.execute(_RECEIPTS, {**params, "per_day": args.receipts_per_day})
            cursor.execute(_ITEMS, {"after": after})
            cursor.execute(_TRAFFIC, {**params, "per_day": args.receipts_per_day})
        _log(f"history to {last}")
    _restore_indexes(dropped)
    _log("indexes rebuilt")
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    receipts = Receipt.objects.count()
    _log(f"{receipts} receipts in {seconds:.0f} s")
    return {"receipts": receipts, "fill_s": seconds}


# Per store-day ≈ per_day/13 terminal presses (one in ten a repeat) on two terminals, per_day/45
# survey answers (one in five declined, no receipt tied) and a mystery-shopper checklist every
# third day — of a random seller of the store (presses and answers: one in seven of none).
_PRESSES = """
INSERT INTO feedback_press (chain_id, external_id, store_id, seller_id, terminal, at, day, hour,
    button, question, reason, repeat)
SELECT %(chain)s, 'bp' || nextval('bench_fd'), g.store_id, bs.seller_id, g.terminal,
       (g.day + make_interval(hours => g.hour, mins => g.minute)) AT TIME ZONE g.tz, g.day,
       g.hour, (ARRAY['excellent', 'good', 'neutral', 'poor', 'bad', 'like', 'dislike'])[g.b],
       '', '', g.u < 0.1
FROM (
    SELECT st.store_id, st.tz, d::date AS day, 10 + floor(random() * 12)::int AS hour,
           floor(random() * 60)::int AS minute, floor(random() * 7)::int AS k,
           1 + floor(random() * 7)::int AS b, random() AS u,
           CASE WHEN random() < 0.5 THEN 'A' ELSE 'B' END AS terminal
    FROM bench_store st
    CROSS JOIN generate_series(%(first)s::date, %(last)s::date, interval '1 day') AS d
    CROSS JOIN generate_series(1, (st.factor * %(per_day)s / 13)::int) AS n
) AS g
LEFT JOIN bench_seller bs ON bs.store_id = g.store_id AND bs.k = g.k
"""
_ANSWERS = """
INSERT INTO feedback_surveyresponse (chain_id, external_id, store_id, seller_id, receipt_id,
    at, day, hour, channel, declined, nps, answers, comment, contact, contact_consent,
    review_invited)
SELECT %(chain)s, 'ba' || nextval('bench_fd'), g.store_id, bs.seller_id, NULL,
       (g.day + make_interval(hours => g.hour, mins => g.minute)) AT TIME ZONE g.tz, g.day,
       g.hour, 'qr', g.u < 0.2, CASE WHEN g.u < 0.2 THEN NULL ELSE g.nps END, '{}', '', '',
       false, false
FROM (
    SELECT st.store_id, st.tz, d::date AS day, 10 + floor(random() * 12)::int AS hour,
           floor(random() * 60)::int AS minute, floor(random() * 7)::int AS k, random() AS u,
           LEAST(10, floor(random() * 6)::int + floor(random() * 6)::int) AS nps
    FROM bench_store st
    CROSS JOIN generate_series(%(first)s::date, %(last)s::date, interval '1 day') AS d
    CROSS JOIN generate_series(1, (st.factor * %(per_day)s / 45)::int) AS n
) AS g
LEFT JOIN bench_seller bs ON bs.store_id = g.store_id AND bs.k = g.k
"""
_CHECKLISTS = """
INSERT INTO staff_checklist (chain_id, code, store_id, seller_id, at, day, template_id,
    evaluator, source, earned, possible, critical_failed)
SELECT %(chain)s, 'bc' || nextval('bench_fd'), st.store_id, bs.seller_id,
       (d::date + interval '15 hours') AT TIME ZONE st.tz, d::date, %(template)s, '', 'visit',
       floor(random() * 9), 8, false
FROM bench_store st
CROSS JOIN generate_series(%(first)s::date, %(last)s::date, interval '3 days') AS d
JOIN bench_seller bs ON bs.store_id = st.store_id AND bs.k = st.store_id %% 6
"""


def _fill_service(args, chain, first: date, days: int) -> None:
    """Presses, survey answers and checklists for the history (once: a database that has
    presses keeps them), and their service rollup summed."""
    from django.db import connection, transaction

    from cxm.feedback.models import Press
    from cxm.rollups.refresh import SERVICE, refresh_store_days, store_days_of_facts
    from cxm.staff.services import define_template

    if Press.objects.exists():
        return
    template = define_template(
        chain, "bench", "Стандарт", [{"code": "greet", "factor": "Приветствие", "points": 8}]
    )
    params = {
        "chain": chain.pk,
        "template": template.pk,
        "first": first,
        "last": first + timedelta(days=days - 1),
        "per_day": args.receipts_per_day,
    }
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_BENCH_TABLES)
        for sql in (_PRESSES, _ANSWERS, _CHECKLISTS):
            cursor.execute(sql, params)
        cursor.execute("ANALYZE")
    _log(f"service facts in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    refresh_store_days(store_days_of_facts(), frozenset({SERVICE}))
    _log(f"service rollup in {time.perf_counter() - started:.0f} s")


def _drop_indexes(tables: list[str]) -> list[str]:
    """A bulk load's usual order: rows first, then indexes and constraints (and no foreign-key
    triggers meanwhile); returns the statements that put them back."""
    from django.db import connection

    restore = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE contype = 'u' AND conrelid::regclass::text = ANY(%s)",
            [tables],
        )
        for name, table, definition in cursor.fetchall():
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            restore.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)"
            " AND indexname NOT LIKE '%%_pkey'",
            [tables],
        )
        for name, definition in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
            restore.insert(0, definition)
        cursor.execute("SET session_replication_role = replica")
    return restore


def _restore_indexes(statements: list[str]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for statement in statements:
            cursor.execute(statement)


def _build_rollups() -> dict:
    from django.db import connection

    from cxm.rollups.refresh import rebuild

    started = time.perf_counter()
    store_days = rebuild()
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    _log(f"rollups of {store_days} store-days in {seconds:.0f} s")
    return {"store_days": store_days, "rollup_build_s": seconds}


def _ingest_one_day(args, chain, day: date) -> dict:
    """The next day of every store through `run_import`, as a replicator would send it."""
    import random

    from cxm.imports.records import Record
    from cxm.imports.registry import run_import
    from cxm.org.models import Store
    from cxm.rollups.refresh import refresh_store_days

    rng = random.Random(day.toordinal())
    receipts, counts = [], []
    for n, store in enumerate(Store.objects.filter(chain=chain).order_by("code")):
        register = f"77{n + 1:014d}"
        for fd in range(args.receipts_per_day):
            lines = [
                {"name": f"Товар {k}", "price": p, "quantity": 1, "sum": p}
                for k, p in enumerate(rng.randrange(1000, 2_000_000) for _ in range(3))
            ]
            total = sum(line["sum"] for line in lines)
            receipts.append(
                {
                    "dateTime": f"{day}T{rng.randrange(10, 22):02d}:{rng.randrange(60):02d}:00",
                    "operationType": 2 if rng.random() < 0.03 else 1,
                    "totalSum": total,
                    "ecashTotalSum": total,
                    "items": lines,
                    "operator": f"Продавец {n + 1} {rng.randrange(1, SELLERS_PER_STORE + 1)}",
                    "fiscalDriveNumber": f"8888{n + 1:012d}",
                    "fiscalDocumentNumber": day.toordinal() * 10_000 + fd,
                    "fiscalSign": "1",
                    "kktRegId": register,
                }
            )
        for hour in range(10, 22):
            counts.append(
                {
                    "store": store.code,
                    "start": f"{day}T{hour:02d}:00:00",
                    "minutes": 60,
                    "visitors_in": rng.randrange(50, 150),
                }
            )
    out = {}
    for kind, records in (("receipts", receipts), ("traffic", counts)):
        started = time.perf_counter()
        result = run_import(kind, chain, (Record(str(i), r) for i, r in enumerate(records)))
        seconds = time.perf_counter() - started
        assert not result.rejected and result.accepted == len(records), result.as_dict()
        out[f"ingest_{kind}_per_s"] = len(records) / seconds
        _log(f"imported {len(records)} {kind} in {seconds:.1f} s")
    keys = [(store_id, day) for store_id in Store.objects.values_list("pk", flat=True)]
    started = time.perf_counter()
    refresh_store_days(keys)
    out["refresh_day_s"] = time.perf_counter() - started
    out["refresh_store_day_ms"] = out["refresh_day_s"] / len(keys) * 1000
    out["refresh_plans"] = _refresh_plans(keys)
    return out


def _refresh_plans(keys) -> list[str]:
    """The scans the rollup refresh of one day of every store runs."""
    from django.db import connection

    from cxm.rollups.refresh import _statements, key_condition

    condition, params = key_condition(keys)
    plans = []
    with connection.cursor() as cursor:
        for sql, repeats in _statements(condition):
            cursor.execute("EXPLAIN " + sql, params * repeats)
            plans.append(" ".join(sql.split()[:3]) + ": " + "; ".join(_scan_lines(cursor)))
    return plans


def _scan_lines(cursor) -> list[str]:
    return [
        line.strip().removeprefix("->  ").split("  (")[0]
        for (line,) in cursor.fetchall()
        if "Scan" in line and "Values Scan" not in line and "Subquery Scan" not in line
    ]


def _endpoints(first_store: str) -> dict[str, tuple[str, bool]]:
    """Each measured request and whether it is also asked over the whole history."""
    return {
        "chain page": ("/?{period}&format=json", True),
        "store page": (f"/?{{period}}&store={first_store}&format=json", True),
        "chain API": ("/api/v1/reports/kpi?{period}", True),
        "store API": (f"/api/v1/reports/kpi?{{period}}&store={first_store}", True),
        "NPS API": ("/api/v1/reports/nps?{period}&by=store", False),
        "store NPS API": (f"/api/v1/reports/nps?{{period}}&store={first_store}&by=seller", False),
        "ranking API": ("/api/v1/reports/sellers?{period}&by=seller", False),
        "ranking page": ("/staff/sellers/?{period}&format=json", False),
    }


def _dashboards(args, user, last: date, days: int) -> dict:
    from django.test import Client

    from cxm.org.tokens import issue_token
    from cxm.rollups.sources import RAW_FACTS, reading
    from cxm.wsgi import freeze_start_up

    # The requests run in a process settled as a server's is at start (cxm/wsgi.py).
    freeze_start_up()
    gc.callbacks.append(_watch_collections)
    _, token = issue_token(user, "bench")
    client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {token}")
    client.force_login(user)
    periods = {
        "30 days": (last - timedelta(days=29), last),
        "history": (last - timedelta(days=days - 1), last),
    }
    timings, identical = {}, True
    for period_name, (start, end) in periods.items():
        period = f"from={start}&to={end}"
        for name, (path, over_history) in _endpoints("S001").items():
            if period_name == "history" and not over_history or not _asked(args, name):
                continue
            url = path.format(period=period)
            client.get(url)  # warm: the session, the user, the plan cache
            collected = len(_FULL_COLLECTIONS)
            fast = [_timed(client, url) for _ in range(args.requests)]
            full_gc = _FULL_COLLECTIONS[collected:]
            with reading(RAW_FACTS):
                slow = [_timed(client, url) for _ in range(args.raw_requests)]
            same = all(body == fast[0][1] for _, body in fast + slow)
            identical &= same
            summary = {**_summary(fast, slow, same), **_statements(client, url), "full_gc": full_gc}
            timings[f"{name}, {period_name}"] = summary
            _log(f"{name}, {period_name}: {summary}")
        for name, store in _FIGURES:
            if not _asked(args, name):
                continue
            fast, slow = _figure_timings(args, user, start, end, name, store)
            timings[f"{name}, {period_name}"] = _summary(fast, slow, True)
            _log(f"{name}, {period_name}: {timings[f'{name}, {period_name}']}")
    return {"dashboards": timings, "identical": identical, "floor": _floor(client, args)}


# Milliseconds of each full garbage collection (the oldest generation, which walks every
# object of the process) since the run began: one that falls inside a timed request is the
# collector's pause, not the request's work; the report says how many did.
_FULL_COLLECTIONS: list[float] = []
_collection_started = [0.0]


def _watch_collections(phase: str, info: dict) -> None:
    if info["generation"] != 2:
        return
    if phase == "start":
        _collection_started[0] = time.perf_counter()
    else:
        _FULL_COLLECTIONS.append((time.perf_counter() - _collection_started[0]) * 1000)


def _asked(args, name: str) -> bool:
    return not args.only or name in args.only


# The figures timed alone, without the request around them: a page's or the API's.
_FIGURES = (
    ("chain figures", None),
    ("store figures", "S001"),
    ("chain API figures", None),
    ("store API figures", "S001"),
)


def _statements(client, url: str) -> dict:
    """How many statements one request sends and the time it waited for them (sent, run,
    answered), from the rollups and from the raw facts: the part of the request the rollups
    can speed up."""
    from cxm.rollups.sources import RAW_FACTS, ROLLUPS

    out = {}
    for source, label in ((ROLLUPS, "rollups"), (RAW_FACTS, "raw")):
        waited = _waited(client, url, source)
        out[f"{label}_statements"] = len(waited)
        out[f"{label}_db_ms"] = sum(waited)
    return out


def _waited(client, url: str, source) -> list[float]:
    """Milliseconds waited for each statement of one request reading `source`."""
    from django.db import connection

    from cxm.rollups.sources import reading

    waited: list[float] = []

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            waited.append((time.perf_counter() - started) * 1000)

    with reading(source), connection.execute_wrapper(timed):
        client.get(url)
    return waited


def _floor(client, args) -> dict:
    """What a request costs before any figure: an authenticated page and API request refused
    for a bad date (session or token, user, scope, middleware, the error's JSON) — shared by
    the rollup and the raw requests alike."""
    floor = {}
    for name, url in (("page", "/?from=never&to=never&format=json"),
                      ("API", "/api/v1/reports/kpi?from=never&to=never")):  # fmt: skip
        client.get(url)
        times = []
        for _ in range(args.requests):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code in (400, 422), (url, response.status_code)
        floor[f"{name}_p50_ms"] = _percentile(times, 50)
    return floor


def _summary(fast: list, slow: list, same: bool) -> dict:
    return {
        "rollups_p50_ms": _percentile([t for t, _ in fast], 50),
        "rollups_p95_ms": _percentile([t for t, _ in fast], 95),
        "raw_p95_ms": _percentile([t for t, _ in slow], 95),
        "identical": same,
    }


def _figure_timings(args, user, start: date, end: date, name: str, store: str | None):
    """A request's figures alone — the page's `dashboard_data`, or the API's KPI report,
    without the request around them (session, scope, JSON): what the rollups can speed up."""
    from django.http import QueryDict

    from cxm.dashboard.filters import parse_query
    from cxm.dashboard.pages import dashboard_data
    from cxm.org.scope import scope_for
    from cxm.reports.registry import build_report
    from cxm.rollups.sources import RAW_FACTS, reading

    params = QueryDict(mutable=True)
    params.update({"from": str(start), "to": str(end), **({"store": store} if store else {})})
    scope = scope_for(user)

    def timed() -> tuple[float, None]:
        query = parse_query(params, scope, end)  # a fresh filter: nothing memoised
        started = time.perf_counter()
        if "API" in name:
            build_report("kpi", query.filter)
        else:
            dashboard_data(query)
        return (time.perf_counter() - started) * 1000, None

    timed()
    fast = [timed() for _ in range(args.requests)]
    with reading(RAW_FACTS):
        slow = [timed() for _ in range(args.raw_requests)]
    return fast, slow


def _timed(client, url: str) -> tuple[float, bytes]:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    return elapsed, response.content


def _percentile(values: list[float], p: int) -> float:
    """Nearest-rank percentile (the slowest of few requests for p95)."""
    ordered = sorted(values)
    rank = max(1, -(-p * len(ordered) // 100))
    return ordered[rank - 1]


def _plans(user, last: date) -> list[str]:
    """The plan of every rollup query a chain dashboard runs, one line per scan node."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        client.get(f"/?from={last - timedelta(days=29)}&to={last}&format=json")
    plans = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            if "rollups_" not in query["sql"]:
                continue
            cursor.execute("EXPLAIN " + query["sql"])
            plans.append("; ".join(_scan_lines(cursor)))
    return plans


def _sizes() -> dict:
    from django.db import connection

    sizes = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        sizes["database_bytes"] = cursor.fetchone()[0]
        for table in ("sales_receipt", "sales_receiptitem", "traffic_visitorcount"):
            cursor.execute("SELECT pg_total_relation_size(%s)", [table])
            sizes[f"{table}_bytes"] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "WHERE c.relname LIKE 'rollups_%%' AND c.relkind = 'r'"
        )
        sizes["rollups_bytes"] = int(cursor.fetchone()[0])
    return sizes


# ---------------------------------------------------------------- the report


def report(results: list[dict], args: argparse.Namespace) -> None:
    print()
    print("scale  store-days  receipts    fill r/s  rollup build  import r/s  refresh/store-day")
    for r in results:
        print(
            f"{r['scale']:>4}×  {r['stores'] * r['days']:>10,}  {r['receipts']:>10,}"
            f"  {r['receipts'] / r['fill_s']:>8,.0f}  {r['rollup_build_s']:>10.1f} s"
            f"  {r['ingest_receipts_per_s']:>9,.0f}  {r['refresh_store_day_ms']:>12.1f} ms"
        )
    print()
    print("server time, ms: rollups p50 / p95 — raw facts p95 — raw/rollups (p95)")
    for name in results[0]["dashboards"]:
        cells = []
        for r in results:
            d = r["dashboards"][name]
            ratio = d["raw_p95_ms"] / d["rollups_p95_ms"]
            cells.append(
                f"{r['scale']}×: {d['rollups_p50_ms']:.0f} / {d['rollups_p95_ms']:.0f}"
                f" — {d['raw_p95_ms']:.0f} — {ratio:.0f}×"
            )
        print(f"  {name:<26} " + "   ".join(cells))
    print()
    print("one request's statements: rollups n, ms in the database — raw facts n, ms")
    for name in results[0]["dashboards"]:
        cells = [
            f"{r['scale']}×: {d['rollups_statements']}, {d['rollups_db_ms']:.1f}"
            f" — {d['raw_statements']}, {d['raw_db_ms']:.1f}"
            for r in results
            if "rollups_statements" in (d := r["dashboards"][name])
        ]
        if cells:
            print(f"  {name:<26} " + "   ".join(cells))
    print("full garbage collections inside the timed rollup requests, ms each:")
    for name in results[0]["dashboards"]:
        cells = [
            f"{r['scale']}×: {', '.join(f'{ms:.0f}' for ms in d['full_gc']) or 'none'}"
            for r in results
            if "full_gc" in (d := r["dashboards"][name])
        ]
        if cells:
            print(f"  {name:<26} " + "   ".join(cells))
    floors = "   ".join(
        f"{r['scale']}×: page {r['floor']['page_p50_ms']:.1f}, API {r['floor']['API_p50_ms']:.1f}"
        for r in results
    )
    print(f"request floor, ms (authenticated, refused before any figure; p50): {floors}")
    print()
    print("figures identical from rollups and raw facts:", all(r["identical"] for r in results))
    largest = results[-1]
    print("rollup query plans (chain page, 30 days, largest scale):")
    for plan in largest["plans"]:
        print("   ", plan)
    print("rollup refresh plans (one day of every store, largest scale):")
    for plan in largest["refresh_plans"]:
        print("   ", plan)
    per_receipt = largest["database_bytes"] / largest["receipts"]
    print()
    print(
        f"database: {largest['database_bytes'] / 2**30:.1f} GiB for {largest['receipts']:,}"
        f" receipts ({per_receipt:.0f} bytes a receipt with its lines, counts and indexes);"
        f" rollups {largest['rollups_bytes'] / 2**20:.0f} MiB"
    )
    _extrapolate(largest)


def _extrapolate(largest: dict) -> None:
    store_days = largest["stores"] * largest["days"]
    factor = FULL_STORE_DAYS / store_days
    if factor <= 1.01:
        return
    print(
        f"extrapolated to 200 stores × 365 days ({factor:.1f}× the largest run), linearly:"
        f" {largest['receipts'] * factor / 1e6:.0f} M receipts,"
        f" {largest['database_bytes'] * factor / 2**30:.0f} GiB,"
        f" rollup build {largest['rollup_build_s'] * factor / 60:.0f} min; the rollup"
        " reads of a 30-day dashboard do not grow with history, the raw ones over the"
        " whole history grow with it."
    )


if __name__ == "__main__":
    main()
