"""`cxloop bench analytics`: the dashboard's tiles on a big warehouse, and the warehouse's sync lag.

tiles
    Seeds a DuckDB warehouse file under --data-dir directly (the tables of
    analytics.sources, filled by `_analytics_seed`: --customers, --orders and
    --events for the store measured, plus a store with --small-share of each
    to check scoping; three years, ids in time order), and builds the rollups
    the sync keeps (analytics.rollups.prepare). Then, for the last 30 days,
    the 30 before and the last 90 (as reports.build_dashboard cuts them, the
    store in Europe/Warsaw), it times every metric of
    `reports.compute_figures` as it runs them (`reports.run_metric`: over the
    rollups, the SQL compiled once per period) against hand-written DuckDB SQL
    answering the same question over the copied tables (the baseline), on the
    same connection, runs alternating, and asserts both give the same answer;
    beside them hand-written SQL over the rollups for the four tiles that read
    them (and with --copies the definitions as an engine without the rollups
    runs them, working them out from the copies). Then
    compute_figures whole against the eight queries, and
    `build_dashboard(store, days=30)` as the page runs it (opening the file,
    both periods) against the sixteen queries on a connection opened the same
    way. p50/p99 over --repeat runs after a warm-up. Goals: Ibis within 1.2x
    of the SQL, each tile <= 0.5 s.
lag
    Migrates a scratch source database (SQLite, or PostgreSQL with --db
    postgres), creates the two stores, and runs --writers processes inserting
    storefront events through the product's own path (`parse_events` then
    `record_events`: executemany on SQLite, COPY on PostgreSQL) at --rate
    events/s in batches of --batch for --seconds, while another process runs
    `sync_warehouse()` back to back (--sync-every 0) or every --sync-every
    seconds (the worker's SYNC_SECONDS). The warehouse starts as a copy of the
    tiles file when there is one (the source's event ids continue after its),
    or empty. Lag, sampled every second of the ingest: the age (now minus
    received_at) of the oldest event the source holds and the warehouse does
    not; also, per sync, commit time minus the received_at of the newest event
    it copied. Goal: lag <= 60 s. Afterwards it checks, after one more sync,
    that the warehouse holds every event the source does. With --first-sync
    it also seeds the source with --customers and --orders (and
    --source-events events) and times the first full sync into an empty
    warehouse.
publish
    On the warehouse the tiles part seeded (or --warehouse), times
    `analytics.publish.publish_warehouse` (CXLOOP_ANALYTICS_ENGINE=spark: every
    table as Parquet into a new set) against DuckDB's own EXPORT DATABASE to
    Parquet of the same file, and `build_dashboard(days=30)` on Spark in local
    mode (--spark-master) over the set against the same on DuckDB, answers
    compared.

    cxloop bench analytics --parts tiles,lag                     # the full sizes
    cxloop bench analytics --customers 20000 --orders 100000 --events 1000000 --seconds 20 --repeat 3

Results are printed and written to var/bench/analytics-<timestamp>.json; the
data directory (/work/bench-data/analytics-<timestamp>) is deleted unless --keep.
"""

import argparse
import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench._timing import parse_parts

ROOT = Path(__file__).resolve().parents[1]
PARTS = ("tiles", "lag", "publish")
SEED = 20261204
SMALL_STORE_ID = 2


def main(argv: list[str]) -> None:
    if argv[:1] == ["--child"]:
        return _child(argv[1], json.loads(argv[2]))
    args = _parse_args(argv)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    run_dir = Path(args.data_dir) / f"analytics-{stamp}"  # deleted at the end unless --keep
    run_dir.mkdir(parents=True)
    warehouse = Path(args.warehouse) if args.warehouse else run_dir / "analytics.duckdb"
    results = {"meta": _meta(args, warehouse)}
    try:
        if "tiles" in args.parts:
            results["tiles"] = _tiles(args, run_dir, warehouse)
        if "publish" in args.parts:
            results["publish"] = _publish(args, run_dir, warehouse)
        if "lag" in args.parts:
            from bench import _analytics_lag

            seeded = warehouse if warehouse.exists() and not args.empty_warehouse else None
            results["lag"] = _analytics_lag.run(args, run_dir, seeded, child_env=_env)
        _print_summary(results)
    finally:
        print(f"\nresults: {_write_json(results, stamp)}")  # also what a failed run measured
        if args.keep:
            print(f"kept {run_dir}")
        else:
            shutil.rmtree(run_dir, ignore_errors=True)
            print(f"deleted {run_dir}")


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="cxloop bench analytics", description=__doc__.split("\n")[0])
    parser.add_argument("--parts", default="tiles,lag", help=f"comma-separated: {', '.join(PARTS)}")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--orders", type=int, default=5_000_000)
    parser.add_argument("--events", type=int, default=50_000_000)
    parser.add_argument("--small-share", type=float, default=0.01, help="the second store's size")
    parser.add_argument("--repeat", type=int, default=10, help="tiles: timed runs per case")
    parser.add_argument("--threads", type=int, default=0, help="tiles: DuckDB threads (0: its default)")
    parser.add_argument("--copies", action="store_true",
                        help="tiles: also time the metrics from the copies alone (slow)")  # fmt: skip
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--data-dir", default="/work/bench-data")
    parser.add_argument("--warehouse", default="", help="tiles: a warehouse this benchmark seeded (--keep)")
    parser.add_argument("--db", choices=["sqlite", "postgres", "postgresql"], default="sqlite")
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432/anbench",
                        help="lag: the server (scratch databases anbench_<time>_* are created)")  # fmt: skip
    parser.add_argument("--publish-repeat", type=int, default=3, help="publish: sets published")
    parser.add_argument("--dashboard-repeat", type=int, default=3, help="publish: dashboards per engine")
    parser.add_argument("--spark-master", default="local[2]", help="publish: CXLOOP_SPARK_MASTER")
    parser.add_argument("--rate", type=int, default=10_000, help="lag: events per second")
    parser.add_argument("--batch", type=int, default=100, help="lag: events per record_events call")
    parser.add_argument("--writers", type=int, default=2, help="lag: ingest processes")
    parser.add_argument("--seconds", type=float, default=120.0, help="lag: ingest duration")
    parser.add_argument("--sync-every", default="0,30",
                        help="lag: seconds between syncs, a run each (0: back to back)")  # fmt: skip
    parser.add_argument("--empty-warehouse", action="store_true", help="lag: start from an empty warehouse")
    parser.add_argument("--first-sync", action="store_true", help="lag: also time a first full sync")
    parser.add_argument("--source-events", type=int, default=5_000_000, help="lag --first-sync: events")
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    args = parser.parse_args(argv)
    args.db = {"postgresql": "postgres"}.get(args.db, args.db)
    args.parts = parse_parts(parser, args.parts, PARTS)
    args.sync_every = [float(s) for s in args.sync_every.split(",") if s.strip()]
    if args.orders < args.customers or args.repeat < 1 or args.rate < 1 or args.batch < 1:
        parser.error("--orders must be >= --customers; --repeat, --rate and --batch >= 1")
    return args


def sizes(args) -> list[list[int]]:
    share = args.small_share
    return [
        [1, args.customers, args.orders, args.events],
        [SMALL_STORE_ID, *(max(10, round(n * share)) for n in (args.customers, args.orders, args.events))],
    ]


def _env(run_dir: Path, warehouse: Path, database_url: str | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DEBUG")}
    env.update(
        DJANGO_SETTINGS_MODULE="cxloop.settings",
        CXLOOP_VAR_DIR=str(run_dir),
        CXLOOP_WAREHOUSE_PATH=str(warehouse),
        DATABASE_URL=database_url or f"sqlite:///{run_dir}/cxloop.sqlite3",
        SECRET_KEY=secrets.token_urlsafe(50),
        LOG_LEVEL="WARNING",
        PYTHONPATH=os.pathsep.join(
            filter(None, [str(ROOT), str(ROOT / "src"), os.environ.get("PYTHONPATH")])
        ),
    )
    return env


def run_child(kind: str, config: dict, env: dict, **popen) -> subprocess.Popen:
    """Start `python -m bench.analytics --child KIND CONFIG` with `env`."""
    return subprocess.Popen(
        [sys.executable, "-m", "bench.analytics", "--child", kind, json.dumps(config)],
        cwd=ROOT,
        env=env,
        **popen,
    )


def _child(kind: str, config: dict) -> None:
    if kind == "tiles":
        from bench import _analytics_tiles

        _analytics_tiles.run(config)
        return
    if kind == "publish":
        from bench import _analytics_publish

        _analytics_publish.run(config)
        return
    from bench import _analytics_lag

    _analytics_lag.child(kind, config)


# -- tiles -----------------------------------------------------------------------------------------


def _tiles(args, run_dir: Path, warehouse: Path) -> dict:
    from bench import _analytics_tiles

    out = run_dir / "tiles.json"
    config = {"sizes": sizes(args), "seed": args.seed, "repeat": args.repeat, "threads": args.threads,
              "timezone": "Europe/Warsaw", "copies": args.copies, "out": str(out)}  # fmt: skip
    print(f"== tiles: warehouse {warehouse}", flush=True)
    _analytics_tiles.print_head()
    child = run_child("tiles", config, _env(run_dir, warehouse))
    if child.wait():
        sys.exit("the tiles child failed")
    return json.loads(out.read_text())


def _publish(args, run_dir: Path, warehouse: Path) -> dict:
    """The tables published as Parquet for CXLOOP_ANALYTICS_ENGINE=spark, and the dashboard on Spark."""
    out = run_dir / "publish.json"
    env = _env(run_dir, warehouse) | {
        "CXLOOP_SPARK_TABLES": str(run_dir / "published"),
        "CXLOOP_SPARK_MASTER": args.spark_master,
    }
    config = {"repeat": args.publish_repeat, "dashboard_repeat": args.dashboard_repeat, "out": str(out)}
    print(f"== publish: warehouse {warehouse}", flush=True)
    child = run_child("publish", config, env)
    if child.wait():
        sys.exit("the publish child failed")
    return json.loads(out.read_text())


# -- report ----------------------------------------------------------------------------------------


def _meta(args, warehouse: Path) -> dict:
    return {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "load": os.getloadavg(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "options": {k: v for k, v in vars(args).items() if k not in ("keep",)},
        "warehouse": str(warehouse),
    }


def _print_summary(results: dict) -> None:
    if "tiles" in results:
        _print_tiles(results["tiles"])
    if "lag" in results:
        from bench import _analytics_lag

        _analytics_lag.print_results(results["lag"])
    if "publish" in results:
        from bench import _analytics_publish

        _analytics_publish.print_results(results["publish"])


def _print_tiles(tiles: dict) -> None:
    meta = tiles["warehouse"]
    print(f"\nTiles: {meta['sizes'][0][1]:,} customers, {meta['sizes'][0][2]:,} orders, "
          f"{meta['sizes'][0][3]:,} events (store 1), file {meta['file_bytes'] / 1e9:.2f} GB, "
          f"DuckDB threads {tiles['threads']}; rollups built in {meta['rollups_seconds']} s")  # fmt: skip
    print(f"  {'period':<19} {'metric':<17} {'Ibis p50':>8} {'p99':>8} {'SQL p50':>8} {'p99':>8} "
          f"{'ratio':>6}  goal  {'SQL-r p50':>9} {'ratio-r':>7} {'compile':>7} {'copies':>8}")  # fmt: skip
    for row in tiles["rows"]:
        ours, base = row["ibis"], row["sql"]
        single = row["metric"] not in ("compute_figures", "build_dashboard")
        met = row["ratio"] <= 1.2 and (not single or ours["p99_ms"] <= 500)
        rollups = (f"{row['sql_rollups']['p50_ms']:9.1f} {row['ratio_rollups']:6.2f}x" if "sql_rollups" in row
                   else f"{'-':>9} {'-':>7}")  # fmt: skip
        extra = " ".join(
            f"{row[side]['p50_ms']:{width}.1f}" if side in row else f"{'-':>{width}}"
            for side, width in (("compile", 7), ("copies", 8))
        )
        print(f"  {row['period']:<19} {row['metric']:<17} {ours['p50_ms']:8.1f} {ours['p99_ms']:8.1f} "
              f"{base['p50_ms']:8.1f} {base['p99_ms']:8.1f} {row['ratio']:5.2f}x  "
              f"{'yes' if met else 'NO ':<4}  {rollups} {extra}")  # fmt: skip
    print("  Ibis: as compute_figures runs it (over the rollups, its SQL compiled once per period);")
    print("  SQL: hand-written DuckDB SQL over the copied tables (the baseline); ratio: Ibis p50 / SQL p50;")
    print("  goal: <= 1.2x, and each tile (one metric, one period) p99 <= 500 ms;")
    print("  SQL-r: hand-written SQL over the rollups for the tiles that read them (ratio-r: Ibis p50 / it);")
    print("  compile: building and compiling the expression once (the first view of a period);")
    print("  copies (--copies): the definitions working the rollups out from the copies, built and compiled")
    print("  each time, as on an engine that keeps no rollups")
    first = next((row["first_ms"] for row in tiles["rows"] if "first_ms" in row), None)
    print(f"  build_dashboard's first view (compiling every metric): {first} ms")
    print(f"  checks: {', '.join(f'{k}: {v}' for k, v in tiles['checks'].items())}; "
          "every answer equal to the SQL's")  # fmt: skip


def _write_json(results: dict, stamp: str) -> Path:
    path = ROOT / "var" / "bench" / f"analytics-{stamp}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, default=str))
    return path


if __name__ == "__main__":
    main(sys.argv[1:])
