"""The tiles part of `cxloop bench analytics`, run in a child process with the warehouse's settings.

Seeds the warehouse file (`_analytics_seed`) unless it is already there, then
times, for each period, every metric of `reports.compute_figures` through Ibis
against the hand-written DuckDB SQL below on the same connection, alternating
run by run, and checks that both give the same rows. It also times
compute_figures whole, and `build_dashboard` as the page calls it (opening the
file, both periods) against the same sixteen queries in SQL on a connection it
opens the same way.
"""

import json
import time
import types
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import numpy as np

from bench import _analytics_seed as seed
from bench._timing import in_turn, percentiles

METRICS = (
    "revenue", "customer_mix", "repeat_customers", "funnel", "active_customers", "net_by_bucket",
    "referral_rate", "support_contacts",
)  # fmt: skip
PLACED = "store_id = $store AND cancelled_at IS NULL"
IN_PERIOD = "created_at >= $since AND created_at < $until"
# The same numbers as metrics.py, written by hand as one would for DuckDB.
SQL = {
    "revenue": f"""
        SELECT count(*) AS orders, coalesce(sum(total), 0) AS gross,
               coalesce(sum(refunded_amount), 0) AS refunds,
               coalesce(sum(total), 0) - coalesce(sum(refunded_amount), 0) AS net
        FROM orders WHERE {PLACED} AND {IN_PERIOD}""",
    # New: no order (not cancelled) before the period.
    "customer_mix": f"""
        WITH period AS (
            SELECT customer_id, total - refunded_amount AS net FROM orders
            WHERE {PLACED} AND {IN_PERIOD} AND customer_id IS NOT NULL
        ), known AS (
            SELECT DISTINCT customer_id FROM orders
            WHERE {PLACED} AND created_at < $since AND customer_id IS NOT NULL
        )
        SELECT count(DISTINCT p.customer_id) AS customers,
               count(DISTINCT p.customer_id) FILTER (WHERE k.customer_id IS NULL) AS new_customers,
               count(*) FILTER (WHERE k.customer_id IS NULL) AS new_orders,
               count(*) FILTER (WHERE k.customer_id IS NOT NULL) AS returning_orders,
               coalesce(sum(p.net) FILTER (WHERE k.customer_id IS NULL), 0) AS new_net,
               coalesce(sum(p.net) FILTER (WHERE k.customer_id IS NOT NULL), 0) AS returning_net
        FROM period p LEFT JOIN known k USING (customer_id)""",
    "repeat_customers": f"""
        SELECT count(*) AS buyers, count(*) FILTER (WHERE orders_by_end >= 2) AS repeat_buyers
        FROM (SELECT count(*) AS orders_by_end FROM orders
              WHERE {PLACED} AND customer_id IS NOT NULL AND created_at < $until
              GROUP BY customer_id HAVING max(created_at) >= $since)""",
    "funnel": """
        SELECT type, count(DISTINCT session_id) AS sessions FROM events
        WHERE store_id = $store AND occurred_at >= $since AND occurred_at < $until AND session_id <> ''
          AND type IN ('page_view', 'product_view', 'add_to_cart', 'checkout_started', 'order_placed')
        GROUP BY type""",
    "active_customers": f"""
        SELECT count(*) AS active FROM (
            SELECT customer_id FROM orders WHERE {PLACED} AND {IN_PERIOD} AND customer_id IS NOT NULL
            UNION
            SELECT customer_id FROM events
            WHERE store_id = $store AND occurred_at >= $since AND occurred_at < $until
              AND customer_id IS NOT NULL)""",
    "net_by_bucket": f"""
        SELECT CAST(floor(epoch(created_at) / 900) AS BIGINT) AS bucket, count(*) AS orders,
               sum(total - refunded_amount) AS net
        FROM orders WHERE {PLACED} AND {IN_PERIOD} GROUP BY bucket""",
    # New customers of the period, and those with a referred visit at or before their first order.
    "referral_rate": f"""
        WITH firsts AS (
            SELECT customer_id, min(created_at) AS first_order_at FROM orders
            WHERE {PLACED} AND customer_id IS NOT NULL GROUP BY customer_id
            HAVING min(created_at) >= $since AND min(created_at) < $until
        )
        SELECT count(*) AS new_customers,
               count(*) FILTER (WHERE EXISTS (
                   SELECT 1 FROM events e WHERE e.store_id = $store AND e.referred
                     AND e.customer_id = f.customer_id AND e.occurred_at <= f.first_order_at
               )) AS referred
        FROM firsts f""",
    "support_contacts": """
        SELECT count(*) AS conversations, count(DISTINCT customer_id) AS customers FROM conversations
        WHERE store_id = $store AND created_at >= $since AND created_at < $until""",
}


def run(config: dict) -> dict:
    """Seed (or reuse) the warehouse, then measure; the result is also written to config["out"]."""
    import django

    django.setup()
    from cxloop.analytics.warehouse import warehouse_path

    path = warehouse_path()
    meta_path = Path(f"{path}.json")
    sizes = [seed.Sizes(*s) for s in config["sizes"]]
    if meta_path.exists():
        meta = json.loads(meta_path.read_text())
        print(f"tiles: reusing {path} (seeded {meta['seeded_at']})", flush=True)
    else:
        meta = _seed(path, sizes, config["seed"])
        meta_path.write_text(json.dumps(meta))
    meta["file_bytes"] = path.stat().st_size + sum(
        p.stat().st_size for p in path.parent.glob(f"{path.name}.wal")
    )
    shop = seed.generate_shop([seed.Sizes(*s) for s in meta["sizes"]], end=meta["end"], seed=meta["seed"])
    result = {"warehouse": meta, **_measure(config, meta, shop)}
    Path(config["out"]).write_text(json.dumps(result, indent=2, default=str))
    return result


def _seed(path: Path, sizes: list, seed_number: int) -> dict:
    from cxloop.analytics.warehouse import writing

    end = int(time.time() * 10**6)
    began = time.perf_counter()
    shop = seed.generate_shop(sizes, end=end, seed=seed_number)
    generated = time.perf_counter() - began
    print(f"tiles: generated {len(shop.customers['id']):,} customers, {len(shop.orders['id']):,} orders, "
          f"{shop.event_count:,} events in {generated:.0f} s; writing {path}", flush=True)  # fmt: skip
    with writing() as con:
        con.execute("SET preserve_insertion_order = true")
        seed.seed_warehouse(con, shop, notify=_progress)
        con.execute("CHECKPOINT")
    seconds = time.perf_counter() - began
    print(f"tiles: warehouse seeded in {seconds:.0f} s, {path.stat().st_size / 1e9:.2f} GB", flush=True)
    return {"end": end, "seed": seed_number, "seeded_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "seed_seconds": round(seconds, 1), "sizes": [list(vars(s).values()) for s in sizes]}  # fmt: skip


def _progress(text: str, end: str = "\n") -> None:
    print(f"  {text}", end=end, flush=True)


# -- measuring -------------------------------------------------------------------------------------


def _periods(store, now: datetime) -> list[tuple[str, datetime, datetime]]:
    from cxloop.analytics.reports import period_bounds

    _first, _last, since, until = period_bounds(store, 30, now=now)
    _first, _last, since_90, until_90 = period_bounds(store, 90, now=now)
    return [("last 30 d", since, until), ("30 d before", since - (until - since), since),
            ("last 90 d", since_90, until_90)]  # fmt: skip


def _measure(config: dict, meta: dict, shop) -> dict:
    import duckdb
    import ibis

    from cxloop.analytics import metrics
    from cxloop.analytics.warehouse import reading

    now = datetime.fromtimestamp(meta["end"] / 10**6, tz=UTC)
    big, small = (types.SimpleNamespace(pk=s[0], timezone=config["timezone"]) for s in meta["sizes"][:2])
    repeat = config["repeat"]
    with reading() as con:
        con.execute(f"SET threads = {config['threads']}") if config["threads"] else None
        backend = ibis.duckdb.from_connection(con)
        tables = metrics.warehouse_tables(backend)
        checks = _check_scoping(con, backend, tables, big, small, now, shop)
        rows = []
        for label, since, until in _periods(big, now):
            params = {"store": big.pk, "since": since, "until": until}
            for name in METRICS:
                rows.append(_metric_row(con, backend, tables, big.pk, (label, since, until), name, repeat))
                _print_row(rows[-1])
            rows.append(_compare(
                label, "compute_figures",
                lambda s=since, u=until: _figures(backend, tables, big.pk, s, u),
                lambda p=params: [con.sql(SQL[n], params=p).to_arrow_table() for n in METRICS], repeat,
            ))  # fmt: skip
            _print_row(rows[-1])
        threads = con.execute("SELECT current_setting('threads')").fetchall()[0][0]
        candidates = measure_candidates(con, big, now, repeat) if config["candidates"] else None
    rows.append(_dashboard(big, now, repeat, config, duckdb))
    _print_row(rows[-1])
    return {"rows": rows, "checks": checks, "threads": threads, "candidates": candidates}


def _metric_row(con, backend, tables, store_id: int, period: tuple, name: str, repeat: int) -> dict:
    """One metric over one period: as compute_figures runs it, its SQL compiled once, and by hand."""
    import ibis

    from cxloop.analytics import metrics

    label, since, until = period
    params = {"store": store_id, "since": since, "until": until}

    def expression():
        return getattr(metrics, name)(tables, store_id, since, until)

    compiled = backend.compile(expression().as_table())
    extra = {
        "compile": lambda: ibis.to_sql(expression()),  # building the expression and compiling it
        "ibis_sql": lambda: con.sql(compiled).to_arrow_table(),  # the SQL Ibis wrote, compiled once
    }
    return _compare(
        label, name, lambda: backend.to_pyarrow(expression()),
        lambda: con.sql(SQL[name], params=params).to_arrow_table(), repeat, extra=extra,
    )  # fmt: skip


def _figures(backend, tables, store_id, since, until):
    from cxloop.analytics.reports import compute_figures

    return compute_figures(backend, tables, store_id, since, until)


def _compare(label: str, name: str, ours, theirs, repeat: int, extra=None, skip_check=False) -> dict:
    """p50/p99 of both sides (alternating, after a warm-up of each) and whether they agree."""
    mine, base = ours(), theirs()
    if skip_check:
        same = True
    elif name == "compute_figures":
        same = _same_figures(mine, base)
    else:
        same = _rows(mine) == _rows(base)
    if not same:
        raise AssertionError(f"{label} {name}: Ibis and SQL differ:\n{_rows(mine)}\n{_rows(base)}")
    sides = {"ibis": ours, "sql": theirs, **(extra or {})}
    for run in (extra or {}).values():
        run()  # warm-up
    row = {"period": label, "metric": name, "same": same}
    for side, values in in_turn(sides, repeat).items():
        if values:
            row[side] = percentiles(values)
    row["ratio"] = round(row["ibis"]["p50_ms"] / row["sql"]["p50_ms"], 3)
    return row


def _rows(table) -> list[tuple]:
    """Rows as sorted tuples of plain values (Decimal for money), in the column order of the name."""
    rows = []
    for row in table.to_pylist():
        rows.append(tuple(sorted((key, _plain(value)) for key, value in row.items())))
    return sorted(rows)


def _plain(value):
    if isinstance(value, Decimal):
        return value.normalize() if value else Decimal(0)
    if isinstance(value, np.integer):
        return int(value)
    return value


def _same_figures(figures, tables: list) -> bool:
    by_name = dict(zip(METRICS, (t.to_pylist() for t in tables), strict=True))
    money, mix, repeat = by_name["revenue"][0], by_name["customer_mix"][0], by_name["repeat_customers"][0]
    return (
        figures.orders == money["orders"] and figures.gross == money["gross"]
        and figures.refunds == money["refunds"] and figures.net == money["net"]
        and figures.customers == mix["customers"] and figures.new_customers == mix["new_customers"]
        and figures.buyers == repeat["buyers"] and figures.repeat_buyers == repeat["repeat_buyers"]
        and figures.active == by_name["active_customers"][0]["active"]
        and figures.first_buyers == by_name["referral_rate"][0]["new_customers"]
        and figures.referred == by_name["referral_rate"][0]["referred"]
        and figures.conversations == by_name["support_contacts"][0]["conversations"]
        and figures.funnel == {r["type"]: r["sessions"] for r in by_name["funnel"]}
        and figures.buckets == {r["bucket"]: (r["orders"], r["net"]) for r in by_name["net_by_bucket"]}
    )  # fmt: skip


def _dashboard(store, now: datetime, repeat: int, config: dict, duckdb) -> dict:
    """build_dashboard as the page calls it (opens the file each time), against the sixteen SQL queries."""
    from cxloop.analytics.reports import build_dashboard, period_bounds
    from cxloop.analytics.warehouse import warehouse_path

    _first, _last, since, until = period_bounds(store, 30, now=now)
    periods = [(since, until), (since - (until - since), since)]

    def theirs():
        con = duckdb.connect(str(warehouse_path()), read_only=True)
        try:
            con.execute("SET TimeZone = 'UTC'")
            if config["threads"]:
                con.execute(f"SET threads = {config['threads']}")
            return [
                con.sql(SQL[name], params={"store": store.pk, "since": s, "until": u}).to_arrow_table()
                for s, u in periods for name in METRICS
            ]  # fmt: skip
        finally:
            con.close()

    def ours():
        return build_dashboard(store, days=30, now=now)

    ours(), theirs()
    row = {"period": "last 30 d + before", "metric": "build_dashboard", "same": None, "rows": None}
    row.update({side: percentiles(v) for side, v in in_turn({"ibis": ours, "sql": theirs}, repeat).items()})
    row["ratio"] = round(row["ibis"]["p50_ms"] / row["sql"]["p50_ms"], 3)
    return row


def _check_scoping(con, backend, tables, big, small, now, shop) -> dict:
    """Each store sees only its orders: revenue per store against the generator's own arrays."""
    from cxloop.analytics import metrics

    checks = {}
    _label, since, until = _periods(big, now)[0]
    o = shop.orders
    for store in (big, small):
        got = backend.to_pyarrow(metrics.revenue(tables, store.pk, since, until)).to_pylist()[0]
        lo, hi = int(since.timestamp() * 10**6), int(until.timestamp() * 10**6)
        mine = (o["store_id"] == store.pk) & (o["cancelled"] < 0) & (o["created"] >= lo) & (o["created"] < hi)
        expected = {"orders": int(mine.sum()), "gross": Decimal(int(o["total_cents"][mine].sum())) / 100,
                    "refunds": Decimal(int(o["refunded_cents"][mine].sum())) / 100}  # fmt: skip
        ok = all(got[key] == value for key, value in expected.items())
        checks[f"store {store.pk} revenue = generator's"] = ok
        if not ok:
            raise AssertionError(f"store {store.pk}: warehouse {got} != generated {expected}")
    total = con.execute(
        "SELECT count(*) FROM orders WHERE cancelled_at IS NULL AND created_at >= ? AND created_at < ?",
        [since, until],
    ).fetchall()[0][0]
    both = sum(
        backend.to_pyarrow(metrics.revenue(tables, s.pk, since, until)).to_pylist()[0]["orders"]
        for s in (big, small)
    )
    checks["the two stores' orders add up to all orders"] = both == total
    print(f"tiles: scoping checks {checks}", flush=True)
    return checks


def _print_row(row: dict) -> None:
    ours, base = row["ibis"], row["sql"]
    compile_ms = f"{row['compile']['p50_ms']:7.1f}" if "compile" in row else "      -"
    print(f"  {row['period']:<19} {row['metric']:<17} {ours['p50_ms']:8.1f} {ours['p99_ms']:8.1f} "
          f"{base['p50_ms']:8.1f} {base['p99_ms']:8.1f} {row['ratio']:6.2f}x {compile_ms}",
          flush=True)  # fmt: skip


def _print_candidate(row: dict) -> None:
    new, now = row["candidate"], row["sql_now"]
    print(f"  {row['period']:<19} {row['metric']:<17} {new['p50_ms']:8.1f} {new['p99_ms']:8.1f} "
          f"{now['p50_ms']:8.1f} {now['p99_ms']:8.1f} {row['speedup']:6.1f}x faster", flush=True)  # fmt: skip


def print_head() -> None:
    print(f"  {'period':<19} {'metric':<17} {'Ibis p50':>8} {'p99':>8} {'SQL p50':>8} {'p99':>8} "
          f"{'ratio':>7} {'compile':>7}")  # fmt: skip


# -- candidates: what the slow tiles would take with a table the sync keeps ------------------------

STEP_BITS = (
    "CASE type "
    + " ".join(
        f"WHEN '{step}' THEN {1 << n}"
        for n, step in enumerate(
            ("page_view", "product_view", "add_to_cart", "checkout_started", "order_placed")
        )
    )
    + " END"
)
CANDIDATE_TABLES = {
    # Each customer's first and second order (not cancelled), as the sync would keep it chunk by chunk.
    "customer_orders": """
        CREATE TEMP TABLE customer_orders AS
        SELECT store_id, customer_id, min(created_at) AS first_order_at,
               CASE WHEN count(*) >= 2 THEN min_by(created_at, created_at, 2)[2] END AS second_order_at
        FROM orders WHERE cancelled_at IS NULL AND customer_id IS NOT NULL GROUP BY ALL""",
    # The funnel steps each session reached per day of the store (events are only added: an upsert per sync).
    "session_days": f"""
        CREATE TEMP TABLE session_days AS
        SELECT store_id, CAST(timezone($zone, occurred_at) AS DATE) AS day, hash(session_id) AS session_key,
               CAST(bit_or({STEP_BITS}) AS UTINYINT) AS steps
        FROM events
        WHERE session_id <> ''
          AND type IN ('page_view', 'product_view', 'add_to_cart', 'checkout_started', 'order_placed')
        GROUP BY ALL ORDER BY day""",
}
CANDIDATE_SQL = {
    "customer_mix": f"""
        SELECT count(DISTINCT o.customer_id) AS customers,
               count(DISTINCT o.customer_id) FILTER (WHERE f.first_order_at >= $since) AS new_customers,
               count(*) FILTER (WHERE f.first_order_at >= $since) AS new_orders,
               count(*) FILTER (WHERE f.first_order_at < $since) AS returning_orders,
               coalesce(sum(o.total - o.refunded_amount) FILTER (WHERE f.first_order_at >= $since), 0)
                   AS new_net,
               coalesce(sum(o.total - o.refunded_amount) FILTER (WHERE f.first_order_at < $since), 0)
                   AS returning_net
        FROM orders o JOIN customer_orders f ON f.store_id = o.store_id AND f.customer_id = o.customer_id
        WHERE o.{PLACED} AND o.{IN_PERIOD}""",
    "repeat_customers": f"""
        SELECT count(DISTINCT o.customer_id) AS buyers,
               count(DISTINCT o.customer_id) FILTER (WHERE f.second_order_at < $until) AS repeat_buyers
        FROM orders o JOIN customer_orders f ON f.store_id = o.store_id AND f.customer_id = o.customer_id
        WHERE o.{PLACED} AND o.{IN_PERIOD}""",
    "funnel": """
        SELECT unnest(['page_view', 'product_view', 'add_to_cart', 'checkout_started', 'order_placed'])
                   AS type,
               unnest([count(*) FILTER (WHERE steps & 1 > 0), count(*) FILTER (WHERE steps & 2 > 0),
                       count(*) FILTER (WHERE steps & 4 > 0), count(*) FILTER (WHERE steps & 8 > 0),
                       count(*) FILTER (WHERE steps & 16 > 0)]) AS sessions
        FROM (SELECT bit_or(steps) AS steps FROM session_days
              WHERE store_id = $store AND day >= $first AND day < $after GROUP BY session_key)""",
}


def measure_candidates(con, store, now: datetime, repeat: int) -> dict:
    """The three slowest tiles in SQL as now, and with the candidate tables (built here as temp tables)."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(store.timezone)
    built = {}
    for name, ddl in CANDIDATE_TABLES.items():
        began = time.perf_counter()
        con.execute(ddl, {"zone": store.timezone} if "$zone" in ddl else None)
        built[name] = round(time.perf_counter() - began, 2)
    print(f"tiles: candidate tables built in {built} s; candidate SQL against the SQL above:", flush=True)
    rows = []
    for label, since, until in _periods(store, now):
        params = {"store": store.pk, "since": since, "until": until}
        for name, sql in CANDIDATE_SQL.items():
            mine = dict(params)
            if name == "funnel":
                first, after = since.astimezone(zone).date(), until.astimezone(zone).date()
                mine = {"store": store.pk, "first": first, "after": after}

            def ours(sql=sql, mine=mine):
                return con.sql(sql, params=mine).to_arrow_table()

            def theirs(name=name, params=params):
                return con.sql(SQL[name], params=params).to_arrow_table()

            if name == "funnel":
                got = {r["type"]: r["sessions"] for r in ours().to_pylist() if r["sessions"]}
                want = {r["type"]: r["sessions"] for r in theirs().to_pylist()}
                if got != want:
                    raise AssertionError(f"{label} funnel: candidate {got} != {want}")
                row = _compare(label, name, ours, theirs, repeat, skip_check=True)
            else:
                row = _compare(label, name, ours, theirs, repeat)
            row["candidate"], row["sql_now"] = row.pop("ibis"), row.pop("sql")
            row["speedup"] = round(1 / row.pop("ratio"), 2)
            rows.append(row)
            _print_candidate(row)
    return {"build_seconds": built, "rows": rows}
