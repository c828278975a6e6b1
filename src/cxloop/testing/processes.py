"""Real cxloop processes for crash tests: an installation on a SQLite file, workers and web servers to kill.

    def test_work_survives_kill_9(installation):
        installation.python("from cxloop... import ...; ...")   # seed with the real services
        worker = installation.start_worker()
        installation.wait_for("SELECT COUNT(*) FROM ... WHERE ...", lambda n: n > 0)
        installation.kill(worker)                                 # SIGKILL: no clean shutdown
        worker = installation.start_worker()
        installation.wait_for(...)                                # bounded deadline, polls the file

The installation lives in the test's tmp_path with its own SQLite database,
migrated by `cxloop migrate`, so the processes run exactly as in production
(`cxloop worker`), not inside the test's database transaction. Crash-recovery
times are shortened through the environment (a lease of seconds, not a minute).
"""

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from cxloop.core.sqlite.turns import WriterTurn

CXLOOP = str(Path(sys.executable).parent / "cxloop")

# Short enough for a test, long enough that a busy 2-core machine never starves a heartbeat.
FAST_RECOVERY = {
    "CXLOOP_WORKER_HEARTBEAT_SECONDS": "0.5",
    "CXLOOP_WORKER_LEASE_SECONDS": "5",
    "CXLOOP_STRANDED_AFTER_SECONDS": "1",
}


class Installation:
    """An installation in `root`, on a SQLite file there, or on PostgreSQL at `database_url`.

    Its processes (workers, and web servers from `start_server`) are killed after the test.
    """

    def __init__(self, root: Path, *, database_url: str = "", **env: str):
        self.root = root
        self.database = root / "cxloop.sqlite3"
        self.database_url = database_url
        self.env = {**os.environ, "DEBUG": "1", "CXLOOP_VAR_DIR": str(root), "PYTHONUNBUFFERED": "1"}
        self.env.pop("DATABASE_URL", None)
        self.env.pop("CXLOOP_TESTING", None)
        if database_url:
            self.env["DATABASE_URL"] = database_url
        self.env.update(FAST_RECOVERY)
        self.env.update(env)
        self.workers: list[subprocess.Popen] = []

    def cxloop(self, *args: str) -> str:
        done = subprocess.run([CXLOOP, *args], env=self.env, capture_output=True, text=True, timeout=300)
        if done.returncode:
            raise AssertionError(f"cxloop {args[0]} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def migrate(self) -> "Installation":
        self.cxloop("migrate", "--no-input", "-v0")
        return self

    def python(self, code: str) -> str:
        """Run code in `cxloop shell` against the installation; return what it printed."""
        return self.cxloop("shell", "-c", code)

    def start_worker(self, worker_id: str = "") -> subprocess.Popen:
        log = open(self.root / f"worker-{len(self.workers)}.log", "wb")  # noqa: SIM115 (kept for the run)
        named = ["--worker-id", worker_id] if worker_id else []
        worker = subprocess.Popen(
            [CXLOOP, "worker", "--interval", "0.1", "--no-startup-delay", *named],
            env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        self.workers.append(worker)
        return worker

    def start_server(
        self, port: int, *, asgi: bool = True, threads: int = 4, timeout: float = 60.0
    ) -> subprocess.Popen:
        """`cxloop serve` on 127.0.0.1:`port`, once it listens: `--asgi` (the site and the chat's
        sockets, uvicorn) by default; with `asgi=False`, gunicorn with one worker of `threads` threads,
        as the site runs in production (one process, so its threads share what a process keeps).

        Killed like a worker (`kill`, `stop_all`); its output goes to server-<n>.log.
        """
        log_path = self.root / f"server-{len(self.workers)}.log"
        log = open(log_path, "wb")  # noqa: SIM115 (kept for the run)
        how = ["--asgi"] if asgi else ["--workers", "1", "--threads", str(threads)]
        command = [CXLOOP, "serve", *how, "--port", str(port), "--no-access-log"]
        server = subprocess.Popen(
            command, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.workers.append(server)
        deadline = time.monotonic() + timeout
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return server
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    output = log_path.read_text(errors="replace")[-3000:]
                    raise AssertionError(
                        f"cxloop {' '.join(command[1:])} is not listening on {port}:\n{output}"
                    ) from None
                time.sleep(0.05)

    def kill(self, worker: subprocess.Popen) -> None:
        """SIGKILL the worker's whole process group: no signal handler, no clean shutdown."""
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)

    def stop_all(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait(timeout=30)

    def connect(self):
        """A connection of the test's own, in autocommit mode."""
        if self.database_url:
            import psycopg

            return psycopg.connect(self.database_url, autocommit=True)
        return sqlite3.connect(self.database, timeout=30, isolation_level=None)

    def query(self, sql: str, *params) -> list[tuple]:
        conn = self.connect()
        try:
            return (conn.execute(sql, params) if params else conn.execute(sql)).fetchall()
        finally:
            conn.close()

    def value(self, sql: str, *params):
        [(value,)] = self.query(sql, *params)
        return value

    def wait_for(self, sql: str, done: Callable, *, timeout: float = 90.0, what: str = ""):
        """Poll a query until `done(value)` holds; fail after `timeout` seconds with the last value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.value(sql)
            if done(value):
                return value
            if time.monotonic() > deadline:
                logs = "\n".join(
                    path.read_text(errors="replace")[-3000:] for path in self.root.glob("worker-*.log")
                )
                raise AssertionError(f"{what or sql}: still {value!r} after {timeout}s\n{logs}")
            time.sleep(0.05)

    def write_lock(self, table: str = ""):
        """Freeze the workers' writes (SQLite: the write lock; PostgreSQL: `table` locked).

        A worker's next write then waits: a moment frozen mid-task. Roll back to release.
        """
        conn = self.connect()
        if self.database_url:
            conn.autocommit = False
            conn.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
            return conn
        # Queue for the writer slot as the workers do (core/sqlite/turns.py): SQLite's own busy
        # handler sleeps, and a fast worker committing one row after another never lets it in.
        turn = WriterTurn(str(self.database), wait_seconds=30)
        turn.acquire()
        conn.execute("BEGIN IMMEDIATE")
        return _TurnHeld(conn, turn)

    def freeze_when(self, sql: str, done: Callable, *, table: str = "", timeout: float = 120.0):
        """Take the write lock the first time `done(value)` holds, checked under the lock; return
        (lock, value). Checking first and locking after would let a fast worker finish in between;
        checked under the lock, the workers are frozen where the check saw them."""
        deadline = time.monotonic() + timeout
        while True:
            lock = self.write_lock(table)
            value = self.value(sql)
            if done(value):
                return lock, value
            lock.rollback()
            lock.close()
            assert time.monotonic() < deadline, f"{sql}: still {value!r} after {timeout}s"
            time.sleep(0.02)


class _TurnHeld:
    """A SQLite connection holding the writer slot's turn; rollback or close gives the turn back."""

    def __init__(self, conn, turn):
        self._conn, self._turn = conn, turn

    def __getattr__(self, name):
        return getattr(self._conn, name)

    def rollback(self) -> None:
        self._conn.rollback()
        self._turn.release()

    def close(self) -> None:
        self._conn.close()
        self._turn.release()


@pytest.fixture
def installation(tmp_path):
    """A migrated installation on its own SQLite file; its workers are killed after the test."""
    installation = Installation(tmp_path).migrate()
    try:
        yield installation
    finally:
        installation.stop_all()


@pytest.fixture
def postgres_installation(tmp_path):
    """An installation on a PostgreSQL database of its own; only when the suite runs on PostgreSQL."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("runs with the suite on PostgreSQL (DATABASE_URL=postgres://...)")
    import psycopg

    name = f"cxloop_crash_{os.getpid()}"
    base, _, _ = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    installation = Installation(tmp_path, database_url=f"{base}/{name}")
    try:
        yield installation.migrate()
    finally:
        installation.stop_all()
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
