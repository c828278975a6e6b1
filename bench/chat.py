"""`cxloop bench chat`: the live chat under 1,000 open widgets, beside a bare `websockets` relay.

Parts (--parts, comma-separated; all by default):

sockets  A real `cxloop serve --asgi` process (uvicorn, Channels' in-memory layer, the messages
         stored by its database thread or, with --writer process, a writer process; SQLite in a
         temp dir, or --postgres-url) with --connections widget sockets open (each a visitor made through
         `chat.services.start`, each saying hello with its token) and one agent socket (a signed-in
         owner's session cookie, this site's Origin). Then:
         - steady: --rate messages a second for --seconds from random visitors; for each, the time
           from the visitor's send to the agent's socket hearing of it (p50/p99);
         - burst: every visitor sends --burst messages as fast as acks come back; messages the agent
           heard of per second.
         The same client code runs the same phases against the baseline, `bench/_relay.py`: a bare
         `websockets` server that acks and passes each message on, storing nothing. The server's
         memory (RSS, with its workers') is read before and after the sockets open: memory per
         open connection. --server-workers N runs N processes (`serve --asgi --workers N`) that
         meet through Redis (--redis-url); the relay stays one process.
         Goals: p99 <= 100 ms; >= 30 % of the relay's throughput.
         --ceiling adds a third run: the same server with the groups' storing replaced by an
         instant made-up answer (`bench/_ceiling_asgi.py`), the most the sockets' path carries
         before any row is written.
size     The widget's script, raw and gzipped (budget: 35 KB gzipped).
search   The help centre's search over 10,000 articles in five languages: `cxloop bench helpcenter`
         (goal: the page's p99 <= 50 ms).

    cxloop bench chat --connections 1000 --rate 50 --seconds 20
"""

import argparse
import asyncio
import gzip
import json
import os
import platform
import random
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench._timing import parse_parts, percentiles
from cxloop.cli import uvicorn_command

ROOT = Path(__file__).resolve().parents[1]
WIDGET = ROOT / "src" / "cxloop" / "chat" / "static" / "cxloop" / "chat" / "widget.js"
PARTS = ("sockets", "size", "search")


def main(argv: list[str]) -> None:
    if argv[:1] == ["--child"]:
        return _child(argv[1:])
    parser = argparse.ArgumentParser(prog="cxloop bench chat")
    parser.add_argument("--parts", default=",".join(PARTS))
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=50.0, help="messages a second in the steady phase")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--burst", type=int, default=3, help="messages each visitor sends in the burst phase")
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument(
        "--server-workers", type=int, default=1,
        help="cxloop's processes (`serve --asgi --workers`); above 1 they meet through Redis",
    )  # fmt: skip
    parser.add_argument(
        "--redis-url", default="redis://127.0.0.1:6379/0", help="the layer's, with --server-workers above 1"
    )
    parser.add_argument("--postgres-url", default="", help="a scratch database whose name contains 'bench'")
    parser.add_argument(
        "--writer", choices=("thread", "process"), default="thread",
        help="who stores the messages (CXLOOP_CHAT_WRITER): the server's database thread (the "
        "default), or a writer process of its own",
    )  # fmt: skip
    parser.add_argument(
        "--ceiling", action="store_true",
        help="also run the server with nothing stored (bench/_ceiling_asgi.py): the sockets' path alone",
    )  # fmt: skip
    args = parser.parse_args(argv)
    parts = parse_parts(parser, args.parts, PARTS)
    results: dict = {}
    if "size" in parts:
        raw = WIDGET.read_bytes()
        results["size"] = {
            "bytes": len(raw),
            "gzipped": len(gzip.compress(raw, 9)),
            "budget_gzipped": 35 * 1024,
        }
        print(f"widget.js: {len(raw):,} bytes, {results['size']['gzipped']:,} gzipped (budget 35,840)")
    if "sockets" in parts:
        results["sockets"] = _sockets(args)
    if "search" in parts:
        from bench import helpcenter

        helpcenter.main(["--db", "sqlite", "--articles", str(args.articles), "--repeat", "50"])
    out = ROOT / "var" / "bench" / f"chat-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps({"args": vars(args), "machine": platform.platform(), "results": results}, indent=1)
    )
    print(f"\nresults: {out}")


# -- the sockets part -----------------------------------------------------------------------------


def _sockets(args) -> dict:
    with tempfile.TemporaryDirectory(prefix="cxbench-chat-") as tmp:
        port = _free_port()
        env = {**os.environ, "CXLOOP_VAR_DIR": tmp, "DJANGO_SETTINGS_MODULE": "cxloop.settings", "DEBUG": "0"}
        env.setdefault("SECRET_KEY", "bench-secret-key-" + "x" * 40)
        env.setdefault("CXLOOP_ENCRYPTION_KEYS", "YmVuY2gtZW5jcnlwdGlvbi1rZXktMzItYnl0ZXMtLS0=")
        env["ALLOWED_HOSTS"] = "127.0.0.1"
        env["CXLOOP_CHAT_CONNECTS_PER_MINUTE"] = str(10 * args.connections + 100)
        env.pop("CXLOOP_REDIS_URL", None)
        env["CXLOOP_CHAT_WRITER"] = args.writer
        if args.server_workers > 1:  # the processes' sockets reach each other through Redis
            env["CXLOOP_REDIS_URL"] = args.redis_url
            env["CXLOOP_CHAT_PREFIX"] = f"cxbench-chat-{port}"
        env["DATABASE_URL"] = args.postgres_url or f"sqlite:///{tmp}/bench.sqlite3"
        if args.postgres_url and "bench" not in args.postgres_url.rsplit("/", 1)[-1]:
            sys.exit("--postgres-url: the database's name must contain 'bench' (it is emptied)")
        setup = subprocess.run(
            [sys.executable, "-m", "bench.chat", "--child", str(args.connections), str(port)],
            env=env, cwd=ROOT, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if setup.returncode:
            sys.exit(f"setting up the store failed:\n{setup.stderr[-3000:]}")
        made = json.loads(setup.stdout.strip().splitlines()[-1])
        # The server's log goes to a file: a pipe nobody reads would fill and stop the server.
        log_path = ROOT / "var" / "bench" / f"chat-server-{datetime.now(UTC):%Y%m%dT%H%M%S}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        server_log = open(log_path, "wb")  # noqa: SIM115 (closed when the server has ended)
        server = subprocess.Popen(
            [sys.executable, "-m", "cxloop.cli", "serve", "--asgi", "--port", str(port), "--no-access-log",
             "--workers", str(args.server_workers)],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=server_log,
        )  # fmt: skip
        relay_port = _free_port()
        relay = subprocess.Popen(
            [sys.executable, "-m", "bench._relay", str(relay_port)], cwd=ROOT, stdout=subprocess.DEVNULL
        )
        try:
            _wait_for(port)
            _wait_for(relay_port)
            cx = asyncio.run(_drive(port, server.pid, made, args))
            bare = asyncio.run(_drive(relay_port, relay.pid, made, args))
        finally:
            for process in (server, relay):
                _end(process)
        result = {"cxloop": cx, "relay": bare}
        if args.ceiling:  # the same store and sockets, served by a server that stores nothing
            ceiling = subprocess.Popen(
                uvicorn_command(app="bench._ceiling_asgi:application", host="127.0.0.1", port=port,
                                access_log=False),
                env={**env, "CXLOOP_CHAT_WRITER": "thread"}, cwd=ROOT, stdout=subprocess.DEVNULL,
                stderr=server_log,
            )  # fmt: skip
            try:
                _wait_for(port)
                result["nothing_stored"] = asyncio.run(_drive(port, ceiling.pid, made, args))
            finally:
                _end(ceiling)
    _print_sockets(result, args)
    return result


def _end(process) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:  # sockets still open: no graceful end needed here
        process.kill()
        process.wait()


def _child(argv: list[str]) -> None:
    """In the bench's environment: migrate, make a store, its owner's session and N visitors."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from cxloop.chat import services
    from cxloop.core import services as core_services
    from cxloop.core.models import Membership

    count, _port = int(argv[0]), int(argv[1])
    call_command("migrate", verbosity=0, interactive=False)
    call_command("flush", verbosity=0, interactive=False)  # a scratch PostgreSQL database: emptied
    call_command("createcachetable", verbosity=0)
    store, _ = core_services.create_store(name="Chat bench", currency="EUR", slug="chat-bench")
    owner, _ = core_services.add_staff(
        store=store, email="owner@chat-bench.test", role=Membership.Role.OWNER, password="bench-password-1"
    )
    client = Client()
    client.force_login(owner)
    tokens = [services.start(store=store, language="pl")[1] for _ in range(count)]
    print(json.dumps({"store_id": store.pk, "session": client.cookies["sessionid"].value, "tokens": tokens}))


async def _drive(port: int, pid: int, made: dict, args) -> dict:
    import websockets

    base = f"ws://127.0.0.1:{port}"
    heard: dict[int, float] = {}
    agent = await websockets.connect(
        f"{base}/chat/ws/agent/{made['store_id']}/",
        additional_headers={"Cookie": f"sessionid={made['session']}", "Origin": f"http://127.0.0.1:{port}"},
        ping_interval=None,
    )

    async def listen_agent():
        async for frame in agent:
            data = json.loads(frame)
            if data.get("type") == "message":  # the relay: one frame a message
                heard[data["message_id"]] = time.perf_counter()
            elif data.get("type") == "messages":  # cxloop: the messages stored together, in one frame
                now = time.perf_counter()
                for one in data["messages"]:
                    heard[one["message_id"]] = now

    listener = asyncio.create_task(listen_agent())
    rss_before = _rss_kb(pid)
    visitors = []
    opening = time.perf_counter()
    for start in range(0, len(made["tokens"]), 20):
        batch = await asyncio.gather(
            *(_open_visitor(base, token) for token in made["tokens"][start : start + 20])
        )
        visitors.extend(batch)
    opened_in = time.perf_counter() - opening
    print(f"  {len(visitors)} sockets open in {opened_in:.1f} s", file=sys.stderr, flush=True)
    await asyncio.sleep(1)
    rss_after = _rss_kb(pid)
    # Warm-up, not measured: a server's first message pays for what runs once (the first queries'
    # compilation, the lazily imported help-desk code), about 140 ms; the phases measure the rest.
    warm_acked: dict[str, int] = {}
    for n, visitor in enumerate(visitors[:5]):
        await _send(visitor, f"w{n}", {}, warm_acked)
    await _settle(heard, warm_acked.values())

    # steady: a message every 1/rate seconds from a random visitor
    sent: dict[str, float] = {}
    acked: dict[str, int] = {}
    steady_count = int(args.rate * args.seconds)
    rng = random.Random(7)
    began = time.perf_counter()
    pending = []
    for n in range(steady_count):
        due = began + n / args.rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        visitor = visitors[rng.randrange(len(visitors))]
        pending.append(asyncio.create_task(_send(visitor, f"s{n}", sent, acked)))
    await asyncio.gather(*pending)
    await _settle(heard, acked.values())
    print(f"  steady phase done in {time.perf_counter() - began:.1f} s", file=sys.stderr, flush=True)
    latencies = [(heard[mid] - sent[cid]) * 1000 for cid, mid in acked.items() if mid in heard]
    # When the slowest were sent (seconds into the phase) and how slow: a stall shows as a cluster.
    slowest = sorted(
        ((round(sent[cid] - began, 2), round((heard[mid] - sent[cid]) * 1000, 1))
         for cid, mid in acked.items() if mid in heard),
        key=lambda pair: -pair[1],
    )[:12]  # fmt: skip
    lost = sum(1 for mid in acked.values() if mid not in heard)

    # burst: every visitor sends --burst messages, each after the last one's ack
    heard_before = len(heard)
    burst_acked: dict[str, int] = {}
    began = time.perf_counter()

    async def burst(visitor, index):
        for k in range(args.burst):
            await _send(visitor, f"b{index}-{k}", {}, burst_acked)

    await asyncio.gather(*(burst(visitor, i) for i, visitor in enumerate(visitors)))
    await _settle(heard, burst_acked.values())
    elapsed = max(heard[mid] for mid in burst_acked.values() if mid in heard) - began
    delivered = len(heard) - heard_before
    burst_lost = sum(1 for mid in burst_acked.values() if mid not in heard)

    listener.cancel()
    await agent.close()
    await asyncio.gather(*(visitor.close() for visitor in visitors))
    return {
        "connections": len(visitors),
        "rss_before_kb": rss_before,
        "rss_after_kb": rss_after,
        "kb_per_connection": round((rss_after - rss_before) / max(1, len(visitors)), 1),
        "writer_rss_kb": _rss_kb(pid, writers=True),
        "opened_per_second": round(len(visitors) / opened_in, 1),
        "steady": {"messages": steady_count, "lost": lost, **percentiles(latencies), "slowest": slowest},
        "burst": {
            "messages": delivered,
            "lost": burst_lost,
            "seconds": round(elapsed, 2),
            "per_second": round(delivered / elapsed, 1),
        },
    }


async def _open_visitor(base: str, token: str):
    import websockets

    visitor = await websockets.connect(
        f"{base}/chat/ws/visitor/", max_size=65536, open_timeout=120, ping_interval=None
    )
    await visitor.send(json.dumps({"type": "hello", "token": token, "after": 0}))
    while json.loads(await visitor.recv()).get("type") != "ready":
        pass
    visitor.lock = asyncio.Lock()
    return visitor


async def _send(visitor, client_id: str, sent: dict, acked: dict) -> None:
    async with visitor.lock:  # one message at a time per widget, as a person types
        sent[client_id] = time.perf_counter()
        await visitor.send(json.dumps({"type": "message", "text": f"Gdzie jest paczka {client_id}?",
                                       "client_id": client_id}))  # fmt: skip
        while True:
            data = json.loads(await visitor.recv())
            if data.get("type") == "ack" and data.get("client_id") == client_id:
                acked[client_id] = data["message"]["id"]
                return
            if data.get("type") == "error" and data.get("client_id") == client_id:
                if data.get("error") != "rate_limited":
                    raise RuntimeError(data)
                await asyncio.sleep(1.0)  # the per-connection limit: wait and send the same message again
                await visitor.send(json.dumps({"type": "message", "text": f"Gdzie jest paczka {client_id}?",
                                               "client_id": client_id}))  # fmt: skip


async def _settle(heard: dict, expected, timeout: float = 30.0) -> None:
    expected = list(expected)
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline and any(mid not in heard for mid in expected):
        await asyncio.sleep(0.05)


def _rss_kb(pid: int, *, writers: bool = False) -> int:
    """The resident memory of the process and its children (uvicorn's workers), without the chat's
    writer processes (multiprocessing's, chat/writer_process.py), which hold no socket; with
    `writers`, theirs alone."""
    total = 0
    is_writer = b"multiprocessing" in Path(f"/proc/{pid}/cmdline").read_bytes()
    if is_writer == writers:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total = int(line.split()[1])
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            total += _rss_kb(int(child), writers=writers)
    return total


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"nothing listens on port {port}")


def _print_sockets(result: dict, args) -> None:
    cx, bare, ceiling = result["cxloop"], result["relay"], result.get("nothing_stored")
    runs = [cx, bare] + ([ceiling] if ceiling else [])
    steady = f"steady {args.rate:g}/s for {args.seconds:g} s"
    print(f"\n{cx['connections']:,} widget sockets open, one agent; {steady}")
    print(f"{'':24}{'cxloop':>14}{'bare relay':>14}" + (f"{'nothing stored':>16}" if ceiling else ""))
    rows = [
        ("customer -> agent p50", [f"{run['steady']['p50_ms']} ms" for run in runs]),
        ("customer -> agent p99", [f"{run['steady']['p99_ms']} ms" for run in runs]),
        ("lost (steady)", [run["steady"]["lost"] for run in runs]),
        ("lost (burst)", [run["burst"]["lost"] for run in runs]),
        ("burst throughput", [f"{run['burst']['per_second']}/s" for run in runs]),
        ("memory per socket", [f"{run['kb_per_connection']} KB" for run in runs]),
        ("writer processes", [f"{cx.get('writer_rss_kb', 0) // 1024} MB", "-", "-"][: len(runs)]),
        ("sockets opened", [f"{run['opened_per_second']}/s" for run in runs]),
    ]
    for name, values in rows:
        print(f"{name:24}" + "".join(f"{value!s:>{14 if n < 2 else 16}}" for n, value in enumerate(values)))

    def share(run) -> float:
        return run["burst"]["per_second"] / bare["burst"]["per_second"] if bare["burst"]["per_second"] else 0

    print(f"throughput: {share(cx):.1%} of the relay's (goal >= 30 %); p99 goal <= 100 ms")
    if ceiling:
        print(
            f"nothing stored: {share(ceiling):.1%} of the relay's; storing costs "
            f"{1 - cx['burst']['per_second'] / ceiling['burst']['per_second']:.0%} of that"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
