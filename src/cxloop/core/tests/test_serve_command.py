"""`cxloop serve`: the options it refuses before starting a server."""

import os
import subprocess
import sys


def _serve(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if key != "CXLOOP_REDIS_URL"} | env
    return subprocess.run(
        [sys.executable, "-m", "cxloop.cli", "serve", *args],
        env=environment, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_several_asgi_processes_without_redis_are_refused_with_the_reason():
    done = _serve("--asgi", "--workers", "2", "--port", "1")
    assert done.returncode == 2
    assert "--asgi --workers above 1 needs CXLOOP_REDIS_URL" in done.stderr


def test_no_workers_at_all_is_refused():
    done = _serve("--workers", "0", "--port", "1")
    assert done.returncode == 2
    assert "--workers: at least 1" in done.stderr
