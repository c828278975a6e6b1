"""`cxloop bench seed`: how fast the demo generator fills a store.

Creates a temporary store in the database named by DATABASE_URL (default: a
fresh SQLite file in WAL mode in a temporary directory, set up with the normal
settings and migrated), generates N customers with everything they did, and
prints customers per second and rows per second. As the baseline, measured in
the same run on the same database with the same connection settings, it
inserts N plain customer rows with one `executemany` in one transaction; the
ratio shows what the generator's work (orders, checkouts, ~60 events per
customer) costs beside a bare insert.

    cxloop bench seed --customers 20000
"""

import argparse
import os
import secrets
import shutil
import tempfile
import time


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="cxloop bench seed", description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    scratch = _setup_django()
    try:
        _run(args.customers, args.seed)
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)


def _setup_django() -> str | None:
    """Configure Django; return the temporary directory made for SQLite, if any."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxloop.settings")
    os.environ.setdefault("DEBUG", "1")
    scratch = None
    if not os.environ.get("DATABASE_URL"):
        scratch = tempfile.mkdtemp(prefix="cxloop-bench-seed-")
        os.environ["CXLOOP_VAR_DIR"] = scratch
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    return scratch


def _run(customers: int, seed: int) -> None:
    from django.db import connection
    from tqdm import tqdm

    from cxloop.core.services import create_store
    from cxloop.demo.generator import generate_store

    tag = secrets.token_hex(3)
    store, _ = create_store(name="Bench Seed", currency="EUR", slug=f"bench-seed-{tag}")
    baseline_store, _ = create_store(name="Bench Baseline", currency="EUR", slug=f"bench-base-{tag}")
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    try:
        with tqdm(total=customers, unit="customer") as bar:
            summary = generate_store(
                store=store, customers=customers, seed=seed,
                progress=lambda done, total: bar.update(done - bar.n),
            )  # fmt: skip
        baseline = _baseline_rate(baseline_store, customers)
    finally:
        _drop_store(store)
        _drop_store(baseline_store)
    rate = summary.customers / summary.elapsed_seconds
    print(
        f"generator: {summary.customers:,} customers, {summary.orders:,} orders, "
        f"{summary.events:,} events, {summary.rows:,} rows in {summary.elapsed_seconds:.1f}s"
    )
    print(f"generator: {rate:,.0f} customers/s, {summary.rows / summary.elapsed_seconds:,.0f} rows/s")
    print(f"baseline (executemany of {customers:,} customer rows): {baseline:,.0f} rows/s")
    print(f"ratio generator customers/s : baseline rows/s = {rate / baseline:.3f}")
    print(
        f"buyers {summary.buyers / summary.customers:.1%}, repeat rate {summary.repeat_rate:.1%}, "
        f"conversion {summary.conversion_rate:.2%}"
    )


def _baseline_rate(store, count: int) -> float:
    """Rows per second of one executemany of `count` plain customer rows (built beforehand)."""
    import numpy as np
    from django.db import connection, transaction

    from cxloop.commerce.models import Customer
    from cxloop.demo.writer import RowWriter

    writer = RowWriter()
    now = np.full(count, np.datetime64("2025-01-01T12:00:00", "us"))
    times = writer.datetimes(now)
    zero = writer.money(np.zeros(count, np.int64))
    tags = writer.json(["[]"] * count)
    columns = (
        "store_id", "email", "email_key", "phone", "first_name", "last_name", "name_key",
        "surname_key", "language", "country", "tags", "email_consent", "created_at", "updated_at",
        "orders_count", "amount_spent",
    )  # fmt: skip
    rows = [
        (store.pk, f"Bench{i}@example.com", f"bench{i}@example.com", "", "Anna", f"Nowak{i}",
         f"anna nowak{i}", f"nowak{i}", "pl", "PL", tags[i], "not_subscribed", times[i], times[i],
         0, zero[i])
        for i in range(count)
    ]  # fmt: skip
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(Customer._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    with writer.bulk_load():
        began = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, rows)
        return count / (time.perf_counter() - began)


def _drop_store(store) -> None:
    """Delete a benchmark store and its rows, table by table (faster than the ORM's cascade)."""
    from django.db import connection, transaction

    from cxloop.commerce.models import (
        Checkout,
        ConsentRecord,
        Customer,
        Event,
        ExternalId,
        LineItem,
        Order,
        Product,
        Refund,
        Variant,
    )  # fmt: skip
    from cxloop.core.models import ApiKey

    with transaction.atomic(), connection.cursor() as cursor:
        for model in (Event, Checkout, Refund, LineItem, Order, ConsentRecord, ExternalId, Customer,
                      Variant, Product, ApiKey):  # fmt: skip
            cursor.execute(
                f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)} WHERE store_id = %s",
                [store.pk],
            )  # noqa: E501
        store.delete()
