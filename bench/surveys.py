"""`cxloop bench surveys`: survey invitations sent, answer pages served, results computed.

For each database (SQLite, PostgreSQL) the benchmark prepares a fresh scratch
database and measures three things, each beside a baseline measured in the
same run on the same machine:

a. send: N queued invitations of an active NPS survey (customers who opted
   in, each with the contact-ledger entry `invite_customer` reserves) go out
   through the worker's code, `send_invitations_task` (claim, send-time
   checks, build the email, Django's SMTP backend, record), run by P worker
   processes side by side, to an aiosmtpd sink in its own process that keeps
   the Message-ID of every message. Afterwards the sink must hold exactly N
   messages with N distinct Message-IDs, the same as the N sent invitations
   recorded. Baseline: N pre-built minimal messages sent with smtplib over
   one connection to a fresh sink. The workers run `send_invitations_task`
   over batches of SEND_BATCH ids (surveys/services/batches.py), as a
   manual send enqueues them.
b. page: `cxloop serve` (gunicorn) against that database and a load generator
   in another process (httpx with asyncio, C concurrent connections):
   GET /s/<token>/?score=N over the sent invitations, each link opened once
   as an email click would, for S seconds, with p50/p99 latency. Baseline:
   GET /healthz from the same server under the same load. Then POST submits
   (score and sometimes a comment) to other invitations for S seconds. Submits
   are limited per client address (surveys/ratelimit.py, 10 a minute), so
   the server runs with CXLOOP_BEHIND_PROXY=1 and every submit carries its
   own X-Forwarded-For address, as customers behind a proxy would; the
   limiter still runs on every submit. Afterwards the responses table must
   hold one answer per accepted submit.
c. results: M responses (default 1,000,000) bulk-inserted into one survey,
   then the results page's numbers computed by `surveys.results` against the
   same numbers from one hand-written SQL aggregate, timed in the same run;
   both must agree.

    cxloop bench surveys --db both --invitations 100000 --seconds 20 --connections 100

Results are printed as a table and written to var/bench/surveys-<timestamp>.json.
"""

import argparse
import asyncio
import contextlib
import json
import os
import platform
import re
import secrets
import shutil
import signal
import smtplib
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
FROM_EMAIL = "Bench Store <surveys@bench.example>"
PREPARE_CHUNK = 5000
WARMUP_REQUESTS = 2  # per connection, before the timed window
PAGE_TOKENS = 40_000  # invitation links the page phases use (each GET opens one)
MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*(?:\r?\n[ \t]+)?(<[^>\r\n]*>)", re.MULTILINE | re.IGNORECASE)
COMMENTS = (
    "Fast delivery, thank you!",
    "Rozmiar idealny, polecam.",
    "Piegāde bija ātra.",
    "بسته‌بندی عالی بود.",
    "物流很快，包装也很好。",
)


def main(argv: list[str]) -> None:
    if argv[:1] == ["--smtp-sink"]:
        return _smtp_sink(int(argv[1]), Path(argv[2]))
    if argv[:1] == ["--child"]:
        return _child(argv[1])
    if argv[:1] == ["--loadgen"]:
        return _loadgen_main(argv[1])
    args = _parse_args(argv)
    databases = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results = [_run(db, args) for db in databases]
    _print_table(results)
    path = _write_json(results, args)
    print(f"\nresults: {path}")
    if failed := [f"{r['db']}: {check}" for r in results for check in r["failed_checks"]]:
        sys.exit("FAILED: " + "; ".join(failed))


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="cxloop bench surveys", description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "postgresql", "both"], default="both")
    parser.add_argument("--parts", default="send,page,results", help="any of send,page,results")
    parser.add_argument("--invitations", type=int, default=100_000)
    parser.add_argument("--send-processes", type=int, default=2, help="worker processes sending")
    parser.add_argument("--seconds", type=float, default=20.0, help="per page phase")
    parser.add_argument("--connections", type=int, default=100)
    parser.add_argument("--responses", type=int, default=1_000_000, help="for the results part")
    parser.add_argument(
        "--postgres-url", default="postgres://postgres@127.0.0.1:5432/cxbench_surveys",
        help="scratch database, dropped and re-created (its name must contain 'bench')",
    )  # fmt: skip
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir and scratch DB")
    args = parser.parse_args(argv)
    args.db = {"postgresql": "postgres"}.get(args.db, args.db)
    args.parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    if unknown := set(args.parts) - {"send", "page", "results"}:
        parser.error(f"unknown part(s): {', '.join(sorted(unknown))}")
    if "page" in args.parts and "send" not in args.parts:
        parser.error("the page part answers the invitations the send part sent: add 'send'")
    if args.invitations < 1 or args.connections < 1 or args.seconds <= 0 or args.send_processes < 1:
        parser.error("--invitations, --connections and --send-processes must be >= 1, --seconds > 0")
    return args


# -- one database -------------------------------------------------------------------------------------


def _run(db: str, args: argparse.Namespace) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix=f"cxbench-surveys-{db}-"))
    database = _SqliteDb(workdir) if db == "sqlite" else _PostgresDb(args.postgres_url)
    result = {"db": db, "failed_checks": []}
    try:
        print(f"\n== {db}: preparing", flush=True)
        database.create()
        env = _env(workdir, database)
        _cxloop(env, "migrate", "--verbosity", "0")
        if "send" in args.parts:
            prepared = _run_child(env, workdir, "prepare", invitations=args.invitations)
            result["send"] = _part_send(env, workdir, database, prepared, args)
        if "page" in args.parts:
            result["page"] = _part_page(env, workdir, database, prepared, args)
        if "results" in args.parts:
            result["results"] = _part_results(env, workdir, args)
        for part in ("send", "page", "results"):
            result["failed_checks"] += [f"{part}: {c}" for c in result.get(part, {}).get("failed_checks", [])]
        return result
    finally:
        if args.keep:
            print(f"kept {workdir} and the scratch database")
        else:
            database.drop()
            shutil.rmtree(workdir, ignore_errors=True)


def _env(workdir: Path, database, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DEBUG")}
    env.update(
        DJANGO_SETTINGS_MODULE="cxloop.settings",
        CXLOOP_VAR_DIR=str(workdir),
        SECRET_KEY=_secret_key(workdir),
        ALLOWED_HOSTS=HOST,
        CXLOOP_HTTPS="0",
        LOG_LEVEL="WARNING",
        DEFAULT_FROM_EMAIL=FROM_EMAIL,
        CXLOOP_PUBLIC_URL="https://surveys.bench.example",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), str(ROOT / "src"), env.get("PYTHONPATH")])),
        **database.env(),
        **extra,
    )
    return env


def _secret_key(workdir: Path) -> str:
    """One key per run, shared by the children and the server (links signed by one open in the other)."""
    path = workdir / "secret-key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text()


def _cxloop(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "cxloop.cli", *args],
        env=env, cwd=env["CXLOOP_VAR_DIR"], capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    if result.returncode:
        sys.exit(f"cxloop {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


def _run_child(env: dict, workdir: Path, action: str, **config) -> dict:
    """Run one Django step in a fresh process (settings come from `env`); return what it reports."""
    out = workdir / f"{action}-{secrets.token_hex(3)}.json"
    config = json.dumps({"action": action, "out": str(out), **config})
    subprocess.run(
        [sys.executable, "-m", "bench.surveys", "--child", config],
        env=env,
        cwd=ROOT,
        check=True,
        timeout=7200,
    )
    return json.loads(out.read_text())


# -- a. send ------------------------------------------------------------------------------------------


def _part_send(env: dict, workdir: Path, database, prepared: dict, args) -> dict:
    n = args.invitations
    print(f"== send: {n:,} invitations by {args.send_processes} worker processes", flush=True)
    with _Sink(workdir, "send") as sink:
        send_env = {**env, "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                    "EMAIL_HOST": HOST, "EMAIL_PORT": str(sink.port)}  # fmt: skip
        workers = _run_send_workers(send_env, workdir, prepared["survey_id"], args.send_processes)
    received = sink.received
    seconds = max(w["finished"] for w in workers) - min(w["started"] for w in workers)
    statuses = sum((Counter(w["statuses"]) for w in workers), Counter())
    recorded = database.column(
        "SELECT message_id FROM surveys_invitation "
        f"WHERE survey_id = {prepared['survey_id']} AND status = 'sent'"
    )
    print(f"== send: baseline, {n:,} minimal messages over one smtplib connection", flush=True)
    with _Sink(workdir, "baseline") as sink:
        baseline_seconds = _smtplib_baseline(sink.port, n)
    baseline_received = sink.received
    checks = {
        "sink received N messages": len(received) == n,
        "N distinct Message-IDs": len(set(received)) == n,
        "every invitation sent": statuses == Counter({"sent": n}) and len(recorded) == n,
        "sink Message-IDs = recorded Message-IDs": set(received) == set(recorded),
        "baseline sink received N distinct": len(set(baseline_received)) == len(baseline_received) == n,
    }
    rate, baseline_rate = n / seconds, n / baseline_seconds
    return {
        "invitations": n,
        "processes": args.send_processes,
        "seconds": round(seconds, 2),
        "per_second": round(rate, 1),
        "received": len(received),
        "duplicates": len(received) - len(set(received)),
        "statuses": dict(statuses),
        "worker_cpu_seconds": round(sum(w["cpu"] for w in workers), 2),
        "worker_cpu_ms_per_invitation": round(sum(w["cpu"] for w in workers) * 1000 / n, 2),
        "baseline_seconds": round(baseline_seconds, 2),
        "baseline_per_second": round(baseline_rate, 1),
        "ratio": round(rate / baseline_rate, 4),
        "checks": checks,
        "failed_checks": [name for name, ok in checks.items() if not ok],
    }


def _run_send_workers(env: dict, workdir: Path, survey_id: int, processes: int) -> list[dict]:
    """Start the workers, let them load their ids, then release them at once; return their reports."""
    go = workdir / "send-go"
    procs, outs, ready = [], [], []
    for index in range(processes):
        out, flag = workdir / f"send-{index}.json", workdir / f"send-{index}.ready"
        config = {"action": "send", "out": str(out), "survey_id": survey_id, "index": index,
                  "processes": processes, "ready": str(flag), "go": str(go)}  # fmt: skip
        procs.append(subprocess.Popen([sys.executable, "-m", "bench.surveys", "--child", json.dumps(config)],
                                      env=env, cwd=ROOT))  # fmt: skip
        outs.append(out)
        ready.append(flag)
    while not all(flag.exists() for flag in ready):
        if any(p.poll() not in (None, 0) for p in procs):
            sys.exit("a send worker failed")
        time.sleep(0.05)
    go.write_text("")
    for proc in procs:
        if proc.wait() != 0:
            sys.exit("a send worker failed")
    return [json.loads(out.read_text()) for out in outs]


def _smtplib_baseline(port: int, n: int) -> float:
    """Seconds to send n pre-built minimal messages over one SMTP connection."""
    messages = [
        (f"c{i}@bench.example",
         (f"From: {FROM_EMAIL}\r\nTo: c{i}@bench.example\r\nSubject: Your feedback\r\n"
          f"Message-ID: <baseline.{i}@bench.example>\r\nMIME-Version: 1.0\r\n"
          f"Content-Type: text/plain; charset=utf-8\r\n\r\nHow likely are you to recommend us?\r\n").encode())
        for i in range(n)
    ]  # fmt: skip
    started = time.perf_counter()
    with smtplib.SMTP(HOST, port) as smtp:
        for to, message in messages:
            smtp.sendmail("surveys@bench.example", [to], message)
    return time.perf_counter() - started


class _Sink:
    """The aiosmtpd sink process; `received` is the list of Message-IDs it took, once stopped."""

    def __init__(self, workdir: Path, name: str):
        self.port = _free_port()
        self.out = workdir / f"sink-{name}.json"
        self.received: list[str] = []

    def __enter__(self) -> "_Sink":
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.surveys", "--smtp-sink", str(self.port), str(self.out)],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")])},
        )  # fmt: skip
        _wait_for_port(self.port, self.proc, "the SMTP sink")
        return self

    def __exit__(self, *exc) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=120)
        if self.out.exists():
            self.received = json.loads(self.out.read_text())["message_ids"]


def _smtp_sink(port: int, out: Path) -> None:
    """Accept every message; on SIGTERM, write the Message-IDs received (in order) and exit."""
    import logging

    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.ERROR)

    class Handler:
        def __init__(self):
            self.message_ids: list[str] = []

        async def handle_DATA(self, server, session, envelope):
            found = MESSAGE_ID.search(envelope.content)
            self.message_ids.append(found.group(1).decode() if found else "")
            return "250 OK"

    handler = Handler()
    controller = Controller(handler, hostname=HOST, port=port)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    controller.start()
    stop.wait()
    controller.stop()
    out.write_text(json.dumps({"message_ids": handler.message_ids}))


# -- b. page ------------------------------------------------------------------------------------------


def _part_page(env: dict, workdir: Path, database, prepared: dict, args) -> dict:
    tokens = _run_child(env, workdir, "tokens", survey_id=prepared["survey_id"], count=PAGE_TOKENS)["tokens"]
    half = len(tokens) // 2
    server_env = {**env, "CXLOOP_BEHIND_PROXY": "1"}
    port = _free_port()
    server = _start_server(server_env, port, args, workdir)
    try:
        print(f"== page: {args.connections} connections, {args.seconds:g} s per phase against "
              f"{args.workers}x{args.threads} gunicorn", flush=True)  # fmt: skip
        clicks = [f"/s/{token}/?score={i % 11}" for i, token in enumerate(tokens[:half])]
        phases = [
            {"name": "page", "method": "GET", "paths": clicks},
            {"name": "healthz", "method": "GET", "paths": ["/healthz"]},
            {"name": "submit", "method": "POST", "paths": [f"/s/{t}/" for t in tokens[half:]]},
        ]  # fmt: skip
        load = _run_loadgen(port, phases, args, workdir, server.pid, database)
    finally:
        _stop_server(server)
    answered = database.scalar(
        f"SELECT count(*) FROM surveys_response WHERE survey_id = {prepared['survey_id']}"
    )
    page, healthz, submit = (load[name] for name in ("page", "healthz", "submit"))
    checks = {
        "page: every answer 200": set(page["statuses"]) == {"200"},
        "healthz: every answer 200": set(healthz["statuses"]) == {"200"},
        "submit: every answer 302": set(submit["statuses"]) == {"302"},
        "one response per accepted submit": answered == submit["distinct_ok"],
    }
    return {
        "connections": args.connections,
        "server": f"{args.workers}x{args.threads}",
        "page": page,
        "healthz": healthz,
        "submit": submit,
        "ratio": round(page["per_second"] / healthz["per_second"], 4),
        "responses_stored": answered,
        "checks": checks,
        "failed_checks": [name for name, ok in checks.items() if not ok],
    }


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
    _wait_for_port(port, server, "the server", path="/healthz")
    return server


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


def _run_loadgen(port: int, phases: list[dict], args, workdir: Path, server_pgid: int, database) -> dict:
    config = {"port": port, "phases": phases, "seconds": args.seconds, "connections": args.connections,
              "out": str(workdir / "loadgen.json"), "server_pgid": server_pgid,
              "database_url": database.env().get("DATABASE_URL", "")}  # fmt: skip
    config_path = workdir / "loadgen-config.json"
    config_path.write_text(json.dumps(config))
    subprocess.run(
        [sys.executable, "-m", "bench.surveys", "--loadgen", str(config_path)],
        cwd=ROOT, check=True, timeout=len(phases) * (args.seconds + 300),
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")])},
    )  # fmt: skip
    return json.loads(Path(config["out"]).read_text())


def _loadgen_main(config_path: str) -> None:
    config = json.loads(Path(config_path).read_text())
    results = {}
    for phase in config["phases"]:
        results[phase["name"]] = asyncio.run(_load_phase(config, phase))
        print(f"   {phase['name']}: {results[phase['name']]['per_second']:,.0f}/s, "
              f"p50 {results[phase['name']]['p50_ms']} ms, p99 {results[phase['name']]['p99_ms']} ms",
              flush=True)  # fmt: skip
    Path(config["out"]).write_text(json.dumps(results))


async def _load_phase(config: dict, phase: dict) -> dict:
    """C connections, each working through its own share of the paths; timed after a warm-up."""
    import httpx

    connections = config["connections"]
    stats = {"latencies": [], "statuses": Counter(), "ok_paths": set(), "timed": 0, "retries": Counter()}
    # One client per connection: a shared pool of 100 costs httpx about 5 ms of CPU per request
    # (measured), four times what the requests themselves cost it.
    clients = [
        httpx.AsyncClient(
            base_url=f"http://{HOST}:{config['port']}", limits=httpx.Limits(max_connections=1), timeout=120
        )
        for _ in range(connections)
    ]
    gate, ready = asyncio.Event(), []
    tasks = [
        asyncio.create_task(_connection(client, phase, index, connections, stats, gate, ready))
        for index, client in enumerate(clients)
    ]
    while len(ready) < connections and not any(t.done() for t in tasks):
        await asyncio.sleep(0.02)
    server_cpu, database_cpu = _group_cpu_seconds(config["server_pgid"]), _backend_cpu(config["database_url"])
    cpu, started = time.process_time(), time.perf_counter()
    stats["deadline"] = started + config["seconds"]
    gate.set()
    await asyncio.gather(*tasks)
    elapsed = max(stats.get("last_done", started), started) - started
    cpu = time.process_time() - cpu
    server_cpu = _group_cpu_seconds(config["server_pgid"]) - server_cpu
    after = _backend_cpu(config["database_url"])
    database_cpu = sum(seconds - database_cpu.get(pid, 0.0) for pid, seconds in after.items())
    for client in clients:
        await client.aclose()
    latencies = sorted(stats["latencies"])
    return {
        "requests": stats["timed"],
        "seconds": round(elapsed, 2),
        "per_second": round(stats["timed"] / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(_percentile(latencies, 50), 1),
        "p99_ms": round(_percentile(latencies, 99), 1),
        "statuses": dict(stats["statuses"]),
        "distinct_ok": len(stats["ok_paths"]),
        "retries": dict(stats["retries"]),
        "loadgen_cpu_seconds": round(cpu, 2),
        # CPU per request varies much less than the rates on a shared machine.
        "cpu_ms_per_request": {
            "server": _per_request(server_cpu, stats["timed"]),
            "database": _per_request(database_cpu, stats["timed"]) if config["database_url"] else None,
            "loadgen": _per_request(cpu, stats["timed"]),
        },
    }


async def _connection(client, phase: dict, index: int, connections: int, stats, gate, ready) -> None:
    paths = phase["paths"]
    mine = paths[index::connections] or paths
    position = 0

    async def one(timed: bool) -> None:
        nonlocal position
        number = index + position * connections
        path = mine[position % len(mine)]
        position += 1
        if phase["method"] == "GET":
            request = client.build_request("GET", path)
        else:
            form = {"score": str(number % 11)}
            if number % 3 == 0:
                form["comment"] = COMMENTS[number % len(COMMENTS)]
            # One address per customer: submits are limited per client address.
            forwarded = f"10.{number >> 16 & 255}.{number >> 8 & 255}.{number & 255}"
            request = client.build_request("POST", path, data=form, headers={"X-Forwarded-For": forwarded})
        started = time.perf_counter()
        status = await _send_request(client, request, stats)
        finished = time.perf_counter()
        if timed:
            stats["latencies"].append((finished - started) * 1000)
            stats["statuses"][status] += 1
            stats["timed"] += 1
            stats["last_done"] = max(stats.get("last_done", 0), finished)
            if status in ("200", "302"):
                stats["ok_paths"].add(path)

    for _ in range(WARMUP_REQUESTS if phase["method"] == "GET" else 0):
        await one(timed=False)
    ready.append(index)
    await gate.wait()
    while time.perf_counter() < stats["deadline"]:
        await one(timed=True)


async def _send_request(client, request, stats) -> str:
    """The answer's status; a request the server closed the connection on is sent again, as browsers do.

    gunicorn closes keep-alive connections idle for 2 s, which a connection
    waiting for the timed window may be; the answer page's POST is idempotent.
    """
    import httpx

    for attempt in range(3):
        try:
            answer = await client.send(request)
            return str(answer.status_code)
        except httpx.TransportError as error:
            stats["retries"][type(error).__name__] += 1
            if attempt == 2:
                return type(error).__name__


def _per_request(seconds: float, requests: int) -> float | None:
    return round(seconds * 1000 / requests, 2) if requests else None


def _group_cpu_seconds(pgid: int) -> float:
    """User + system CPU seconds of the live processes of a process group (the server and its workers)."""
    total, tick = 0.0, os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[2]) == pgid:
                    total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _backend_cpu(url: str) -> dict[int, float]:
    """CPU seconds of each PostgreSQL backend connected to the scratch database ({} for SQLite)."""
    if not url:
        return {}
    import psycopg

    with psycopg.connect(url) as conn:
        pids = [row[0] for row in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )]  # fmt: skip
    seconds, tick = {}, os.sysconf("SC_CLK_TCK")
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            seconds[pid] = (int(fields[11]) + int(fields[12])) / tick
    return seconds


def _percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    index = min(len(values) - 1, max(0, round(pct / 100 * len(values) + 0.5) - 1))
    return values[index]


# -- c. results ---------------------------------------------------------------------------------------


def _part_results(env: dict, workdir: Path, args) -> dict:
    print(f"== results: {args.responses:,} responses", flush=True)
    result = _run_child(env, workdir, "results", responses=args.responses)
    result["failed_checks"] = [name for name, ok in result["checks"].items() if not ok]
    return result


# -- Django steps, each in its own process -------------------------------------------------------------


def _child(config_json: str) -> None:
    config = json.loads(config_json)
    import django

    django.setup()
    steps = {"prepare": _prepare, "send": _send, "tokens": _tokens, "results": _results}
    result = steps[config["action"]](config)
    Path(config["out"]).write_text(json.dumps(result))


def _prepare(config: dict) -> dict:
    """A store, an active NPS survey, N opted-in customers each with a queued invitation and its contact."""
    from django.db import transaction
    from django.utils import timezone

    from cxloop.commerce.models import Customer
    from cxloop.core.services import create_store
    from cxloop.flows.models import Contact, ContactKind
    from cxloop.surveys import services
    from cxloop.surveys.models import Invitation
    from cxloop.surveys.services.delivery import contact_reference

    n = config["invitations"]
    store, _ = create_store(name="Bench Store", currency="EUR", slug="bench")
    survey = services.create_survey(store=store, name="Bench NPS", kind="nps")
    services.activate_survey(survey=survey)
    now = timezone.now()
    people = (("Anna", "en", "GB"), ("Ania", "pl", "PL"), ("Līga", "lv", "LV"), ("سارا", "fa", "IR"),
              ("李娜", "zh-hans", "CN"))  # fmt: skip
    for first in range(0, n, PREPARE_CHUNK):
        with transaction.atomic():
            customers = Customer.objects.bulk_create([
                Customer(store=store, email=f"c{i}@bench.example", email_key=f"c{i}@bench.example",
                         first_name=name, language=language, country=country,
                         email_consent=Customer.Consent.SUBSCRIBED, created_at=now, updated_at=now)
                for i in range(first, min(n, first + PREPARE_CHUNK))
                for name, language, country in [people[i % len(people)]]
            ])  # fmt: skip
            invitations = Invitation.objects.bulk_create([
                Invitation(store=store, survey=survey, customer=c, email=c.email, language=c.language,
                           created_at=now, send_after=now, expires_at=now + timedelta(days=14))
                for c in customers
            ])  # fmt: skip
            Contact.objects.bulk_create([
                Contact(store=store, customer=c, kind=ContactKind.SURVEY, reference=contact_reference(i),
                        contacted_at=now)
                for c, i in zip(customers, invitations, strict=True)
            ])  # fmt: skip
    return {"store_id": store.pk, "survey_id": survey.pk}


def _send(config: dict) -> dict:
    """One worker process: run `send_invitations_task` for its share of the queued invitations.

    The worker takes every other batch of SEND_BATCH ids, as the queue hands
    the tasks a manual send enqueues to the workers that ask first.
    """
    from cxloop.surveys.models import Invitation
    from cxloop.surveys.services.batches import SEND_BATCH
    from cxloop.surveys.tasks import send_invitations_task

    queued = Invitation.objects.filter(survey_id=config["survey_id"], status=Invitation.Status.QUEUED)
    ids = list(queued.order_by("pk").values_list("pk", flat=True))
    batches = [ids[i : i + SEND_BATCH] for i in range(0, len(ids), SEND_BATCH)]
    mine = batches[config["index"] :: config["processes"]]
    Path(config["ready"]).write_text("")
    while not Path(config["go"]).exists():
        time.sleep(0.005)
    started, cpu = time.time(), time.process_time()
    statuses = sum((Counter(send_invitations_task.call(batch)) for batch in mine), Counter())
    return {"started": started, "finished": time.time(), "statuses": dict(statuses),
            "cpu": time.process_time() - cpu}  # fmt: skip


def _tokens(config: dict) -> dict:
    from cxloop.surveys.models import Invitation
    from cxloop.surveys.tokens import invitation_token

    invitations = Invitation.objects.filter(survey_id=config["survey_id"], status=Invitation.Status.SENT)
    return {"tokens": [invitation_token(i) for i in invitations.order_by("pk")[: config["count"]]]}


RESULTS_DAYS = 365
RESULTS_CUSTOMERS = 20_000
RESULTS_CHUNK = 50_000
RESULTS_REPEATS = 3
TAGS = ("vip", "newsletter", "wholesale", "instagram", "b2b")
NPS_WEIGHTS = (2, 1, 1, 2, 3, 5, 8, 13, 17, 20, 28)  # scores 0-10: NPS about +30


def _results(config: dict) -> dict:
    """Insert M answers to one NPS survey, then time `compute_results` against one SQL aggregate.

    Three timings, each the median of RESULTS_REPEATS runs after one warm-up run:
    the results page's call (every breakdown), `compute_results` limited to
    the numbers the SQL gives (overall and monthly score counts, the funnel),
    and the SQL itself.
    """
    from django.db import connection

    from cxloop.surveys.results import compute_results

    store, survey = _results_survey()
    inserted = _insert_responses(store, survey, config["responses"])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    since, until = _last_twelve_months()
    runs = {
        "page": partial(compute_results, store, survey, since, until, "month"),
        "same_metrics": partial(compute_results, store, survey, since, until, "month", dimensions=()),
        "sql": partial(_results_by_sql, store, survey, since, until),
    }
    timings, outcomes = {name: [] for name in runs}, {}
    for _ in range(RESULTS_REPEATS + 1):  # the first round warms the caches and is not counted
        for name, run in runs.items():
            started = time.perf_counter()
            outcomes[name] = run()
            timings[name].append(time.perf_counter() - started)
    timings = {name: sorted(values[1:]) for name, values in timings.items()}
    median = {name: values[len(values) // 2] for name, values in timings.items()}
    results, by_sql = outcomes["same_metrics"], outcomes["sql"]
    by_orm = {
        "overall": dict(results.overall.counts),
        "nps": round(results.overall.nps, 6),
        "periods": {str(p.start): dict(p.scores.counts) for p in results.periods if p.scores.n},
    }
    checks = {
        "all answers in the range": sum(by_sql["overall"].values()) == inserted["in_range"],
        "same score counts": by_orm["overall"] == by_sql["overall"],
        "same NPS": by_orm["nps"] == by_sql["nps"],
        "same monthly buckets": by_orm["periods"] == by_sql["periods"],
    }
    return {
        "responses": inserted["total"],
        "in_range": inserted["in_range"],
        "insert_seconds": round(inserted["seconds"], 1),
        "range": [str(since), str(until)],
        "bucket": "month",
        "nps": by_orm["nps"],
        "timings": {name: [round(v, 3) for v in values] for name, values in timings.items()},
        "page_seconds": round(median["page"], 3),
        "compute_seconds": round(median["same_metrics"], 3),
        "sql_seconds": round(median["sql"], 3),
        "ratio": round(median["same_metrics"] / median["sql"], 2),
        "checks": checks,
    }


def _last_twelve_months() -> tuple:
    """The results page's "last 12 months": a year of days ending today (UTC here)."""
    today = datetime.now(UTC).date()
    return today.replace(year=today.year - 1) + timedelta(days=1), today


def _results_survey():
    """A store in Europe/Warsaw with tagged customers and an active NPS survey."""
    from django.utils import timezone

    from cxloop.commerce.models import Customer
    from cxloop.core.services import create_store
    from cxloop.surveys import services

    store, _ = create_store(
        name="Bench Results", currency="EUR", slug="bench-results", timezone="Europe/Warsaw"
    )
    survey = services.create_survey(store=store, name="Bench results NPS", kind="nps")
    services.activate_survey(survey=survey)
    now = timezone.now()
    Customer.objects.bulk_create(
        [
            Customer(store=store, email=f"r{i}@bench.example", email_key=f"r{i}@bench.example",
                     tags=[TAGS[i % 5]] if i % 3 else [], created_at=now, updated_at=now)
            for i in range(RESULTS_CUSTOMERS)
        ],
        batch_size=5000,
    )  # fmt: skip
    return store, survey


def _insert_responses(store, survey, count: int) -> dict:
    """`count` answers over 13 months, inserted raw: executemany on SQLite, COPY on PostgreSQL."""
    import numpy as np
    from django.db import connection, transaction

    from cxloop.commerce.models import Customer
    from cxloop.surveys.models import Response
    from cxloop.surveys.results import day_bounds

    rng = np.random.default_rng(42)
    customers = np.array(Customer.objects.filter(store=store).values_list("pk", flat=True))
    now = np.datetime64(datetime.now(UTC).replace(tzinfo=None), "us")
    first = now - np.timedelta64(RESULTS_DAYS + 30, "D")  # a month of answers before the range
    at = first + (rng.random(count) * (now - first).astype(np.int64)).astype("timedelta64[us]")
    scores = rng.choice(11, size=count, p=np.array(NPS_WEIGHTS) / sum(NPS_WEIGHTS))
    person = rng.integers(0, 5, count)
    languages, countries = (
        np.array(["en", "pl", "lv", "fa", "zh-hans"]),
        np.array(["GB", "PL", "LV", "IR", "CN"]),
    )
    bounds = [
        np.datetime64(b.astimezone(UTC).replace(tzinfo=None), "us")
        for b in day_bounds(store, *_last_twelve_months())
    ]
    if connection.vendor == "sqlite":
        times = [t.replace("T", " ") for t in np.datetime_as_string(at, unit="us").tolist()]
    else:
        times = [t.replace(tzinfo=UTC) for t in at.tolist()]
    columns = {
        "store_id": [store.pk] * count, "survey_id": [survey.pk] * count,
        "customer_id": customers[rng.integers(0, len(customers), count)].tolist(),
        "channel": np.array(["email", "web", "widget"])[rng.choice(3, count, p=[0.8, 0.15, 0.05])].tolist(),
        "language": languages[person].tolist(), "country": countries[person].tolist(),
        "score": scores.tolist(), "band": np.array(["low"] * 7 + ["mid"] * 2 + ["high"] * 2)[scores].tolist(),
        "answers": ["{}"] * count, "is_repeat_customer": (rng.random(count) < 0.35).tolist(),
        "created_at": times, "updated_at": times,
    }  # fmt: skip
    fields = [f for f in Response._meta.concrete_fields if not f.primary_key]
    values = [columns[f.attname] if f.attname in columns else [_default(f)] * count for f in fields]
    started = time.perf_counter()
    with transaction.atomic():
        for chunk in range(0, count, RESULTS_CHUNK):
            rows = list(zip(*(v[chunk : chunk + RESULTS_CHUNK] for v in values), strict=True))
            _raw_insert(connection, Response._meta.db_table, [f.column for f in fields], rows)
    in_range = int(((at >= bounds[0]) & (at < bounds[1])).sum())
    return {"total": count, "in_range": in_range, "seconds": time.perf_counter() - started}


def _default(field):
    """A field's default as the raw insert takes it (JSON fields as their text)."""
    from django.db.models import JSONField

    value = field.get_default()
    return json.dumps(value) if isinstance(field, JSONField) else value


def _db_value(value):
    from django.db import connection

    if isinstance(value, datetime) and connection.vendor == "sqlite":
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    return value


def _raw_insert(connection, table: str, columns: list[str], rows: list[tuple]) -> None:
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(
                f"INSERT INTO {quote(table)} ({names}) VALUES ({', '.join(['%s'] * len(columns))})", rows
            )


def _results_by_sql(store, survey, since, until) -> dict:
    """Score counts per month of the store's time zone, in one hand-written query; NPS from them."""
    from django.db import connection

    from cxloop.surveys.results import day_bounds, period_starts, store_timezone

    start, end = day_bounds(store, since, until)
    counts = ", ".join(f"COUNT(CASE WHEN score = {s} THEN 1 END)" for s in range(11))
    where = "store_id = %s AND survey_id = %s AND created_at >= %s AND created_at < %s"
    if connection.vendor == "postgresql":
        sql = (
            f"SELECT (date_trunc('month', created_at AT TIME ZONE %s))::date, {counts} "
            f"FROM surveys_response WHERE {where} GROUP BY 1 ORDER BY 1"
        )
        params = [str(store_timezone(store)), store.pk, survey.pk, start, end]
    else:
        # No time zones in SQLite: the month boundaries of the store's zone, as UTC text, in a CASE.
        months = period_starts(since, until, "month")
        bounds = [day_bounds(store, month, month)[0] for month in months[1:]]
        case = " ".join(f"WHEN created_at < %s THEN '{m}'" for m in months[:-1])
        sql = (
            f"SELECT CASE {case} ELSE '{months[-1]}' END AS period, {counts} "
            f"FROM surveys_response WHERE {where} GROUP BY 1 ORDER BY 1"
        )
        params = [_db_value(b) for b in bounds] + [store.pk, survey.pk, _db_value(start), _db_value(end)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    periods = {str(row[0]): dict(enumerate(row[1:])) for row in rows}
    overall = {score: sum(p[score] for p in periods.values()) for score in range(11)}
    n = sum(overall.values())
    promoters, detractors = overall[9] + overall[10], sum(overall[s] for s in range(7))
    return {"overall": overall, "nps": round((promoters - detractors) * 100 / n, 6), "periods": periods}


# -- databases ----------------------------------------------------------------------------------------


class _SqliteDb:
    def __init__(self, workdir: Path):
        self.path = workdir / "cxloop.sqlite3"

    def create(self) -> None:
        pass  # `cxloop migrate` creates the file under CXLOOP_VAR_DIR

    def env(self) -> dict:
        return {}

    def column(self, sql: str) -> list:
        with contextlib.closing(sqlite3.connect(self.path)) as conn:
            return [row[0] for row in conn.execute(sql)]

    def scalar(self, sql: str):
        return self.column(sql)[0]

    def drop(self) -> None:
        pass  # the temp dir goes


class _PostgresDb:
    """A scratch PostgreSQL database, dropped and re-created for each run."""

    def __init__(self, url: str):
        self.url = url
        parts = urllib.parse.urlsplit(url)
        self.name = parts.path.lstrip("/")
        if "bench" not in self.name:
            sys.exit(f"refusing to drop {self.name!r}: the scratch database name must contain 'bench'")
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

    def column(self, sql: str) -> list:
        import psycopg

        with psycopg.connect(self.url) as conn:
            return [row[0] for row in conn.execute(sql)]

    def scalar(self, sql: str):
        return self.column(sql)[0]

    def drop(self) -> None:
        with contextlib.suppress(Exception):
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


# -- helpers ------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, proc: subprocess.Popen, what: str, path: str = "") -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"{what} exited")
        with contextlib.suppress(OSError):
            with socket.create_connection((HOST, port), timeout=1) as sock:
                if not path:
                    return
                sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode())
                if sock.recv(64).startswith(b"HTTP/1.1 200"):
                    return
        time.sleep(0.2)
    sys.exit(f"{what} did not answer within 60 s")


# -- report -------------------------------------------------------------------------------------------


def _print_table(results: list[dict]) -> None:
    rows = [("db", "part", "figure", "baseline", "ratio", "checks")]
    for r in results:
        db = r["db"]
        if send := r.get("send"):
            figure = f"{send['per_second']:,.0f} invitations/s"
            baseline = f"{send['baseline_per_second']:,.0f} messages/s (smtplib)"
            rows.append((db, "send", figure, baseline, f"{send['ratio']:.1%}", _checks(send)))
        if page := r.get("page"):
            healthz = _latency(page["healthz"]) + " (/healthz)"
            rows.append(
                (db, "page GET", _latency(page["page"]), healthz, f"{page['ratio']:.1%}", _checks(page))
            )
            rows.append((db, "page POST", _latency(page["submit"]), "", "", ""))
        if res := r.get("results"):
            figure = f"{res['compute_seconds']:.2f} s compute_results"
            baseline = f"{res['sql_seconds']:.2f} s (one SQL query)"
            rows.append((db, "results", figure, baseline, f"{res['ratio']:.2f}x", _checks(res)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    print()
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    for r in results:
        if send := r.get("send"):
            print(f"{r['db']} send: worker CPU {send['worker_cpu_ms_per_invitation']} ms per invitation")
        if page := r.get("page"):
            for phase in ("page", "healthz", "submit"):
                cpu = ", ".join(
                    f"{k} {v:g}" for k, v in page[phase]["cpu_ms_per_request"].items() if v is not None
                )
                print(f"{r['db']} {phase}: CPU ms per request: {cpu}")


def _latency(phase: dict) -> str:
    return f"{phase['per_second']:,.0f} req/s, p50 {phase['p50_ms']:g} ms, p99 {phase['p99_ms']:g} ms"


def _checks(part: dict) -> str:
    failed = part["failed_checks"]
    return "ok" if not failed else "FAILED: " + ", ".join(failed)


def _write_json(results: list[dict], args) -> Path:
    out_dir = ROOT / "var" / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = out_dir / f"surveys-{stamp}.json"
    doc = {
        "benchmark": "surveys",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "load_average": os.getloadavg(),
        },  # fmt: skip
        "options": {k: v for k, v in vars(args).items() if k != "keep"},
        "results": results,
    }
    path.write_text(json.dumps(doc, indent=2, default=str))
    return path


if __name__ == "__main__":
    main(sys.argv[1:])
