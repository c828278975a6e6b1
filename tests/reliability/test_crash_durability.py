"""Acknowledged events survive a kill -9 of the server (security.md R2).

A real server process (`cxloop serve`, gunicorn) on a SQLite file takes
batches from a client; the whole process group is killed with SIGKILL
mid-load and started again. Every event acknowledged with 2xx before the kill
must be in the database afterwards, and retrying the unacknowledged batches
with the same event ids must store each event exactly once.
"""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from cxloop.testing.apiserver import free_port

ROOT = Path(__file__).resolve().parents[2]
CXLOOP = str(Path(sys.executable).parent / "cxloop")


def cxloop(env, *args) -> str:
    return subprocess.run([CXLOOP, *args], env=env, check=True, capture_output=True, text=True).stdout


def start_server(env, port) -> subprocess.Popen:
    process = subprocess.Popen(
        [CXLOOP, "serve", "--port", str(port), "--workers", "2", "--threads", "2"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    for _ in range(200):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    raise RuntimeError("the server did not start")


def batch(n: int) -> list[dict]:
    return [{"event_id": f"b{n}-e{i}", "type": "page_view", "anonymous_id": f"v{n}"} for i in range(50)]  # noqa: E501


@pytest.fixture
def installation(tmp_path):
    env = {**os.environ, "DEBUG": "1", "CXLOOP_VAR_DIR": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    env.pop("DATABASE_URL", None)
    env.pop("CXLOOP_TESTING", None)
    cxloop(env, "migrate", "--no-input", "-v0")
    output = cxloop(env, "store", "create", "Crash Shop", "--currency", "EUR")
    key = output.split("API key (shown once, keep it safe): ")[1].split()[0]
    return env, key, tmp_path / "cxloop.sqlite3"


def test_acknowledged_events_survive_kill_9_and_retries_store_once(installation):
    env, key, database = installation
    port = free_port()
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    acknowledged: list[int] = []
    unacknowledged: list[int] = []
    stop = threading.Event()

    def load():
        n = 0
        with httpx.Client(timeout=5) as client:
            while not stop.is_set():
                n += 1
                try:
                    body = json.dumps({"events": batch(n)})
                    ok = (
                        client.post(
                            f"http://127.0.0.1:{port}/api/v1/events", content=body, headers=headers
                        ).status_code
                        == 200
                    )  # noqa: E501
                except httpx.TransportError:
                    ok = False
                (acknowledged if ok else unacknowledged).append(n)
                if not ok:
                    time.sleep(0.01)

    server = start_server(env, port)
    loader = threading.Thread(target=load)
    loader.start()
    time.sleep(2.5)
    os.killpg(server.pid, signal.SIGKILL)  # no clean shutdown, no chance to flush
    server.wait()
    time.sleep(0.3)
    stop.set()
    loader.join()
    assert acknowledged, "no batch was acknowledged before the kill"

    # every acknowledged event is on disk after the crash
    with sqlite3.connect(database) as conn:
        stored = {row[0] for row in conn.execute("SELECT event_id FROM commerce_event")}
    expected = {e["event_id"] for n in acknowledged for e in batch(n)}
    assert expected <= stored

    # retrying everything (acknowledged or not) with the same ids stores each event once
    server = start_server(env, port)
    try:
        with httpx.Client(timeout=5) as client:
            for n in acknowledged + unacknowledged:
                response = client.post(
                    f"http://127.0.0.1:{port}/api/v1/events",
                    content=json.dumps({"events": batch(n)}),
                    headers=headers,
                )  # noqa: E501
                assert response.status_code == 200
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait()
    with sqlite3.connect(database) as conn:
        total, distinct = conn.execute(
            "SELECT COUNT(*), COUNT(DISTINCT event_id) FROM commerce_event"
        ).fetchone()  # noqa: E501
    assert total == distinct == 50 * len(acknowledged + unacknowledged)
