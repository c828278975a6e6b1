"""The tables the sync keeps beside its copies, so the heaviest tiles read a little instead of a store's
whole history (docs/analytics.md; measured in docs/benchmarks.md).

    customer_orders (store_id, customer_id, first_order_at, first_order_id, second_order_at)
        metrics.customer_orders of the warehouse's orders: metrics.customer_mix, repeat_customers,
        referral_rate
    session_days (store_id, day_start, session_key, steps)
        per storefront session and day of the store, the funnel steps it reached that day (a bit per
        metrics.FUNNEL_STEPS: metrics.step_bit); day_start is the instant the day starts in the store's
        timezone, as reports.period_bounds cuts periods; session_key is 63 bits of the md5 of the
        session id (stable across DuckDB versions, unlike hash()): metrics.funnel
    rollup_zones (store_id, zone)
        the timezone each store's session_days were cut in

Each change is made in the transaction of the copy that causes it (analytics.sync), so a sync killed
half-way leaves them as true as the copies:

- a chunk of orders: the customers its rows belong to, and belonged to before, are computed again
  from the warehouse's orders, so an order changed, cancelled, given to another customer or removed
  counts where it should;
- a chunk of events: their steps are ORed into their (store, day, session) rows. Events are only ever
  added, an event copied twice sets the same bits, and one arriving late lands on its own day;
- an erasure: the sessions of the events it removes are computed again from the events left (and
  the customer's orders, left with no customer, take their row away);
- a store whose timezone is not the one its session_days were cut in (changed, new, or a warehouse
  made before these tables): its session_days are built again from its events. A warehouse made
  before customer_orders gets it built from its orders.

Rows go in by day, so the funnel's period reads the few row groups of its days.
"""

import functools
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import ibis
import pyarrow as pa

from . import metrics

DDL = (
    "CREATE TABLE IF NOT EXISTS customer_orders (store_id BIGINT, customer_id BIGINT, "
    "first_order_at TIMESTAMPTZ, first_order_id BIGINT, second_order_at TIMESTAMPTZ)",  # refresh_customers
    "CREATE TABLE IF NOT EXISTS session_days (store_id BIGINT, day_start TIMESTAMPTZ, session_key BIGINT, "
    "steps TINYINT)",  # no primary key: add_steps says why
    "CREATE TABLE IF NOT EXISTS rollup_zones (store_id BIGINT PRIMARY KEY, zone VARCHAR)",
    # What to compute again before the transaction commits (this connection's own).
    "CREATE TEMP TABLE IF NOT EXISTS touched_customers (store_id BIGINT, customer_id BIGINT)",
    "CREATE TEMP TABLE IF NOT EXISTS touched_sessions (store_id BIGINT, session_id VARCHAR)",
)
TABLES = ("customer_orders", "session_days", "rollup_zones")  # by store_id, as the copies

SESSION_KEY = "CAST(md5_number({}) >> 65 AS BIGINT)"
DAY_US = 86_400_000_000
EPOCH = date(1970, 1, 1)
_STEP_TYPES = ", ".join(f"'{step}'" for step in metrics.FUNNEL_STEPS)  # our own constants
_STEP_BITS = " ".join(f"WHEN '{step}' THEN {metrics.step_bit(step)}" for step in metrics.FUNNEL_STEPS)
STEPS_OF = f"""
    SELECT store_id, occurred_at, session_id, type FROM ({{source}})
    WHERE session_id <> '' AND type IN ({_STEP_TYPES})"""
# Each event's day: the day its instant would be at the store's offset today (`guess`: a day off at most),
# then the day before or after when it is outside that day's bounds (day_starts: integers, no time zone
# arithmetic per row; an ASOF JOIN on the days' starts took twice as long).
GUESSED = f"""
    SELECT e.store_id, e.session_id, e.type, epoch_us(e.occurred_at) AS at_us,
           CAST(fdiv(epoch_us(e.occurred_at) + o.guess_us, {DAY_US}) AS BIGINT) AS guess
    FROM ({STEPS_OF}) e JOIN day_offsets o ON o.store_id = e.store_id"""
NEW_STEPS = f"""
    CREATE OR REPLACE TEMP TABLE new_steps AS
    WITH e AS ({GUESSED})
    SELECT e.store_id,
           CASE WHEN e.at_us < d.start_us THEN d.day_before WHEN e.at_us >= d.next_us THEN d.day_after
                ELSE d.day_start END AS day_start,
           {SESSION_KEY.format("e.session_id")} AS session_key,
           CAST(bit_or(CASE e.type {_STEP_BITS} END) AS TINYINT) AS steps
    FROM e JOIN day_starts d ON d.store_id = e.store_id AND d.guess = e.guess
    GROUP BY ALL"""
# The rows whose steps the new ones change (or add): the kept rows of their days (?, ?) read by range.
CHANGED_STEPS = """
    CREATE OR REPLACE TEMP TABLE changed_steps AS
    SELECT n.store_id, n.day_start, n.session_key, CAST(n.steps | coalesce(s.steps, 0) AS TINYINT) AS steps,
           s.steps IS NOT NULL AS kept
    FROM new_steps n LEFT JOIN (SELECT * FROM session_days WHERE day_start BETWEEN ? AND ?) s
      ON s.store_id = n.store_id AND s.day_start = n.day_start AND s.session_key = n.session_key
    WHERE s.steps IS NULL OR (n.steps | s.steps) <> s.steps"""


def zone_of(name: str) -> ZoneInfo:
    """A store's timezone; UTC when it has none or an unknown one (reports reads it the same way)."""
    try:
        return ZoneInfo(name or "UTC")
    except (ValueError, KeyError):
        return ZoneInfo("UTC")


COLUMNS = {
    "customer_orders": ["store_id", "customer_id", "first_order_at", "first_order_id", "second_order_at"],
    "session_days": ["store_id", "day_start", "session_key", "steps"],
}


def prepare(con, zones: dict[int, ZoneInfo]) -> None:
    """Create the tables; build what a warehouse made before them (or before their columns) lacks, and
    the session_days of each store (of `zones`, store id -> timezone) cut in another timezone, each in
    its own transaction (a table is created in the transaction that fills it: a sync killed between
    the two leaves neither)."""
    had: dict[str, list] = {}
    for table, column in con.execute(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = current_database() "
        "AND schema_name = 'main' ORDER BY column_index"
    ).fetchall():
        had.setdefault(table, []).append(column)
    con.begin()
    for table, columns in COLUMNS.items():
        if table in had and had[table] != columns:  # made by another version: built again
            con.execute(f"DROP TABLE {table}")  # our own table names
            had.pop(table)
    for ddl in DDL:
        con.execute(ddl)
    if "session_days" not in had:
        con.execute("DELETE FROM rollup_zones")  # every store's days are to be cut
    if "customer_orders" not in had:
        con.execute(f"INSERT INTO customer_orders BY NAME {_customer_orders_sql(every=True)}")
    con.commit()
    cut_in = dict(con.execute("SELECT store_id, zone FROM rollup_zones").fetchall())
    for store_id, zone in zones.items():
        if cut_in.get(store_id) != zone.key:
            con.begin()
            con.execute("DELETE FROM session_days WHERE store_id = ?", [store_id])
            add_steps(con, "SELECT * FROM events WHERE store_id = ?", [store_id], zones, fresh=True)
            con.execute("INSERT OR REPLACE INTO rollup_zones VALUES (?, ?)", [store_id, zone.key])
            con.commit()


def before_copy(con, table: str) -> None:
    """Before the rows registered as `incoming` replace the warehouse's: note whose they were."""
    if table == "orders":
        touch_customers(con, "SELECT store_id, customer_id FROM orders WHERE id IN (SELECT id FROM incoming)")


def after_copy(con, table: str, zones: dict[int, ZoneInfo]) -> None:
    """After the rows registered as `incoming` were written, in the same transaction."""
    if table == "orders":
        touch_customers(con, "SELECT store_id, customer_id FROM incoming")
        refresh_customers(con)
    elif table == "events":
        add_steps(con, "SELECT * FROM incoming", [], zones)


def touch_customers(con, source: str, params=()) -> None:
    """Note the customers of `source` (store_id, customer_id rows) for refresh_customers."""
    con.execute(
        f"INSERT INTO touched_customers SELECT store_id, customer_id FROM ({source}) "
        "WHERE customer_id IS NOT NULL",
        list(params),
    )


def refresh_customers(con) -> None:
    """Compute the noted customers' rows again from the warehouse's orders (none: the row goes). By a
    join, without a primary key: its index would be read in whole by every sync (as add_steps says)."""
    con.execute(
        "DELETE FROM customer_orders c USING touched_customers t "
        "WHERE c.store_id = t.store_id AND c.customer_id = t.customer_id"
    )
    con.execute(f"INSERT INTO customer_orders BY NAME {_customer_orders_sql(every=False)}")
    con.execute("DELETE FROM touched_customers")


@functools.cache
def _customer_orders_sql(*, every: bool) -> str:
    """metrics.customer_orders compiled for DuckDB once: of every order, or of the noted customers'."""
    orders = ibis.table(
        {"id": "int64", "store_id": "int64", "customer_id": "int64", "created_at": "timestamp('UTC')",
         "cancelled_at": "timestamp('UTC')"},
        name="orders",
    )  # fmt: skip
    if not every:
        touched = ibis.table({"store_id": "int64", "customer_id": "int64"}, name="touched_customers")
        orders = orders.semi_join(touched.distinct(), ["store_id", "customer_id"])
    return ibis.to_sql(metrics.customer_orders(orders), dialect="duckdb")


def touch_sessions(con, source: str, params=()) -> None:
    """Note the sessions of `source` (events about to be deleted) for refresh_sessions."""
    con.execute(
        f"INSERT INTO touched_sessions SELECT DISTINCT store_id, session_id FROM ({source}) "
        "WHERE session_id <> ''",
        list(params),
    )


def refresh_sessions(con, zones: dict[int, ZoneInfo]) -> None:
    """Compute the noted sessions' rows again, every day of them, from the warehouse's events."""
    con.execute(
        "DELETE FROM session_days s USING (SELECT DISTINCT store_id, "
        f"{SESSION_KEY.format('session_id')} AS session_key FROM touched_sessions) t "
        "WHERE s.store_id = t.store_id AND s.session_key = t.session_key"
    )
    left = (
        "SELECT e.* FROM events e SEMI JOIN touched_sessions t "
        "ON e.store_id = t.store_id AND e.session_id = t.session_id"
    )
    add_steps(con, left, [], zones, fresh=True)
    con.execute("DELETE FROM touched_sessions")


def add_steps(con, source: str, params: list, zones: dict[int, ZoneInfo], *, fresh: bool = False) -> None:
    """OR the funnel steps of the events of `source` (a query with the events' columns) into their
    session_days rows, each on the store's day it happened; `fresh`: their sessions have no rows
    (just deleted), so they are only inserted. Events of a store not in `zones` (created since the
    sync began) are left to the next sync, which cuts that store's days whole (prepare).

    session_days has no primary key: an index of its (store, day, session) was read in whole by
    every sync's first upsert (seconds at ten million rows). The rows of the events' days are read
    by range instead (rows go in by day, so a few row groups), and only rows whose steps change are
    written again."""
    con.register("day_offsets", _offsets(zones))
    try:
        guessed = GUESSED.format(source=source)
        guessed = con.execute(f"SELECT DISTINCT store_id, guess FROM ({guessed})", params).fetchall()
        days = day_starts(guessed, zones)
        if not days.num_rows:
            return
        con.register("day_starts", days)
        con.execute(NEW_STEPS.format(source=source), params)
    finally:
        con.unregister("day_offsets")
        con.unregister("day_starts")
    if fresh:
        con.execute("INSERT INTO session_days SELECT * FROM new_steps ORDER BY day_start")
        return
    # an event lands on its guessed day or one beside it: the kept rows of all of them
    within = [min(days["day_before"].to_pylist()), max(days["day_after"].to_pylist())]
    con.execute(CHANGED_STEPS, within)
    con.execute(
        "DELETE FROM session_days s USING changed_steps c WHERE c.kept AND s.store_id = c.store_id "
        "AND s.day_start = c.day_start AND s.session_key = c.session_key AND s.day_start BETWEEN ? AND ?",
        within,
    )
    con.execute("INSERT INTO session_days SELECT * EXCLUDE (kept) FROM changed_steps ORDER BY day_start")


def _offsets(zones: dict[int, ZoneInfo]) -> pa.Table:
    """(store_id, guess_us): each store's offset from UTC now, in µs, for GUESSED."""
    offsets = [int(datetime.now(zone).utcoffset().total_seconds()) * 1_000_000 for zone in zones.values()]
    return pa.table({
        "store_id": pa.array(list(zones), pa.int64()), "guess_us": pa.array(offsets, pa.int64()),
    })  # fmt: skip


DAY_COLUMNS = ("store_id", "guess", "day_before", "day_start", "day_after")


def day_starts(guesses: list[tuple[int, int]], zones: dict[int, ZoneInfo]) -> pa.Table:
    """The days (store_id, guess: a day's number since 1970) in the store's timezone, for NEW_STEPS:
    their day_start, start_us and next_us (its bounds in µs since 1970) and the starts of the days
    beside it (day_before, day_after). Cut by the same datetime.combine as reports.period_bounds, so
    a period's bounds are always some days' starts. A day Python's dates cannot hold (an event dated
    in the year 1) has none: its events are left out."""
    columns: dict[str, list] = {name: [] for name in DAY_COLUMNS}
    for store_id, guess in guesses:
        try:
            days = [EPOCH + timedelta(days=guess + n) for n in (-1, 0, 1)]
            starts = [datetime.combine(day, time.min, zones[store_id]) for day in days]
        except OverflowError:
            continue
        for name, value in zip(DAY_COLUMNS, (store_id, guess, *starts), strict=True):
            columns[name].append(value)
    instant = pa.timestamp("us", tz="UTC")
    table = pa.table({
        name: pa.array(values, pa.int64() if name in ("store_id", "guess") else instant)
        for name, values in columns.items()
    })  # fmt: skip
    table = table.append_column("start_us", table["day_start"].cast(pa.int64()))
    return table.append_column("next_us", table["day_after"].cast(pa.int64()))


def forget_store(con, store_id: int) -> None:
    """An erased store's rows go, as its copies did (its timezone stays noted: the store does)."""
    con.execute("DELETE FROM customer_orders WHERE store_id = ?", [store_id])
    con.execute("DELETE FROM session_days WHERE store_id = ?", [store_id])
