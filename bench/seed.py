"""`cxloop bench seed`: how fast the demo generator fills a store.

Migrates a fresh scratch database (SQLite: a file in WAL mode in a temporary
directory, with the normal settings; PostgreSQL: a database created on the
server of --postgres-url and dropped afterwards), generates N customers with
everything they did (`cxloop seed` does exactly this), and prints customers
and rows per second with the CPU time of this process (which writes) and of
the worker process (which plans the rows). As the baseline, measured in the
same run on the same database with the same connection settings, it inserts
N plain customer rows in one transaction the fastest plain way (SQLite:
`executemany`; PostgreSQL: `COPY`); the ratio shows what the generator's work
(orders, checkouts, about 22 events per customer, index builds) costs beside
a bare insert.

    cxloop bench seed --customers 100000 --db sqlite
    cxloop bench seed --customers 100000 --db postgres

Results are printed and written to var/bench/seed-<timestamp>.json.
"""

import argparse
import json
import os
import platform
import resource
import secrets
import shutil
import tempfile
import time
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="cxloop bench seed", description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432/cxbench_seed",
                        help="server and name of the scratch database (created, then dropped)")  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args(argv)
    scratch = _prepare(args)
    try:
        result = _run(args)
    finally:
        if not args.keep:
            _discard(args, scratch)
        elif scratch:
            print(f"kept {scratch}")
    print(f"\nresults: {_write_json(result)}")


def _prepare(args) -> str | None:
    """Point Django at a fresh database and migrate it; return the temporary directory, if any."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxloop.settings")
    os.environ.setdefault("DEBUG", "1")
    scratch = None
    if args.db == "sqlite":
        scratch = tempfile.mkdtemp(prefix="cxloop-bench-seed-")
        os.environ["CXLOOP_VAR_DIR"] = scratch
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch}/cxloop.sqlite3"
    else:
        _postgres_admin(args.postgres_url, "DROP DATABASE IF EXISTS {name}", "CREATE DATABASE {name}")
        os.environ["DATABASE_URL"] = args.postgres_url
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    return scratch


def _discard(args, scratch: str | None) -> None:
    from django.db import connection

    connection.close()
    if scratch:
        shutil.rmtree(scratch, ignore_errors=True)
    else:
        _postgres_admin(args.postgres_url, "DROP DATABASE IF EXISTS {name}")


def _postgres_admin(url: str, *statements: str) -> None:
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        for sql in statements:
            conn.execute(sql.format(name=f'"{name}"'))


def _run(args) -> dict:
    from django.db import connection
    from tqdm import tqdm

    from cxloop.core.services import create_store
    from cxloop.demo.generator import generate_store

    tag = secrets.token_hex(3)
    store, _ = create_store(name="Bench Seed", currency="EUR", slug=f"bench-seed-{tag}")
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    with tqdm(total=args.customers, unit="customer") as bar:
        summary = generate_store(
            store=store, customers=args.customers, seed=args.seed,
            progress=lambda done, total: bar.update(done - bar.n),
            notify=lambda text: bar.set_postfix_str(text, refresh=True),
        )  # fmt: skip
    main_cpu, worker_cpu = _cpu_seconds()
    baseline_store, _ = create_store(name="Bench Baseline", currency="EUR", slug=f"bench-base-{tag}")
    baseline = _baseline_rate(baseline_store, args.customers)
    seconds = summary.elapsed_seconds
    result = {
        "database": connection.vendor, "customers": summary.customers, "orders": summary.orders,
        "line_items": summary.line_items, "checkouts": summary.checkouts, "events": summary.events,
        "rows": summary.rows, "seconds": round(seconds, 1),
        "customers_per_second": round(summary.customers / seconds),
        "rows_per_second": round(summary.rows / seconds), "main_cpu_seconds": round(main_cpu, 1),
        "worker_cpu_seconds": round(worker_cpu, 1), "baseline_rows_per_second": round(baseline),
        "buyers": round(summary.buyers / summary.customers, 3), "repeat_rate": round(summary.repeat_rate, 3),
        "conversion_rate": round(summary.conversion_rate, 4), "machine": _machine(),
    }  # fmt: skip
    print(
        f"generator: {summary.customers:,} customers, {summary.orders:,} orders, {summary.events:,} events, "
        f"{summary.rows:,} rows in {seconds:.1f}s\n"
        f"generator: {summary.customers / seconds:,.0f} customers/s, {summary.rows / seconds:,.0f} rows/s; "
        f"CPU {main_cpu:.0f}s writing, {worker_cpu:.0f}s planning\n"
        f"baseline (one bulk insert of {args.customers:,} plain customer rows): {baseline:,.0f} rows/s\n"
        f"ratio generator rows/s : baseline rows/s = {summary.rows / seconds / baseline:.3f}\n"
        f"buyers {summary.buyers / summary.customers:.1%}, repeat rate {summary.repeat_rate:.1%}, "
        f"conversion {summary.conversion_rate:.2%} (last 60 days)"
    )
    return result


def _cpu_seconds() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def _baseline_rate(store, count: int) -> float:
    """Rows per second of one bulk insert of `count` plain customer rows (built beforehand)."""
    import numpy as np
    from django.db import transaction

    from cxloop.commerce.models import Customer
    from cxloop.demo.columns import datetimes
    from cxloop.demo.writer import Constant, RowWriter

    writer = RowWriter()
    now = datetimes(np.full(count, 1_735_732_800_000_000), writer.datetime_suffix)
    numbers = [str(i) for i in range(count)]
    columns = {
        "store_id": Constant(store.pk), "email": [f"Bench{i}@example.com" for i in numbers],
        "email_key": [f"bench{i}@example.com" for i in numbers], "phone": Constant(""),
        "first_name": Constant("Anna"), "last_name": [f"Nowak{i}" for i in numbers],
        "name_key": [f"anna nowak{i}" for i in numbers], "surname_key": [f"nowak{i}" for i in numbers],
        "language": Constant("pl"), "country": Constant("PL"), "tags": Constant("[]"),
        "email_consent": Constant("not_subscribed"), "created_at": now, "updated_at": now,
        "orders_count": Constant(0), "amount_spent": Constant("0.00"),
    }  # fmt: skip
    with writer.bulk_load():
        began = time.perf_counter()
        with transaction.atomic():
            writer.insert(Customer, columns)
        return count / (time.perf_counter() - began)


def _machine() -> dict:
    return {"python": platform.python_version(), "cpus": os.cpu_count(), "load": os.getloadavg()}


def _write_json(result: dict) -> Path:
    folder = ROOT / "var" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"seed-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(result, indent=2))
    return path
