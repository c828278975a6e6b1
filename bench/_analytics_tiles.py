"""The tiles part of `cxloop bench analytics`, run in a child process with the warehouse's settings.

Seeds the warehouse file (`_analytics_seed`) unless it is already there, and
builds the rollups the sync keeps (analytics.rollups.prepare, as for a
warehouse made before them) unless they are there. Then, for each period, it
times every metric of `reports.compute_figures` as compute_figures runs it
(`reports.run_metric`: through the rollups, its SQL compiled once per period)
against the hand-written DuckDB SQL below over the copied tables (SQL), on the
same connection, alternating run by run, and checks that both give the same
answer. Beside them: hand-written SQL over the rollups for the four tiles that
read them (SQL on rollups), building and compiling the expression once
(compile: what the first view of a period pays), and with `copies` in the
config the same definitions as an engine without the rollups runs them (Ibis
building and compiling each time, the rollups worked out from the copies).
It also times compute_figures whole, and `build_dashboard` as the page calls
it (opening the file, both periods) against the same sixteen queries on a
connection it opens the same way.
"""

import json
import time
import types
from dataclasses import dataclass
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
    # New customers of the period: whose first order (by time, then id) is in it; referred through a visit
    # with a referral link at or before it, with a code on that order, or both.
    "referral_rate": f"""
        WITH firsts AS (
            SELECT customer_id, min(created_at) AS first_order_at,
                   arg_min(coalesce(referred, false), (created_at, id)) AS code
            FROM orders WHERE {PLACED} AND customer_id IS NOT NULL GROUP BY customer_id
            HAVING min(created_at) >= $since AND min(created_at) < $until
        ), flagged AS (
            SELECT code, EXISTS (
                SELECT 1 FROM events e WHERE e.store_id = $store AND e.referred
                  AND e.customer_id = f.customer_id AND e.occurred_at <= f.first_order_at
            ) AS link FROM firsts f
        )
        SELECT count(*) AS new_customers, count(*) FILTER (WHERE link OR code) AS referred,
               count(*) FILTER (WHERE link AND NOT code) AS by_link,
               count(*) FILTER (WHERE code AND NOT link) AS by_code,
               count(*) FILTER (WHERE link AND code) AS by_both
        FROM flagged""",
    "support_contacts": """
        SELECT count(*) AS conversations, count(DISTINCT customer_id) AS customers FROM conversations
        WHERE store_id = $store AND created_at >= $since AND created_at < $until
          AND merged_into_id IS NULL""",
}


_STEP_COUNTS = ", ".join(
    f"count(*) FILTER (WHERE steps & {1 << n} > 0)" for n in range(5)
)  # FUNNEL_STEPS in order, as metrics.step_bit numbers them
# The four tiles that read the rollups (analytics.rollups), over them by hand as one would for DuckDB.
ROLLUP_SQL = {
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
    "referral_rate": f"""
        WITH firsts AS (
            SELECT f.customer_id, f.first_order_at, coalesce(o.referred, false) AS code
            FROM customer_orders f JOIN orders o ON o.id = f.first_order_id
            WHERE f.store_id = $store AND f.first_order_at >= $since AND f.first_order_at < $until
              AND o.{PLACED} AND o.{IN_PERIOD}
        ), flagged AS (
            SELECT code, EXISTS (
                SELECT 1 FROM events e WHERE e.store_id = $store AND e.referred
                  AND e.customer_id = f.customer_id AND e.occurred_at <= f.first_order_at
            ) AS link FROM firsts f
        )
        SELECT count(*) AS new_customers, count(*) FILTER (WHERE link OR code) AS referred,
               count(*) FILTER (WHERE link AND NOT code) AS by_link,
               count(*) FILTER (WHERE code AND NOT link) AS by_code,
               count(*) FILTER (WHERE link AND code) AS by_both
        FROM flagged""",
    "funnel": f"""
        SELECT unnest(['page_view', 'product_view', 'add_to_cart', 'checkout_started', 'order_placed'])
                   AS type,
               unnest([{_STEP_COUNTS}]) AS sessions
        FROM (SELECT bit_or(steps) AS steps FROM session_days
              WHERE store_id = $store AND day_start >= $since AND day_start < $until GROUP BY session_key)""",
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
    meta["rollups_seconds"] = _build_rollups(config)
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


def _build_rollups(config: dict) -> float:
    """The rollups as the sync builds them in a warehouse made before them (nothing when they are there)."""
    from cxloop.analytics import rollups
    from cxloop.analytics.warehouse import writing

    zones = {store_id: rollups.zone_of(config["timezone"]) for store_id, *_sizes in config["sizes"]}
    began = time.perf_counter()
    with writing() as con:
        rollups.prepare(con, zones)
        con.execute("CHECKPOINT")
        rows = {name: con.sql(f"SELECT count(*) FROM {name}").fetchall()[0][0] for name in rollups.TABLES[:2]}
    seconds = round(time.perf_counter() - began, 1)
    print(f"tiles: rollups ready in {seconds} s: {rows}", flush=True)
    return seconds


def _progress(text: str, end: str = "\n") -> None:
    print(f"  {text}", end=end, flush=True)


# -- measuring -------------------------------------------------------------------------------------


def _periods(store, now: datetime) -> list[tuple[str, datetime, datetime]]:
    """The dashboard's periods: the last 30 days, the 30 days before (as build_dashboard cuts it), the
    last 90."""
    from datetime import time as clock
    from datetime import timedelta

    from cxloop.analytics.reports import _zone, period_bounds

    first, _last, since, until = period_bounds(store, 30, now=now)
    before = datetime.combine(first - timedelta(days=30), clock.min, tzinfo=_zone(store))
    _first, _last, since_90, until_90 = period_bounds(store, 90, now=now)
    return [("last 30 d", since, until), ("30 d before", before, since), ("last 90 d", since_90, until_90)]


def _measure(config: dict, meta: dict, shop) -> dict:
    import dataclasses

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
        if tables.customer_orders is None or tables.session_days is None:
            raise AssertionError("the warehouse has no rollups")
        # the definitions as an engine without the rollups runs them (PostgreSQL directly)
        copies = dataclasses.replace(tables, customer_orders=None, session_days=None, engine="")
        sides = Sides(con, backend, tables, copies if config.get("copies") else None, big.pk)
        checks = _check_scoping(con, backend, tables, big, small, now, shop)
        rows = []
        for label, since, until in _periods(big, now):
            for name in METRICS:
                rows.append(_metric_row(sides, (label, since, until), name, repeat))
                _print_row(rows[-1])
            rows.append(_figures_row(sides, (label, since, until), repeat))
            _print_row(rows[-1])
        threads = con.execute("SELECT current_setting('threads')").fetchall()[0][0]
    rows.append(_dashboard(big, now, repeat, config, duckdb))
    _print_row(rows[-1])
    return {"rows": rows, "checks": checks, "threads": threads}


@dataclass
class Sides:
    """What one metric over one period is timed as."""

    con: object
    backend: object
    tables: object
    copies: object
    store_id: int

    def ours(self, name, since, until):  # as compute_figures runs it
        from cxloop.analytics.reports import run_metric

        return run_metric(self.backend, self.tables, name, self.store_id, since, until)

    def sql(self, name, since, until, rollups=False):
        from cxloop.analytics.reports import _dicts

        sql = ROLLUP_SQL[name] if rollups and name in ROLLUP_SQL else SQL[name]
        params = {"store": self.store_id, "since": since, "until": until}
        return _dicts(self.con.execute(sql, params))  # as reports.run_metric reads its rows

    def expression(self, name, since, until, tables=None):
        from cxloop.analytics import metrics

        return getattr(metrics, name)(tables or self.tables, self.store_id, since, until)

    def from_copies(self, name, since, until):  # Ibis over the copies, built and compiled each time
        return self.backend.to_pyarrow(self.expression(name, since, until, self.copies)).to_pylist()


def _metric_row(sides: Sides, period: tuple, name: str, repeat: int) -> dict:
    """One metric over one period: as compute_figures runs it, by hand over the copies and over the
    rollups, its compiling, and (asked for) from the copies alone."""
    import ibis

    label, since, until = period
    runs = {
        "ibis": lambda: sides.ours(name, since, until),
        "sql": lambda: sides.sql(name, since, until),
        "compile": lambda: ibis.to_sql(sides.expression(name, since, until)),
    }
    if sides.copies is not None:
        runs["copies"] = lambda: sides.from_copies(name, since, until)
    if name in ROLLUP_SQL:
        runs["sql_rollups"] = lambda: sides.sql(name, since, until, rollups=True)
    answers = {side: _answer(name, run()) for side, run in runs.items() if side != "compile"}
    if any(answer != answers["sql"] for answer in answers.values()):
        raise AssertionError(f"{label} {name}: the answers differ: {answers}")
    return _timed(label, name, runs, repeat)


def _figures_row(sides: Sides, period: tuple, repeat: int) -> dict:
    """compute_figures whole against the eight queries by hand (over the copies; or over the rollups
    for the four that read them)."""
    from cxloop.analytics.reports import compute_figures

    label, since, until = period
    runs = {
        "ibis": lambda: compute_figures(sides.backend, sides.tables, sides.store_id, since, until),
        "sql": lambda: [sides.sql(name, since, until) for name in METRICS],
        "sql_rollups": lambda: [sides.sql(name, since, until, rollups=True) for name in METRICS],
    }
    figures = runs["ibis"]()
    for side in ("sql", "sql_rollups"):
        if not _same_figures(figures, runs[side]()):
            raise AssertionError(f"{label} compute_figures: differs from the {side} queries")
    return _timed(label, "compute_figures", runs, repeat)


def _timed(label: str, name: str, runs: dict, repeat: int) -> dict:
    """p50/p99 of every side (in turn, after a warm-up of each); ratios of ours to the SQL."""
    for run in runs.values():
        run()  # warm-up (and the compile cache filled)
    row = {"period": label, "metric": name}
    for side, values in in_turn(runs, repeat).items():
        row[side] = percentiles(values)
    row["ratio"] = round(row["ibis"]["p50_ms"] / row["sql"]["p50_ms"], 3)
    if "sql_rollups" in row:
        row["ratio_rollups"] = round(row["ibis"]["p50_ms"] / row["sql_rollups"]["p50_ms"], 3)
    return row


def _answer(name: str, rows: list[dict]):
    """An answer comparable across sides: the funnel as {step: sessions} (steps with sessions), other
    metrics as sorted rows of plain values."""
    if name == "funnel":
        if rows and "type" in rows[0]:
            return {row["type"]: row["sessions"] for row in rows if row["sessions"]}
        return {step: count for step, count in (rows[0] if rows else {}).items() if count}
    return sorted(tuple(sorted((key, _plain(value)) for key, value in row.items())) for row in rows)


def _plain(value):
    if isinstance(value, Decimal):
        return value.normalize() if value else Decimal(0)
    if isinstance(value, np.integer):
        return int(value)
    return value


def _same_figures(figures, answers: list) -> bool:
    by_name = dict(zip(METRICS, answers, strict=True))
    money, mix, repeat = by_name["revenue"][0], by_name["customer_mix"][0], by_name["repeat_customers"][0]
    referral = by_name["referral_rate"][0]
    return (
        figures.orders == money["orders"] and figures.gross == money["gross"]
        and figures.refunds == money["refunds"] and figures.net == money["net"]
        and figures.customers == mix["customers"] and figures.new_customers == mix["new_customers"]
        and figures.buyers == repeat["buyers"] and figures.repeat_buyers == repeat["repeat_buyers"]
        and figures.active == by_name["active_customers"][0]["active"]
        and figures.first_buyers == referral["new_customers"] and figures.referred == referral["referred"]
        and figures.referred_by == (referral["by_link"], referral["by_code"], referral["by_both"])
        and figures.conversations == by_name["support_contacts"][0]["conversations"]
        and figures.funnel == _answer("funnel", by_name["funnel"])
        and figures.buckets == {r["bucket"]: (r["orders"], r["net"]) for r in by_name["net_by_bucket"]}
    )  # fmt: skip


def _dashboard(store, now: datetime, repeat: int, config: dict, duckdb) -> dict:
    """build_dashboard as the page calls it (opens the file each time), against the sixteen SQL queries
    on a connection opened the same way (over the copies; or over the rollups for four of them)."""
    from cxloop.analytics.reports import build_dashboard
    from cxloop.analytics.warehouse import warehouse_path

    periods = [(since, until) for _label, since, until in _periods(store, now)[:2]]

    def theirs(rollups=False):
        con = duckdb.connect(str(warehouse_path()), read_only=True)
        try:
            con.execute("SET TimeZone = 'UTC'")
            if config["threads"]:
                con.execute(f"SET threads = {config['threads']}")
            sides = Sides(con, None, None, None, store.pk)
            return [sides.sql(name, s, u, rollups=rollups) for s, u in periods for name in METRICS]
        finally:
            con.close()

    def ours():
        return build_dashboard(store, days=30, now=now)

    runs = {"ibis": ours, "sql": theirs, "sql_rollups": lambda: theirs(rollups=True)}
    began = time.perf_counter()
    ours()  # the first view of the day: compiles every metric
    first_ms = round((time.perf_counter() - began) * 1000, 1)
    row = _timed("last 30 d + before", "build_dashboard", runs, repeat)
    row["first_ms"] = first_ms
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


def _ms(row: dict, side: str) -> str:
    return f"{row[side]['p50_ms']:8.1f}" if side in row else f"{'-':>8}"


def _print_row(row: dict) -> None:
    ours, base = row["ibis"], row["sql"]
    extra = f"{row['ratio_rollups']:6.2f}x" if "ratio_rollups" in row else f"{'-':>7}"
    print(f"  {row['period']:<19} {row['metric']:<17} {ours['p50_ms']:8.1f} {ours['p99_ms']:8.1f} "
          f"{base['p50_ms']:8.1f} {base['p99_ms']:8.1f} {row['ratio']:6.2f}x {_ms(row, 'sql_rollups')} "
          f"{extra} {_ms(row, 'compile')} {_ms(row, 'copies')}", flush=True)  # fmt: skip


def print_head() -> None:
    print(f"  {'period':<19} {'metric':<17} {'Ibis p50':>8} {'p99':>8} {'SQL p50':>8} {'p99':>8} "
          f"{'ratio':>7} {'SQL-r p50':>8} {'ratio-r':>7} {'compile':>8} {'copies':>8}")  # fmt: skip
