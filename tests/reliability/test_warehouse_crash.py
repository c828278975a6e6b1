"""A warehouse sync killed with kill -9 half-way is finished by the next worker: every row once.

A real `cxloop worker` copies 60,000 storefront events and 3,000 orders into the
DuckDB warehouse, 1,000 rows per committed chunk; it is killed with SIGKILL
once its write-ahead log shows a few chunks committed, the warehouse (whose lock the dead process no longer
holds) is read to show the copy was cut off part-way, and a new worker must
bring it to exactly the source's rows.
"""

import time

import duckdb

EVENTS, ORDERS = 60_000, 3_000

SEED = r"""
from datetime import timedelta
from decimal import Decimal
from django.utils import timezone
from cxloop.commerce.models import Event, Order
from cxloop.core import services as core_services
store, _ = core_services.create_store(name="Crash Shop", currency="EUR", slug="crash-shop")
now = timezone.now() - timedelta(minutes=5)
Event.objects.bulk_create(
    [Event(store=store, event_id=f"e{n}", type="page_view", session_id=f"s{n // 5}", occurred_at=now,
           received_at=now) for n in range(EVENTS)],
    batch_size=5000,
)
Order.objects.bulk_create(
    [Order(store=store, platform="shopify", external_id=str(n), number=f"#{n}", currency="EUR",
           total=Decimal("10.00"), created_at=now) for n in range(ORDERS)],
    batch_size=1000,
)
"""


def counts(path) -> tuple[int, int] | None:
    """(events, orders) in the warehouse, or None while a worker holds it (or before it exists)."""
    try:
        con = duckdb.connect(str(path), read_only=True)
    except (duckdb.IOException, duckdb.CatalogException):
        return None
    try:
        return tuple(
            con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in ("events", "orders")
        )
    except duckdb.CatalogException:
        return None
    finally:
        con.close()


def test_a_sync_cut_off_by_kill_9_is_finished_by_the_next_worker(installation):
    sync_killing_a_worker_mid_way(installation)


def test_on_postgresql_a_sync_cut_off_by_kill_9_is_finished(postgres_installation):
    sync_killing_a_worker_mid_way(postgres_installation)


def sync_killing_a_worker_mid_way(installation):
    # given 60,000 events and 3,000 orders, copied 1,000 rows a chunk
    path = installation.root / "analytics.duckdb"
    installation.env.update(CXLOOP_WAREHOUSE_SYNC_SECONDS="1", CXLOOP_WAREHOUSE_CHUNK="1000")
    installation.python(f"EVENTS = {EVENTS}\nORDERS = {ORDERS}\n" + SEED)

    # when the worker syncing them is killed once a few chunks are committed (DuckDB's write-ahead log
    # grows with each commit; the dead process's lock goes with it)
    worker = installation.start_worker()
    wal = path.with_name(path.name + ".wal")
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and (not wal.exists() or wal.stat().st_size < 1_000_000):
        time.sleep(0.005)
    installation.kill(worker)
    cut = counts(path)
    print("cut off at (events, orders):", cut)
    assert cut is not None and 0 < sum(cut) < EVENTS + ORDERS, cut  # part-way: some chunks committed, not all

    # then the next worker finishes it, every row once
    installation.start_worker()
    deadline, seen = time.monotonic() + 120, None
    while time.monotonic() < deadline:
        seen = counts(path) or seen
        if seen == (EVENTS, ORDERS):
            break
        time.sleep(0.5)
    installation.stop_all()
    assert counts(path) == (EVENTS, ORDERS)
    con = duckdb.connect(str(path), read_only=True)
    try:
        assert con.execute("SELECT count(DISTINCT id), min(id) > 0 FROM events").fetchone() == (EVENTS, True)
        # the rollup kept with the copies: each session (five page views, one day) once, as page viewed
        sessions = con.execute("SELECT count(*), count(DISTINCT session_key), min(steps), max(steps) "
                               "FROM session_days").fetchall()  # fmt: skip
        assert sessions == [(EVENTS // 5, EVENTS // 5, 1, 1)]
    finally:
        con.close()
