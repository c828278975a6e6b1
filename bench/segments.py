"""`cxloop bench segments`: a segment's live count at a million customers, against hand-written SQL.

Each database (--db sqlite, postgres or both) runs in its own process on a
migrated scratch database holding one store (Europe/Warsaw) with --customers
customers written by bulk SQL (bench/_segments_seed.py, through
`demo.writer.RowWriter`: executemany on SQLite, COPY on PostgreSQL), then
ANALYZEd. The spread: 60 % have ordered (orders, net spend, first and last
order over three years; the others have NULLs), 5 % carry the tag vip (one
in ten written VIP, as merchants type it), five languages with their
countries, every consent state, a few erased customers; each buyer has the
prediction a refresh writes (RFM group and spend tier by
`segments.predictions.groups`, P(alive), orders and value over 365 days from
BG/NBD and Gamma-Gamma with fixed parameters).

For each case, the timed figure is what the segment page asks for:
`count_matching(store, text, now=...)` (parse, compile, one COUNT query: on
the customers, or on the predictions for a query only about them). The
baseline is one hand-written `SELECT COUNT(*)` with the same condition on the
same connection. After one warm-up of each, the two are
timed in turn --repeat times (so both see the same load); the counts must be
equal (exit status 1 otherwise). Printed: p50 and p99 of each, the ratio
app / SQL and whether the app's p99 meets the goal (<= 200 ms).

    cxloop bench segments --customers 20000                       # quick, both databases
    cxloop bench segments --db sqlite --keep --sqlite-path /work/bench-data/segments-1m.sqlite3

The seeded database is deleted afterwards unless --keep; a kept one (the
same path or URL) is reused by the next run when it holds the same number of
customers. Results are printed and written to var/bench/segments-<timestamp>.json.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import urllib.parse
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench._segments_seed import seed_customers
from bench._timing import in_turn, percentiles
from bench.surveys import _PostgresDb  # the scratch database the other benchmarks use

ROOT = Path(__file__).resolve().parents[1]
STORE = "segments-bench"
ZONE = "Europe/Warsaw"
SEED = 20261205
GOAL_MS = 200


def main(argv: list[str]) -> None:
    if argv[:1] == ["--child"]:
        return _child(json.loads(argv[1]))
    parser = argparse.ArgumentParser(prog="cxloop bench segments", description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "postgresql", "both"], default="both")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per case, after one warm-up")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--keep", action="store_true", help="keep the seeded database (and reuse it next time)"
    )
    parser.add_argument("--sqlite-path", default="", help="default: var/bench/segments-<customers>.sqlite3")
    parser.add_argument("--postgres-url", default="",
                        help="default: postgres://postgres@127.0.0.1:5432/segbench_<customers> "
                             "(its name must contain 'bench')")  # fmt: skip
    args = parser.parse_args(argv)
    args.db = {"postgresql": "postgres"}.get(args.db, args.db)
    if args.customers < 1000 or args.repeat < 1:
        parser.error("--customers must be at least 1000 and --repeat at least 1")
    args.sqlite_path = args.sqlite_path or str(ROOT / "var" / "bench" / f"segments-{args.customers}.sqlite3")
    args.postgres_url = args.postgres_url or f"postgres://postgres@127.0.0.1:5432/segbench_{args.customers}"
    databases = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    runs = [_run_one(database, args) for database in databases]
    _print_table(runs)
    print(f"\nresults: {_write_json(runs, args)}")
    wrong = [f"{r['database']}: {c['case']}" for r in runs for c in r["cases"] if not c["same_count"]]
    if wrong:
        sys.exit(f"the app's count differs from the SQL count: {', '.join(wrong)}")


# -- the parent: one child process per database ------------------------------------------------------


def _run_one(database: str, args) -> dict:
    """Seed (or reuse) the database, run the cases in a child process, drop what this run created."""
    created = False
    if database == "sqlite":
        path = Path(args.sqlite_path)
        url, created = f"sqlite:///{path}", not path.exists()
        path.parent.mkdir(parents=True, exist_ok=True)
    else:
        scratch, url = _PostgresDb(args.postgres_url), args.postgres_url
        if not _postgres_exists(scratch):
            scratch.create()
            created = True
    config = {"customers": args.customers, "seed": args.seed, "repeat": args.repeat}
    try:
        with tempfile.TemporaryDirectory(prefix="cxbench-segments-") as tmp:
            env = {**os.environ, "CXLOOP_VAR_DIR": tmp, "DATABASE_URL": url, "DEBUG": "0",
                   "DJANGO_SETTINGS_MODULE": "cxloop.settings"}  # fmt: skip
            env.setdefault("SECRET_KEY", "bench-secret-key-" + "x" * 40)
            env.pop("CXLOOP_REDIS_URL", None)
            done = subprocess.run(
                [sys.executable, "-m", "bench.segments", "--child", json.dumps(config)],
                cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True, check=False,
            )  # fmt: skip
    finally:
        if created and not args.keep:
            _discard(database, args)
        elif args.keep:
            print(f"kept {url}", file=sys.stderr)
    if done.returncode != 0:
        # A kept database is migrated forward; one whose applied migrations were since rewritten is not.
        hint = (
            "" if created else f"\n(it reused {url}: if its migrations no longer match the tree, delete it)"
        )
        sys.exit(f"the {database} run failed (exit {done.returncode}):\n{done.stdout[-3000:]}{hint}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _postgres_exists(scratch: _PostgresDb) -> bool:
    import psycopg

    with psycopg.connect(scratch.admin_url, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [scratch.name]).fetchone()
    return found is not None


def _discard(database: str, args) -> None:
    if database == "postgres":
        _PostgresDb(args.postgres_url).drop()
        return
    from cxloop.core.sqlite.turns import lock_file_paths

    name = args.sqlite_path
    for path in [name, f"{name}-wal", f"{name}-shm", *lock_file_paths(name)]:
        Path(path).unlink(missing_ok=True)


# -- the child: seed, then measure --------------------------------------------------------------------


def _child(config: dict) -> None:
    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    call_command("migrate", verbosity=0)
    store = _seeded_store(config["customers"], config["seed"])
    now = datetime.now(UTC)
    load_before = os.getloadavg()
    cases = [_measure(store, case, now, config["repeat"]) for case in _cases(store, now)]
    result = {
        "database": connection.vendor, "server": _server_version(), "customers": config["customers"],
        "store": store.slug, "now": now.isoformat(), "repeat": config["repeat"],
        "load": {"before": load_before, "after": os.getloadavg()}, "cases": cases,
    }  # fmt: skip
    print(json.dumps(result, ensure_ascii=False))


def _seeded_store(customers: int, seed: int):
    """The benchmark's store, seeded if the database does not hold it yet."""
    from cxloop.commerce.models import Customer
    from cxloop.core.models import Store
    from cxloop.core.services import create_store

    store = Store.objects.filter(slug=STORE).first()
    if store is not None:
        found = Customer.objects.filter(store=store).count()
        if found != customers:
            sys.exit(f"this database holds {found:,} customers, not {customers:,}: pick another path or URL")
        print(f"reusing the seeded store ({found:,} customers)", file=sys.stderr)
        return store
    store, _key = create_store(name="Segments bench", currency="EUR", timezone=ZONE, slug=STORE)
    began = time.perf_counter()
    seed_customers(store, customers, seed=seed)
    print(f"seeded {customers:,} customers in {time.perf_counter() - began:.0f} s", file=sys.stderr)
    return store


# -- the cases ----------------------------------------------------------------------------------------


class Case:
    """A segment query and the COUNT(*) a person would write for it (c: customers, p: predictions)."""

    def __init__(self, name: str, text: str, where: str, args: list, *, prediction: bool = False):
        self.name, self.text, self.where, self.args, self.prediction = name, text, where, args, prediction

    def sql(self) -> str:
        if self.prediction:  # from the predictions, through their indexes by store and tier or group
            return (
                "SELECT COUNT(*) FROM segments_customerprediction p"
                " JOIN commerce_customer c ON c.id = p.customer_id"
                f" WHERE p.store_id = %s AND c.store_id = %s AND c.erased_at IS NULL AND {self.where}"
            )
        return (
            "SELECT COUNT(*) FROM commerce_customer c"
            f" WHERE c.store_id = %s AND c.erased_at IS NULL AND {self.where}"
        )

    def params(self, store) -> list:
        return [store.pk] * (2 if self.prediction else 1) + self.args


def _cases(store, now: datetime) -> list[Case]:
    from django.db import connection

    # -90d: before midnight at the start of the day 90 days ago, in the store's time zone
    zone = ZoneInfo(store.timezone)
    day = now.astimezone(zone).date() - timedelta(days=90)
    before = connection.ops.adapt_datetimefield_value(datetime(day.year, day.month, day.day, tzinfo=zone))
    if connection.vendor == "postgresql":
        vip = "EXISTS (SELECT 1 FROM jsonb_array_elements_text(c.tags) AS t(tag) WHERE lower(t.tag) = %s)"
    else:
        vip = "EXISTS (SELECT 1 FROM json_each(c.tags) AS t WHERE lower(t.value) = %s)"
    shopify = (
        "amount_spent > 100 AND number_of_orders >= 2 AND last_order_date < -90d"
        " AND customer_tags CONTAINS 'vip' AND predicted_spend_tier = 'HIGH' AND rfm_group = 'AT_RISK'"
    )
    return [
        Case("amount_spent > 100", "amount_spent > 100", "c.amount_spent > %s", [100]),
        Case("orders >= 2 AND last order < -90d", "number_of_orders >= 2 AND last_order_date < -90d",
             "c.orders_count >= %s AND c.last_order_at < %s", [2, before]),
        Case("tags CONTAINS 'vip'", "customer_tags CONTAINS 'vip'", vip, ["vip"]),
        Case("spend tier HIGH", "predicted_spend_tier = 'HIGH'", "p.spend_tier = %s", ["HIGH"],
             prediction=True),
        Case("AT_RISK AND amount_spent > 50", "rfm_group = 'AT_RISK' AND amount_spent > 50",
             "p.rfm_group = %s AND c.amount_spent > %s", ["AT_RISK", 50], prediction=True),
        Case("Shopify example (6 conditions)", shopify,
             f"c.amount_spent > %s AND c.orders_count >= %s AND c.last_order_at < %s AND {vip}"
             " AND p.spend_tier = %s AND p.rfm_group = %s",
             [100, 2, before, "vip", "HIGH", "AT_RISK"], prediction=True),
        Case("language fa OR country IR", "customer_language = 'fa' OR country = 'IR'",
             "(c.language = %s OR c.country = %s)", ["fa", "IR"]),
        Case("(language fa OR country IR) AND amount_spent > 10",
             "(customer_language = 'fa' OR country = 'IR') AND amount_spent > 10",
             "(c.language = %s OR c.country = %s) AND c.amount_spent > %s", ["fa", "IR", 10]),
    ]  # fmt: skip


def _measure(store, case: Case, now: datetime, repeat: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cxloop.segments.query import count_matching

    def app() -> int:
        return count_matching(store, case.text, now=now)

    def sql() -> int:
        with connection.cursor() as cursor:
            cursor.execute(case.sql(), case.params(store))
            return cursor.fetchone()[0]

    with CaptureQueriesContext(connection) as queries:  # also the warm-up of both
        count = app()
    expected = sql()
    app_sql = queries.captured_queries[-1]["sql"]
    times = {name: percentiles(values) for name, values in in_turn({"app": app, "sql": sql}, repeat).items()}
    return {
        "case": case.name, "text": case.text, "count": count, "sql_count": expected,
        "same_count": count == expected, "app": times["app"], "sql": times["sql"],
        "ratio_p50": times["app"]["p50_ms"] / times["sql"]["p50_ms"],
        "ratio_p99": times["app"]["p99_ms"] / times["sql"]["p99_ms"],
        "goal_met": times["app"]["p99_ms"] <= GOAL_MS, "app_query": app_sql, "app_plan": _plan(app_sql),
        "sql_query": case.sql(), "sql_plan": _plan(case.sql(), case.params(store)),
    }  # fmt: skip


def _plan(sql: str, params=None) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"EXPLAIN {sql}", params)
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return [row[-1] for row in cursor.fetchall()]


def _server_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SHOW server_version" if connection.vendor == "postgresql" else "SELECT sqlite_version()"
        )
        return cursor.fetchone()[0].split()[0]  # "15.20 (Debian ...)": the number


# -- report -------------------------------------------------------------------------------------------


def _print_table(runs: list[dict]) -> None:
    head = (f"{'database':10} {'case':34} {'count':>9} {'app p50':>8} {'p99':>8} {'SQL p50':>8} {'p99':>8} "
            f"{'ratio p50':>9} {'p99':>6}  p99<={GOAL_MS}ms  same")  # fmt: skip
    print(f"\n{head}\n{'-' * len(head)}")
    for run in runs:
        name = run["database"]
        for c in run["cases"]:
            app, sql = c["app"], c["sql"]
            print(
                f"{name[:10]:10} {c['case'][:34]:34} {c['count']:>9,} {app['p50_ms']:>8.1f} "
                f"{app['p99_ms']:>8.1f} {sql['p50_ms']:>8.1f} {sql['p99_ms']:>8.1f} "
                f"{c['ratio_p50']:>8.2f}x {c['ratio_p99']:>5.2f}x  "
                f"{'yes' if c['goal_met'] else 'NO':>11}  {'yes' if c['same_count'] else 'NO'}"
            )
        load = run["load"]
        print(f"{'':10} {name} {run['server']}, {run['customers']:,} customers, {run['repeat']} runs per "
              f"case; load {load['before'][0]:.2f} before, {load['after'][0]:.2f} after")  # fmt: skip


def _write_json(runs: list[dict], args) -> Path:
    folder = ROOT / "var" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"segments-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps({
        "customers": args.customers, "repeat": args.repeat, "seed": args.seed, "goal_p99_ms": GOAL_MS,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "platform": platform.platform()},
        "databases": {run["database"]: url for run, url in zip(runs, _urls(runs, args), strict=True)},
        "runs": runs,
    }, indent=2, ensure_ascii=False))  # fmt: skip
    return path


def _urls(runs: list[dict], args) -> list[str]:
    def redacted(url: str) -> str:
        parts = urllib.parse.urlsplit(url)
        return urllib.parse.urlunsplit(parts._replace(netloc=parts.hostname or "")) if parts.password else url

    return [args.sqlite_path if run["database"] == "sqlite" else redacted(args.postgres_url) for run in runs]


if __name__ == "__main__":
    main(sys.argv[1:])
