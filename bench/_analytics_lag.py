"""The lag part of `cxloop bench analytics`: how far the warehouse trails a steady ingest of events.

Per --sync-every value, in a directory of its own: a migrated scratch source
database with the two stores, the warehouse (a copy of the tiles file, or
empty), then these processes, each with the run's CXLOOP_VAR_DIR,
CXLOOP_WAREHOUSE_PATH and DATABASE_URL:

- `lag-sync`: `sync_warehouse()` back to back, or every N seconds as the
  worker's periodic task does; after each, the newest event id it had copied
  (sync_state: the events watermark, or its newest checkpoint: the watermark
  itself is the safe start of the next sync, OVERLAP or more behind) and the
  wall-clock time it returned (after its last commit);
- `lag-ingest` (--writers of them, started together): `parse_events` and
  `record_events` on batches of --batch storefront events, paced to
  --rate events/s in all, for --seconds;
- `lag-final`: one more sync after the overlap has passed, the check that the
  warehouse holds every event of the source, and the lag computed from the
  source's received_at of the events around each newest id copied:

  lag(t), every second t of the ingest = t - received_at of the oldest event
  the source held at t that the warehouse did not (the first id after the
  newest id copied by the last sync committed by t); 0 when it held them all.
  freshness of a sync = its commit time - received_at of the newest event it copied.
"""

import contextlib
import json
import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

OVERLAP_WAIT = 12.0  # sync.OVERLAP (10 s) and a margin: the last sync re-reads what a slow writer left
LAG_GOAL_SECONDS = 60.0


def run(args, run_dir: Path, seeded: Path | None, *, child_env) -> dict:
    results = {"db": args.db, "rate": args.rate, "writers": args.writers, "batch": args.batch,
               "seconds": args.seconds, "runs": []}  # fmt: skip
    for every in args.sync_every:
        results["runs"].append(_lag_run(args, run_dir / f"lag-every-{every:g}", seeded, every, child_env))
    if args.first_sync:
        results["first_sync"] = _first_sync(args, run_dir / "first-sync", child_env)
    return results


def _database(args, name: str):
    if args.db != "postgres":
        return None
    from bench.surveys import _PostgresDb

    base = args.postgres_url.rsplit("/", 1)[0]
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    database = _PostgresDb(f"{base}/anbench_{stamp}_{name}")
    database.create()
    return database


def _cxloop(env: dict, cwd: Path, *argv: str) -> None:
    result = subprocess.run([sys.executable, "-m", "cxloop.cli", *argv], env=env, cwd=cwd,
                            capture_output=True, text=True, timeout=600)  # fmt: skip
    if result.returncode:
        sys.exit(f"cxloop {' '.join(argv)} failed:\n{result.stderr[-3000:]}")


def _child_json(kind: str, config: dict, env: dict) -> dict:
    from bench.analytics import run_child

    out = Path(config["out"])
    child = run_child(kind, config, env)
    if child.wait():
        sys.exit(f"the {kind} child failed")
    return json.loads(out.read_text())


def _lag_run(args, lag_dir: Path, seeded: Path | None, every: float, child_env) -> dict:
    lag_dir.mkdir(parents=True, exist_ok=True)
    database = _database(args, f"lag{every:g}")
    warehouse = lag_dir / "analytics.duckdb"
    children = []
    try:
        if seeded is not None:
            print(
                f"== lag: copying the warehouse {seeded} ({seeded.stat().st_size / 1e9:.2f} GB)", flush=True
            )
            shutil.copyfile(seeded, warehouse)
        env = child_env(lag_dir, warehouse, database.url if database else None)
        _cxloop(env, lag_dir, "migrate", "--verbosity", "0")
        setup = _child_json("lag-setup", {"out": str(lag_dir / "setup.json")}, env)
        print(f"== lag ({args.db}): {args.rate:,} events/s from {args.writers} writers for "
              f"{args.seconds:g} s, "
              f"sync {'back to back' if not every else f'every {every:g} s'}; warehouse from "
              f"{'the tiles file' if seeded else 'empty'} (events after id {setup['base_id']:,})",
              flush=True)  # fmt: skip
        stop = lag_dir / "stop"
        sync_out = lag_dir / "syncs.json"
        children.append(_start("lag-sync", {"every": every, "stop": str(stop), "out": str(sync_out)}, env))
        start_at = time.time() + 5
        ingest_outs = [lag_dir / f"ingest-{n}.json" for n in range(args.writers)]
        ingests = [
            _start("lag-ingest", {
                "store_id": setup["stores"][0], "rate": args.rate / args.writers, "batch": args.batch,
                "seconds": args.seconds, "start_at": start_at, "writer": n, "out": str(out),
            }, env)
            for n, out in enumerate(ingest_outs)
        ]  # fmt: skip
        children += ingests
        failed = [child.wait() for child in ingests]
        # Let the sync cover the end of the ingest: one more sync after it (a period later at most).
        time.sleep(min(every, args.seconds) + 3 if every else 3)
        stop.touch()
        if children[0].wait(timeout=600) or any(failed):
            sys.exit("a lag child failed")
        final = _child_json("lag-final", {
            "syncs": str(sync_out), "ingests": [str(p) for p in ingest_outs], "base_id": setup["base_id"],
            "stores": setup["stores"], "out": str(lag_dir / "final.json"),
        }, env)  # fmt: skip
        final["sync_every"] = every
        final["warehouse"] = "tiles copy" if seeded else "empty"
        _print_run(final)
        return final
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    child.wait(timeout=10)
        if database is not None and not args.keep:
            database.drop()


def _start(kind: str, config: dict, env: dict) -> subprocess.Popen:
    from bench.analytics import run_child

    return run_child(kind, config, env)


# -- children --------------------------------------------------------------------------------------


def child(kind: str, config: dict) -> None:
    import django

    django.setup()
    result = {"lag-setup": _setup, "lag-sync": _sync_loop, "lag-ingest": _ingest, "lag-final": _final,
              "source-seed": _seed_source, "first-sync": _time_first_sync}[kind](config)  # fmt: skip
    Path(config["out"]).write_text(json.dumps(result, indent=2, default=str))


def _setup(config: dict) -> dict:
    """The two stores (ids 1 and 2, as in the seeded warehouse), event ids after its, a first sync."""
    from django.db import connection

    from cxloop.analytics.sync import sync_warehouse
    from cxloop.analytics.warehouse import warehouse_path
    from cxloop.core.services import create_store

    stores = [
        create_store(name=name, currency="EUR", timezone="Europe/Warsaw", slug=slug)[0].pk
        for name, slug in (("Bench Big", "bench-big"), ("Bench Small", "bench-small"))
    ]
    base_id = 0
    if warehouse_path().exists():
        import duckdb

        con = duckdb.connect(str(warehouse_path()), read_only=True)
        base_id = con.execute("SELECT coalesce(max(id), 0) FROM events").fetchall()[0][0]
        con.close()
    if stores != [1, 2]:
        sys.exit(f"the scratch database gave the stores ids {stores}, not [1, 2]")
    if base_id:
        _continue_ids_after(connection, "commerce_event", base_id)
    began = time.perf_counter()
    sync_warehouse()
    return {"stores": stores, "base_id": base_id, "first_sync_seconds": time.perf_counter() - began}


def _continue_ids_after(connection, table: str, last_id: int) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, last_id])
        else:
            cursor.execute("DELETE FROM sqlite_sequence WHERE name = %s", [table])
            cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, last_id])


def _sync_loop(config: dict) -> dict:
    """sync_warehouse() back to back (every = 0) or on a fixed period, until the stop file appears."""
    from cxloop.analytics.sync import sync_warehouse
    from cxloop.analytics.warehouse import reading

    every, stop = config["every"], Path(config["stop"])
    syncs = []
    tick = time.time()
    while not stop.exists():
        if every:
            tick += every
            while time.time() < tick and not stop.exists():
                time.sleep(0.05)
            if stop.exists():
                break
        cpu = time.process_time()
        began = time.time()
        result = sync_warehouse()
        committed = time.time()
        cpu = time.process_time() - cpu
        with reading() as con:
            watermark, history = con.execute(
                "SELECT watermark_id, history FROM sync_state WHERE table_name = 'events'"
            ).fetchall()[0]
        copied_to = max([watermark or 0, *(seen for _at, seen in json.loads(history or "[]"))])
        syncs.append({"began": began, "committed": committed, "seconds": result.seconds, "cpu": cpu,
                      "copied": result.copied, "watermark": watermark, "copied_to": copied_to,
                      "after": time.time() - committed})  # fmt: skip
    return {"syncs": syncs}


def _ingest(config: dict) -> dict:
    """Storefront events through parse_events and record_events, paced to config["rate"] events/s."""
    from bench.ingest import _make_event
    from cxloop.commerce.services.events import parse_events, record_events
    from cxloop.core.models import Store

    store = Store.objects.get(pk=config["store_id"])
    batch, rate = config["batch"], config["rate"]
    prefix = f"w{config['writer']}-{os.getpid()}"
    interval = batch / rate
    record_events(store=store, events=parse_events([_make_event(prefix + "warm", 0, _now())]))
    while time.time() < config["start_at"]:
        time.sleep(0.01)
    started = time.time()
    deadline = started + config["seconds"]
    sent, latencies, behind, n = 0, [], 0.0, 0
    cpu = time.process_time()
    while True:
        due = started + n * interval
        now = time.time()
        if due >= deadline:
            break
        if due > now:
            time.sleep(due - now)
        else:
            behind = max(behind, now - due)
        occurred = _now()
        items = [_make_event(prefix, sent + i, occurred) for i in range(batch)]
        began = time.perf_counter()
        result = record_events(store=store, events=parse_events(items))
        latencies.append((time.perf_counter() - began) * 1000)
        sent += result.accepted
        n += 1
    ended = time.time()
    return {"started": started, "ended": ended, "events": sent, "batches": n, "max_behind_s": behind,
            "cpu_s": time.process_time() - cpu, "latency_ms": _stats(latencies)}  # fmt: skip


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _final(config: dict) -> dict:
    """One more sync, the completeness check, and the lag from the source's received_at."""
    from cxloop.analytics.sync import sync_warehouse
    from cxloop.analytics.warehouse import reading
    from cxloop.commerce.models import Event

    syncs = json.loads(Path(config["syncs"]).read_text())["syncs"]
    for sync in syncs:  # a sync before the first event leaves none
        sync["copied_to"] = sync["copied_to"] or config["base_id"]
    ingests = [json.loads(Path(p).read_text()) for p in config["ingests"]]
    base = config["base_id"]
    source = Event.objects.filter(id__gt=base).count()
    with reading() as con:
        before = con.execute("SELECT count(*) FROM events WHERE id > ?", [base]).fetchall()[0][0]
    time.sleep(OVERLAP_WAIT)
    sync_warehouse()
    with reading() as con:
        after = con.execute("SELECT count(*) FROM events WHERE id > ?", [base]).fetchall()[0][0]
    started, ended = min(i["started"] for i in ingests), max(i["ended"] for i in ingests)
    ingested = sum(i["events"] for i in ingests)
    lags = _lag_samples(syncs, base, started, ended)
    # The syncs from the start of the ingest on (the one after its end too) copy every event once at least.
    after_start = [s for s in syncs if s["committed"] >= started]
    copied = sum(s["copied"].get("events", 0) for s in after_start)
    busy = sum(s["seconds"] for s in after_start)
    # The syncs committed during the ingest (or, if none, the one after it).
    window = [s for s in after_start if s["committed"] <= ended + 1] or after_start[:1]
    freshness = [s["committed"] - _received(s["copied_to"]) for s in window if s["copied_to"] > base]
    return {
        "ingested": ingested, "ingest_seconds": ended - started,
        "achieved_rate": ingested / (ended - started),
        "writers": ingests, "source_events": source, "warehouse_events_at_stop": before,
        "warehouse_events_after_final_sync": after, "complete": after == source,
        "syncs": len(window), "sync_seconds": _stats([s["seconds"] for s in window]),
        "sync_rows_per_s": copied / busy if busy else None, "events_copied": copied,
        "copies_per_event": copied / ingested if ingested else None,
        "sync_cpu_us_per_row": sum(s["cpu"] for s in after_start) / copied * 1e6 if copied else None,
        "watermark_read_s": _stats([s["after"] for s in window]),
        "lag_s": _stats(lags, scale=1), "freshness_s": _stats(freshness, scale=1),
        "lag_goal_met": bool(lags) and max(lags) <= LAG_GOAL_SECONDS,
        "sync_log": [{k: s[k] for k in ("began", "committed", "seconds", "copied", "watermark", "copied_to")}
                     for s in syncs],
    }  # fmt: skip


def _received(event_id: int) -> float:
    from cxloop.commerce.models import Event

    return Event.objects.get(pk=event_id).received_at.timestamp()


def _lag_samples(syncs: list[dict], base: int, started: float, ended: float) -> list[float]:
    """Every second of the ingest: how old the oldest event missing from the warehouse was."""
    from cxloop.commerce.models import Event

    first_after = {}
    for copied_to in {base, *(s["copied_to"] for s in syncs)}:
        row = Event.objects.filter(id__gt=copied_to).order_by("id").values_list("received_at").first()
        first_after[copied_to] = row[0].timestamp() if row else math.inf
    committed = sorted((s["committed"], s["copied_to"]) for s in syncs)
    samples, at, latest = [], math.ceil(started), base
    index = 0
    while at <= ended:
        while index < len(committed) and committed[index][0] <= at:
            latest = max(latest, committed[index][1])
            index += 1
        oldest = first_after[latest]
        samples.append(max(0.0, at - oldest) if oldest <= at else 0.0)
        at += 1
    return samples


def _stats(values: list[float], scale: float = 1) -> dict | None:
    if not values:
        return None
    values = sorted(v * scale for v in values)
    p99 = values[min(len(values) - 1, round(0.99 * (len(values) - 1)))]
    return {"p50": round(statistics.median(values), 3), "p99": round(p99, 3), "max": round(values[-1], 3),
            "n": len(values)}  # fmt: skip


# -- the first full sync of a big source -----------------------------------------------------------


def _first_sync(args, work: Path, child_env) -> dict:
    from bench.analytics import sizes

    work.mkdir(parents=True, exist_ok=True)
    database = _database(args, "first")
    try:
        env = child_env(work, work / "analytics.duckdb", database.url if database else None)
        _cxloop(env, work, "migrate", "--verbosity", "0")
        print(f"== first sync ({args.db}): seeding the source with {args.customers:,} customers, "
              f"{args.orders:,} orders, {args.source_events:,} events", flush=True)  # fmt: skip
        config = {"sizes": sizes(args), "seed": args.seed, "events": args.source_events,
                  "out": str(work / "seed.json")}  # fmt: skip
        seeded = _child_json("source-seed", config, env)
        print(f"   seeded in {seeded['seconds']:.0f} s; syncing into an empty warehouse", flush=True)
        timed = _child_json("first-sync", {"out": str(work / "sync.json")}, env)
        result = {**seeded, "sync": timed}
        _print_first_sync(result)
        return result
    finally:
        if database is not None and not args.keep:
            database.drop()


def _seed_source(config: dict) -> dict:
    from bench import _analytics_seed as seed
    from cxloop.core.services import create_store

    for name, slug in (("Bench Big", "bench-big"), ("Bench Small", "bench-small")):
        create_store(name=name, currency="EUR", timezone="Europe/Warsaw", slug=slug)
    began = time.perf_counter()
    shop = seed.generate_shop([seed.Sizes(*s) for s in config["sizes"]], end=int(time.time() * 10**6),
                              seed=config["seed"])  # fmt: skip
    counts = seed.seed_source(shop, events=config["events"])
    return {"rows": counts, "seconds": time.perf_counter() - began}


def _time_first_sync(config: dict) -> dict:
    from cxloop.analytics.sync import sync_warehouse
    from cxloop.analytics.warehouse import warehouse_path

    cpu, began = time.process_time(), time.perf_counter()
    result = sync_warehouse()
    seconds = time.perf_counter() - began
    cpu = time.process_time() - cpu
    usage = resource.getrusage(resource.RUSAGE_SELF)
    # What every later sync costs when nothing changed: the reads of the tables copied by updated_at.
    idle = []
    for _ in range(3):
        began = time.perf_counter()
        sync_warehouse()
        idle.append(time.perf_counter() - began)
    return {"seconds": seconds, "cpu_s": cpu, "copied": result.copied,
            "rows_per_s": sum(result.copied.values()) / seconds, "max_rss_mb": usage.ru_maxrss / 1024,
            "warehouse_bytes": warehouse_path().stat().st_size, "idle_sync_s": idle,
            "rollups_differ": _rollups_differ()}  # fmt: skip


ROLLUP_COLUMNS = {
    "customer_orders": "store_id, customer_id, first_order_at, first_order_id, second_order_at",
    "session_days": "store_id, day_start, session_key, steps",
}


def _rollups_differ() -> dict:
    """Per rollup, the rows the sync kept chunk by chunk that a build from all the copied rows at once
    (rollups.prepare, as for a warehouse made before them) has not, and the other way round."""
    from cxloop.analytics import rollups
    from cxloop.analytics.warehouse import writing
    from cxloop.core.models import Store

    zones = {pk: rollups.zone_of(name) for pk, name in Store.objects.values_list("pk", "timezone")}
    with writing() as con:
        for name in ROLLUP_COLUMNS:
            con.execute(f"CREATE TEMP TABLE kept_{name} AS SELECT * FROM {name}")
        con.execute("DROP TABLE customer_orders")
        con.execute("DELETE FROM rollup_zones")  # every store's days cut again
        rollups.prepare(con, zones)
        differ = {}
        for name, columns in ROLLUP_COLUMNS.items():
            differ[name] = sum(
                con.execute(
                    f"SELECT count(*) FROM (SELECT {columns} FROM {a} EXCEPT ALL SELECT {columns} FROM {b})"
                ).fetchall()[0][0]
                for a, b in ((name, f"kept_{name}"), (f"kept_{name}", name))
            )
    return differ


# -- printing --------------------------------------------------------------------------------------


def _print_run(r: dict) -> None:
    lag, fresh = r["lag_s"] or {}, r["freshness_s"] or {}
    print(f"   ingested {r['ingested']:,} events in {r['ingest_seconds']:.1f} s = "
          f"{r['achieved_rate']:,.0f}/s; "
          f"{r['syncs']} syncs, p50 {(r['sync_seconds'] or {}).get('p50', 0):.2f} s; "
          f"lag p50 {lag.get('p50', 0):.1f} s, "
          f"p99 {lag.get('p99', 0):.1f} s, max {lag.get('max', 0):.1f} s; "
          f"freshness p50 {fresh.get('p50', 0):.1f} s; "
          f"complete: {r['complete']}", flush=True)  # fmt: skip


def _print_first_sync(r: dict) -> None:
    sync = r["sync"]
    print(f"   first full sync: {sync['seconds']:.1f} s for {sum(sync['copied'].values()):,} rows "
          f"({sync['rows_per_s']:,.0f} rows/s, CPU {sync['cpu_s']:.0f} s; {sync['copied']}); then a sync "
          f"with nothing new: {', '.join(f'{s:.2f}' for s in sync['idle_sync_s'])} s; rows of the rollups "
          f"unlike a build at once: {sync['rollups_differ']}", flush=True)  # fmt: skip


def print_results(lag: dict) -> None:
    print(f"\nWarehouse lag ({lag['db']}): {lag['rate']:,} events/s asked from {lag['writers']} writers "
          f"in batches of {lag['batch']}, {lag['seconds']:g} s")  # fmt: skip
    print(f"  {'sync':<14} {'warehouse':<10} {'events/s':>9} {'syncs':>6} {'sync p50 s':>10} {'rows/s':>9} "
          f"{'copies':>6} {'lag p50':>8} {'p99':>6} {'max':>6} {'fresh p50':>9} {'complete':>8}"
          "  goal")  # fmt: skip
    for r in lag["runs"]:
        lag_s, fresh = r["lag_s"] or {}, r["freshness_s"] or {}
        every = "back to back" if not r["sync_every"] else f"every {r['sync_every']:g} s"
        print(f"  {every:<14} {r['warehouse']:<10} {r['achieved_rate']:9,.0f} {r['syncs']:6d} "
              f"{(r['sync_seconds'] or {}).get('p50', 0):10.2f} {r['sync_rows_per_s'] or 0:9,.0f} "
              f"{r['copies_per_event'] or 0:6.2f} {lag_s.get('p50', 0):8.1f} {lag_s.get('p99', 0):6.1f} "
              f"{lag_s.get('max', 0):6.1f} {fresh.get('p50', 0):9.1f} {'yes' if r['complete'] else 'NO':>8}  "
              f"{'yes' if r['lag_goal_met'] else 'NO'}")  # fmt: skip
    print(
        "  lag: every second of the ingest, the age of the oldest event not yet in the warehouse;"
        " goal <= 60 s"
    )
    print("  fresh: per sync, its commit time minus the received_at of the newest event it copied")
    print("  copies: events the syncs copied per event ingested (each sync reads the last 10 s again)")
    if "first_sync" in lag:
        _print_first_sync(lag["first_sync"])
