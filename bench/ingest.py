"""`cxloop bench ingest`: events per second through the HTTP event API.

For each database (SQLite, PostgreSQL) the benchmark prepares a fresh
database, creates a store and an API key, starts `cxloop serve` as its own
process group, and runs a load generator in another process: N keep-alive
connections each POSTing batches of unique events to /api/v1/events for a
fixed time. Only 2xx answers count as acknowledged; a failed request is
retried with the same event ids, as a real client would. Afterwards it checks
that the events table holds exactly the acknowledged events (0 lost,
0 duplicated), then measures the raw insert rate of the same number of
equivalent rows into the same table on the same database (SQLite: one
`executemany` transaction with the server's PRAGMAs; PostgreSQL: one
`COPY ... FROM STDIN`). On Linux it also reports the CPU time spent per event
by the server, the PostgreSQL backends and the load generator, and by
PostgreSQL per row of the baseline: on a shared machine these vary much less
than the rates.

    cxloop bench ingest --db both --seconds 20 --connections 8 --batch 100

Results are printed as a table and written to var/bench/ingest-<timestamp>.json.
"""

import argparse
import asyncio
import contextlib
import json
import os
import platform
import re
import resource
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
GOALS = {"sqlite": 0.20, "postgres": 0.50}
P99_GOAL_MS = 100.0
WARMUP_REQUESTS = 3  # per connection, before the timed window
MAX_ATTEMPTS = 5
EVENT_COLUMNS = (
    "store_id", "event_id", "type", "customer_id", "anonymous_id", "session_id",
    "properties", "occurred_at", "received_at",
)  # fmt: skip
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000; "
    "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536;"
)


def main(argv: list[str]) -> None:
    if argv[:1] == ["--loadgen-worker"]:
        return _loadgen_worker(argv[1])
    args = _parse_args(argv)
    databases = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results = [_run(db, args) for db in databases]
    _print_table(results)
    path = _write_json(results, args)
    print(f"\nresults: {path}")
    if any(not r["verified"] for r in results):
        sys.exit("FAILED: stored rows differ from acknowledged events")


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="cxloop bench ingest", description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "postgresql", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument(
        "--postgres-url", default="postgres://postgres@127.0.0.1:5432/cxbench",
        help="scratch database, dropped and re-created (its name must contain 'bench')",
    )  # fmt: skip
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir and scratch DB")
    args = parser.parse_args(argv)
    if args.batch < 1 or args.batch > 1000 or args.connections < 1 or args.seconds <= 0:
        parser.error("--batch must be 1-1000, --connections >= 1, --seconds > 0")
    args.db = {"postgresql": "postgres"}.get(args.db, args.db)
    return args


# -- one run ---------------------------------------------------------------


def _run(db: str, args: argparse.Namespace) -> dict:
    print(f"\n== {db}: preparing", flush=True)
    workdir = Path(tempfile.mkdtemp(prefix=f"cxbench-{db}-"))
    database = _SqliteDb(workdir) if db == "sqlite" else _PostgresDb(args.postgres_url)
    server = None
    try:
        database.create()
        env = _server_env(workdir, database)
        _cxloop(env, "migrate", "--verbosity", "0")
        api_key = _create_store(env)
        store_id = database.scalar("SELECT id FROM core_store WHERE slug = 'bench'")
        database.snapshot_empty()
        port = _free_port()
        server = _start_server(env, port, args, workdir)
        print(f"== {db}: {args.connections} connections, batches of {args.batch}, "
              f"{args.seconds:g} s against {args.workers}x{args.threads} gunicorn", flush=True)  # fmt: skip
        cpu_before = (_group_cpu_seconds(server.pid), _children_cpu_seconds())
        load = _run_loadgen(port, api_key, args, workdir)
        cpu = {
            "server": _cpu_delta(_group_cpu_seconds(server.pid), cpu_before[0]),
            "database": database.backends_cpu_seconds(),
            "loadgen": _children_cpu_seconds() - cpu_before[1],
        }
        _stop_server(server)
        server = None
        stored = database.scalar(f"SELECT count(*) FROM commerce_event WHERE store_id = {store_id}")
        distinct = database.scalar(
            f"SELECT count(DISTINCT event_id) FROM commerce_event WHERE store_id = {store_id}"
        )
        print(f"== {db}: acknowledged {load['acknowledged']}, stored {stored} "
              f"(distinct {distinct}); raw baseline...", flush=True)  # fmt: skip
        rows = _baseline_rows(store_id, stored)
        baseline_seconds, cpu["baseline_database"] = database.raw_insert(rows)
        return _summarise(db, args, load, stored, distinct, len(rows), baseline_seconds, cpu)
    finally:
        if server is not None:
            _stop_server(server)
        if not args.keep:
            database.drop()
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"kept {workdir}")


def _summarise(db, args, load, stored, distinct, baseline_rows, baseline_seconds, cpu) -> dict:
    latencies = sorted(load["latencies_ms"])
    rate = load["timed_events"] / load["timed_seconds"] if load["timed_seconds"] else 0.0
    baseline_rate = baseline_rows / baseline_seconds if baseline_seconds else 0.0
    ratio = rate / baseline_rate if baseline_rate else 0.0
    p50, p99 = _percentile(latencies, 50), _percentile(latencies, 99)
    return {
        "db": db,
        "events_per_second": round(rate, 1),
        "requests": len(latencies),
        "p50_ms": round(p50, 2),
        "p99_ms": round(p99, 2),
        "max_ms": round(latencies[-1], 2) if latencies else None,
        "acknowledged": load["acknowledged"],
        "stored": stored,
        "stored_distinct": distinct,
        "verified": stored == distinct == load["acknowledged"],
        "non_2xx": load["non_2xx"],
        "retries": load["retries"],
        "failed_batches": load["failed"],
        "baseline_rows": baseline_rows,
        "baseline_seconds": round(baseline_seconds, 4),
        "baseline_rows_per_second": round(baseline_rate, 1),
        "ratio": round(ratio, 4),
        "ratio_goal": GOALS[db],
        "p99_goal_ms": P99_GOAL_MS,
        "goal_met": ratio >= GOALS[db] and p99 <= P99_GOAL_MS,
        # CPU per acknowledged event (warm-up included), and per baseline row.
        "cpu_us_per_event": {
            name: _per_million(seconds, load["acknowledged"])
            for name, seconds in cpu.items()
            if name != "baseline_database"
        },
        "baseline_cpu_us_per_row": _per_million(cpu["baseline_database"], baseline_rows),
    }


def _per_million(seconds: float | None, count: int) -> float | None:
    return round(seconds / count * 1e6, 1) if seconds is not None and count else None


def _percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    index = min(len(values) - 1, max(0, round(pct / 100 * len(values) + 0.5) - 1))
    return values[index]


# -- databases -------------------------------------------------------------


class _SqliteDb:
    """The server's SQLite file in a temp dir, plus an empty copy for the baseline."""

    def __init__(self, workdir: Path):
        self.path = workdir / "cxloop.sqlite3"
        self.empty_copy = workdir / "baseline.sqlite3"

    def create(self) -> None:
        pass  # `cxloop migrate` creates the file under CXLOOP_VAR_DIR

    def env(self) -> dict:
        return {}

    def scalar(self, sql: str):
        with contextlib.closing(sqlite3.connect(self.path)) as conn:
            return conn.execute(sql).fetchone()[0]

    def backends_cpu_seconds(self) -> None:
        return None  # SQLite runs inside the server processes

    def snapshot_empty(self) -> None:
        with contextlib.closing(sqlite3.connect(self.path)) as src:
            with contextlib.closing(sqlite3.connect(self.empty_copy)) as dst:
                src.backup(dst)

    def raw_insert(self, rows: list[tuple]) -> tuple[float, float]:
        """Insert rows into the empty copy in one transaction; return seconds and CPU seconds."""
        conn = sqlite3.connect(self.empty_copy, isolation_level=None)
        try:
            conn.executescript(SQLITE_PRAGMAS)
            sql = (
                f"INSERT INTO commerce_event ({', '.join(EVENT_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(EVENT_COLUMNS))})"
            )
            started, cpu_started = time.perf_counter(), time.process_time()
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(sql, rows)
            conn.execute("COMMIT")
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
            assert conn.execute("SELECT count(*) FROM commerce_event").fetchone()[0] == len(rows)
            return elapsed, cpu
        finally:
            conn.close()

    def drop(self) -> None:
        pass  # the temp dir goes


class _PostgresDb:
    """A scratch PostgreSQL database, dropped and re-created for each run."""

    def __init__(self, url: str):
        self.url = url
        parts = urllib.parse.urlsplit(url)
        self.name = parts.path.lstrip("/")
        if "bench" not in self.name:
            sys.exit(f"refusing to drop {self.name!r}: the scratch database name must contain 'bench'")  # noqa: E501
        if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            sys.exit("the benchmark only talks to a database on this machine")
        self.admin_url = urllib.parse.urlunsplit(parts._replace(path="/postgres"))

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(sql)

    def create(self) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self._admin(f'CREATE DATABASE "{self.name}"')

    def env(self) -> dict:
        return {"DATABASE_URL": self.url}

    def scalar(self, sql: str):
        import psycopg

        with psycopg.connect(self.url) as conn:
            return conn.execute(sql).fetchone()[0]

    def snapshot_empty(self) -> None:
        pass  # the baseline truncates the table instead

    def backends_cpu_seconds(self) -> float | None:
        """CPU time of the backends now connected to the scratch database (the server's)."""
        import psycopg

        with psycopg.connect(self.url) as conn:
            pids = [
                row[0]
                for row in conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid()"
                )
            ]
        times = [_process_cpu_seconds(pid) for pid in pids]
        return None if not times or None in times else sum(times)

    def raw_insert(self, rows: list[tuple]) -> tuple[float, float | None]:
        """TRUNCATE, then COPY the rows in one transaction; return seconds and backend CPU seconds."""
        import psycopg

        with psycopg.connect(self.url) as conn:
            conn.execute("TRUNCATE commerce_event")
            conn.commit()
            conn.execute("CHECKPOINT")  # the load's dirty pages should not tax the baseline
            backend = conn.info.backend_pid
            started, cpu_started = time.perf_counter(), _process_cpu_seconds(backend)
            with conn.cursor() as cur:
                with cur.copy(f"COPY commerce_event ({', '.join(EVENT_COLUMNS)}) FROM STDIN") as copy:  # noqa: E501
                    for row in rows:
                        copy.write_row(row)
            conn.commit()
            elapsed, cpu_ended = time.perf_counter() - started, _process_cpu_seconds(backend)
            assert conn.execute("SELECT count(*) FROM commerce_event").fetchone()[0] == len(rows)
            return elapsed, _cpu_delta(cpu_ended, cpu_started)

    def drop(self) -> None:
        with contextlib.suppress(Exception):
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def _baseline_rows(store_id: int, count: int) -> list[tuple]:
    """Rows equivalent to the API's: same shapes and sizes, fresh event ids."""
    import orjson

    now = datetime.now(UTC)
    stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f")
    rows = []
    for n in range(count):
        event = _make_event("base", n, now.isoformat())
        rows.append((
            store_id, event["event_id"], event["type"], None, event["anonymous_id"],
            event["session_id"], orjson.dumps(event["properties"]).decode(), stamp, stamp,
        ))  # fmt: skip
    return rows


# -- CPU accounting (Linux /proc; None elsewhere) ------------------------------


def _process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a live process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _group_cpu_seconds(pgid: int) -> float | None:
    """CPU seconds of the live processes of a process group (the server and its workers)."""
    total, found = 0.0, False
    for entry in Path("/proc").iterdir() if Path("/proc/self/stat").exists() else ():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[2]) == pgid:
                    total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
                    found = True
    return total if found else None


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _cpu_delta(after: float | None, before: float | None) -> float | None:
    return None if after is None or before is None else after - before


# -- server ----------------------------------------------------------------


def _server_env(workdir: Path, database) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DEBUG")}
    env.update(
        DJANGO_SETTINGS_MODULE="cxloop.settings",
        CXLOOP_VAR_DIR=str(workdir),
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=HOST,
        CXLOOP_HTTPS="0",
        LOG_LEVEL="WARNING",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")])),
        **database.env(),
    )
    return env


def _cxloop(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "cxloop.cli", *args],
        env=env, cwd=env["CXLOOP_VAR_DIR"], capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    if result.returncode:
        sys.exit(f"cxloop {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


def _create_store(env: dict) -> str:
    out = _cxloop(env, "store", "create", "Bench Store", "--currency", "EUR", "--slug", "bench")
    match = re.search(r"API key[^:]*:\s*(\S+)", out)
    if not match:
        sys.exit(f"no API key in the output of `cxloop store create`:\n{out}")
    return match.group(1)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _start_server(env: dict, port: int, args, workdir: Path) -> subprocess.Popen:
    log = open(workdir / "server.log", "wb")  # noqa: SIM115 (closed with the process)
    command = [
        sys.executable, "-m", "cxloop.cli", "serve", "--host", HOST, "--port", str(port),
        "--workers", str(args.workers), "--threads", str(args.threads), "--no-access-log",
    ]  # fmt: skip
    server = subprocess.Popen(
        command, env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    server.log = log
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"the server exited:\n{(workdir / 'server.log').read_text()[-3000:]}")
        with contextlib.suppress(OSError):
            with socket.create_connection((HOST, port), timeout=1) as sock:
                sock.sendall(f"GET /healthz HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode())  # noqa: E501
                if sock.recv(64).startswith(b"HTTP/1.1 200"):
                    return server
        time.sleep(0.2)
    _stop_server(server)
    sys.exit("the server did not answer /healthz within 30 s")


def _stop_server(server: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait()
    server.log.close()


# -- load generator ----------------------------------------------------------


def _run_loadgen(port: int, api_key: str, args, workdir: Path) -> dict:
    config = {
        "port": port, "api_key": api_key, "seconds": args.seconds,
        "connections": args.connections, "batch": args.batch,
        "prefix": secrets.token_hex(4), "out": str(workdir / "loadgen.json"),
    }  # fmt: skip
    subprocess.run(
        [sys.executable, "-m", "bench.ingest", "--loadgen-worker", json.dumps(config)],
        cwd=ROOT, check=True, timeout=args.seconds + 300,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")])},
    )  # fmt: skip
    return json.loads(Path(config["out"]).read_text())


TYPES = ("page_view", "page_view", "page_view", "product_view", "product_view", "add_to_cart")


def _make_event(prefix: str, n: int, occurred_at: str) -> dict:
    """A realistic storefront event: a page, a product view or an add to cart."""
    kind = TYPES[n % len(TYPES)]
    product = n * 7919 % 500
    if kind == "page_view":
        props = {"url": f"https://shop.example/collections/c{product % 20}", "title": "Summer sale",
                 "referrer": "https://www.google.com/"}  # fmt: skip
    elif kind == "product_view":
        props = {"product_id": f"p{product}", "name": f"Linen shirt {product}",
                 "price": "39.90", "currency": "EUR"}  # fmt: skip
    else:
        props = {"product_id": f"p{product}", "variant_id": f"v{product}-2",
                 "quantity": 1 + n % 3, "price": "39.90", "currency": "EUR"}  # fmt: skip
    return {
        "event_id": f"{prefix}-{n}",
        "type": kind,
        "anonymous_id": f"anon-{prefix}-{n // 25}",
        "session_id": f"s-{prefix}-{n // 25}",
        "occurred_at": occurred_at,
        "properties": props,
    }


def _loadgen_worker(config_json: str) -> None:
    config = json.loads(config_json)
    result = asyncio.run(_loadgen(config))
    Path(config["out"]).write_text(json.dumps(result))


async def _loadgen(config: dict) -> dict:
    stats = {"latencies_ms": [], "acknowledged": 0, "timed_events": 0, "non_2xx": {},
             "retries": 0, "failed": 0}  # fmt: skip
    start_gate = asyncio.Event()
    ready = []
    tasks = [
        asyncio.create_task(_connection(config, index, stats, start_gate, ready))
        for index in range(config["connections"])
    ]
    while len(ready) < config["connections"] and not any(t.done() for t in tasks):
        await asyncio.sleep(0.05)
    started = time.perf_counter()
    stats["deadline"] = started + config["seconds"]
    start_gate.set()
    await asyncio.gather(*tasks)
    stats["timed_seconds"] = max(stats.pop("last_done", started), started) - started
    stats.pop("deadline")
    return stats


async def _connection(config, index, stats, start_gate, ready) -> None:
    import orjson

    prefix = f"{config['prefix']}-c{index}"
    head = (
        f"POST /api/v1/events HTTP/1.1\r\nHost: {HOST}:{config['port']}\r\n"
        f"Authorization: Bearer {config['api_key']}\r\nContent-Type: application/json\r\n"
    ).encode()
    conn = [None, None]
    sequence = 0

    def next_body() -> bytes:
        nonlocal sequence
        now = datetime.now(UTC).isoformat()
        events = [_make_event(prefix, sequence + i, now) for i in range(config["batch"])]
        sequence += config["batch"]
        return orjson.dumps({"events": events})

    for _ in range(WARMUP_REQUESTS):
        await _post(config, head, next_body(), conn, stats, timed=False)
    ready.append(index)
    await start_gate.wait()
    while time.perf_counter() < stats["deadline"]:
        await _post(config, head, next_body(), conn, stats, timed=True)
    if conn[1] is not None:
        conn[1].close()


async def _post(config, head: bytes, body: bytes, conn: list, stats: dict, *, timed: bool) -> None:
    """POST one batch until a 2xx; retry with the same ids on errors, as clients do."""
    request = head + f"Content-Length: {len(body)}\r\n\r\n".encode() + body
    for attempt in range(MAX_ATTEMPTS):
        if attempt:
            stats["retries"] += 1
            await asyncio.sleep(0.05 * attempt)
        started = time.perf_counter()
        try:
            if conn[0] is None:
                conn[0], conn[1] = await asyncio.open_connection(HOST, config["port"])
            conn[1].write(request)
            status, payload, keep_alive = await asyncio.wait_for(_read_response(conn[0]), 60)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
            if conn[1] is not None:
                conn[1].close()
            conn[0] = conn[1] = None
            stats["non_2xx"]["connection error"] = stats["non_2xx"].get("connection error", 0) + 1
            continue
        finished = time.perf_counter()
        if not keep_alive:
            conn[1].close()
            conn[0] = conn[1] = None
        if 200 <= status < 300:
            answer = json.loads(payload)
            stats["acknowledged"] += answer["accepted"]
            if timed:
                stats["latencies_ms"].append((finished - started) * 1000)
                stats["timed_events"] += answer["accepted"] + answer["duplicates"]
                stats["last_done"] = max(stats.get("last_done", 0), finished)
            return
        stats["non_2xx"][str(status)] = stats["non_2xx"].get(str(status), 0) + 1
    stats["failed"] += 1


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    status_line = await reader.readline()
    if not status_line:
        raise asyncio.IncompleteReadError(b"", None)
    status = int(status_line.split(b" ", 2)[1])
    length, keep_alive = 0, True
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value.strip())
        elif name == b"connection" and value.strip().lower() == b"close":
            keep_alive = False
    return status, await reader.readexactly(length), keep_alive


# -- report ------------------------------------------------------------------


def _print_table(results: list[dict]) -> None:
    header = ("db", "events/s", "p50 ms", "p99 ms", "acknowledged", "stored", "baseline rows/s",
              "ratio", "goal", "met")  # fmt: skip
    rows = [header]
    for r in results:
        rows.append((
            r["db"], f"{r['events_per_second']:,.0f}", f"{r['p50_ms']:.1f}", f"{r['p99_ms']:.1f}",
            f"{r['acknowledged']:,}", f"{r['stored']:,}", f"{r['baseline_rows_per_second']:,.0f}",
            f"{r['ratio']:.1%}", f">={r['ratio_goal']:.0%}, p99<={r['p99_goal_ms']:.0f}",
            "yes" if r["goal_met"] else "NO",
        ))  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    print()
    for row in rows:
        print("  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)))
    for r in results:
        lost = r["acknowledged"] - r["stored_distinct"]
        dup = r["stored"] - r["stored_distinct"]
        print(f"{r['db']}: lost {max(lost, 0)}, duplicated {dup}, extra {max(-lost, 0)}, "
              f"non-2xx {r['non_2xx'] or 0}, retries {r['retries']}, "
              f"failed {r['failed_batches']}")  # fmt: skip
        cpu = ", ".join(f"{name} {us:g}" for name, us in r["cpu_us_per_event"].items() if us is not None)
        if cpu:
            print(f"{r['db']}: CPU µs per event: {cpu}; "
                  f"baseline {r['baseline_cpu_us_per_row']} per row")  # fmt: skip


def _write_json(results: list[dict], args) -> Path:
    out_dir = ROOT / "var" / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = out_dir / f"ingest-{stamp}.json"
    doc = {
        "benchmark": "ingest",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "options": {k: v for k, v in vars(args).items() if k != "keep"},
        "results": results,
    }
    path.write_text(json.dumps(doc, indent=2))
    return path


if __name__ == "__main__":
    main(sys.argv[1:])
