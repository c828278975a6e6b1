"""`cxloop bench contention`: how long logins, survey answers and event batches take while an import runs.

On a fresh SQLite installation in a temporary directory, the benchmark starts
`cxloop serve` (gunicorn, 2 workers x 4 threads) and `cxloop worker`, then
sends the same mix of requests twice from N client threads over real HTTP
(cxloop/testing/contention.py, shared with the reliability test):

1. baseline: no import running;
2. under contention: while the worker imports a generated Shopify customers
   export (30,000 rows by default), the import having committed its first batch.

After a warm-up (6 requests of each kind), each mix is R logins (the login
page, then its form), R survey answers (half by the answer page, half by
the public API, each from its own address) and R event batches of 50 page
views, interleaved. For each kind and phase it prints the count, the
failures, and the p50, p99 and max latency (a login counts its page and its
form), and how far the import went while the requests ran. The goal: no
request fails, and none takes more than 2 s while the import runs.

    cxloop bench contention                 # --rows 30000 --requests 100 --clients 6

Results are printed and written to var/bench/contention-<timestamp>.json.
"""

import argparse
import json
import os
import platform
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_MAX_SECONDS = 2.0
WARMUP = 6  # requests of each kind before the baseline: every gunicorn thread has served once
KINDS = ("login", "answer", "events")


def main(argv: list[str]) -> None:
    from cxloop.testing.contention import Installation, ProgressWatch, plan, run_requests

    args = _parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="cxbench-contention-"))
    started = time.monotonic()
    try:
        print("== preparing a fresh SQLite installation", flush=True)
        with Installation(workdir, invitations=WARMUP + 2 * args.requests) as site:
            site.start(server=True, worker=True)
            run_requests(plan(site, logins=WARMUP, answers=WARMUP, batches=WARMUP), clients=args.clients)
            mix = {"logins": args.requests, "answers": args.requests, "batches": args.requests}
            print(
                f"== baseline: {3 * args.requests} requests from {args.clients} clients, no import",
                flush=True,
            )
            baseline = run_requests(plan(site, **mix, first_invitation=WARMUP), clients=args.clients)
            job = site.queue_import(rows=args.rows)
            site.wait_for(lambda: site.import_state(job)[1] > 0, what="the import's first batch")
            print(f"== contention: the same requests while importing {args.rows:,} customers", flush=True)
            import_started = time.monotonic()
            with ProgressWatch(site, job) as progress:
                contended = run_requests(
                    plan(site, **mix, first_invitation=WARMUP + args.requests), clients=args.clients
                )
            site.wait_for(lambda: site.import_state(job)[0] != "running", what="the import", seconds=3600)
            import_seconds = time.monotonic() - import_started
            status, rows = site.import_state(job)
            locked = site.log("server").count("database is locked") + site.log("worker").count(
                "database is locked"
            )
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    result = {
        "phases": {"baseline": _summary(baseline), "import": _summary(contended)},
        "import": {
            "rows": args.rows,
            "status": status,
            "rows_done": rows,
            "rows_during_requests": progress.samples[-1] - progress.samples[0],
            "seconds_from_first_batch": round(import_seconds, 1),
        },
        "locked_in_logs": locked,
        "run_seconds": round(time.monotonic() - started, 1),
        "requests_per_kind": args.requests,
        "clients": args.clients,
        "machine": _machine(),
    }
    _print(result)
    path = _write_json(result)
    print(f"\nresults: {path}")
    if not _succeeded(result):
        sys.exit("FAILED: a request failed, or the import did not complete")


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="cxloop bench contention", description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=30_000, help="rows of the customers export imported")
    parser.add_argument("--requests", type=int, default=100, help="requests of each kind, per phase")
    parser.add_argument("--clients", type=int, default=6, help="client threads sending at once")
    parser.add_argument("--keep", action="store_true", help="keep the temporary installation")
    args = parser.parse_args(argv)
    if args.rows < 1 or args.requests < 1 or args.clients < 1:
        parser.error("--rows, --requests and --clients must be at least 1")
    return args


def _summary(results) -> dict:
    summary = {}
    for kind in KINDS:
        mine = [r for r in results if r.kind == kind]
        seconds = sorted(r.seconds for r in mine)
        summary[kind] = {
            "count": len(mine),
            "failed": sum(not r.ok for r in mine),
            "server_errors": sum(r.status >= 500 for r in mine),
            "statuses": sorted({r.status for r in mine}),
            "p50_ms": _ms(_quantile(seconds, 0.50)),
            "p99_ms": _ms(_quantile(seconds, 0.99)),
            "max_ms": _ms(seconds[-1] if seconds else 0.0),
        }
    return summary


def _quantile(ordered: list[float], q: float) -> float:
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def _succeeded(result: dict) -> bool:
    """Every request of both phases succeeded, and the import completed."""
    phases = result["phases"]
    no_failures = all(k["failed"] == 0 for phase in phases.values() for k in phase.values())
    return no_failures and result["import"]["status"] == "done"


def _met(result: dict) -> bool:
    """The goal: everything succeeded, and no request took longer than 2 s during the import."""
    fast = all(k["max_ms"] <= GOAL_MAX_SECONDS * 1000 for k in result["phases"]["import"].values())
    return _succeeded(result) and fast


def _print(result: dict) -> None:
    print(f"\n{'kind':<8} {'phase':<9} {'n':>4} {'failed':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for kind in KINDS:
        for phase in ("baseline", "import"):
            s = result["phases"][phase][kind]
            print(
                f"{kind:<8} {phase:<9} {s['count']:>4} {s['failed']:>6} "
                f"{s['p50_ms']:>8.1f} {s['p99_ms']:>8.1f} {s['max_ms']:>8.1f}"
            )
    imported = result["import"]
    print(
        f"\nimport: {imported['status']}, {imported['rows_done']:,} rows, "
        f"{imported['rows_during_requests']:,} of them while the requests ran; "
        f"{imported['seconds_from_first_batch']} s from its first batch. "
        f"'database is locked' in the logs: {result['locked_in_logs']}.\n"
        f"all succeeded: {_succeeded(result)}; none over 2 s during the import: {_met(result)}; "
        f"load average at the end: {result['machine']['load_average']}"
    )


def _machine() -> dict:
    return {
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "platform": platform.platform(),
    }


def _write_json(result: dict) -> Path:
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"contention-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(result, indent=2))
    return path
