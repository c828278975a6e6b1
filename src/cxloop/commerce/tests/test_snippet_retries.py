"""The storefront snippet sends a batch again when the event API is busy or unreachable.

The snippet runs in Node (its own fetch, real HTTP) against a small server in
the test that answers as a busy cxloop does (503 with Retry-After). Timers
fire at once and record the delay the snippet asked for, so the backoff is
checked without waiting for it.
"""

import json
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from django.contrib.staticfiles import finders

from cxloop.testing.contention import free_port

RUNNER = Path(__file__).parent / "snippet" / "run_snippet.js"
NODE = shutil.which("node") or "node"  # Node.js 20 is on every machine of the project


class EventApi:
    """Answers each POST with the next of `answers` (status, headers); records the bodies."""

    def __init__(self, answers: list[tuple[int, dict]]):
        self.answers = list(answers)
        self.bodies: list[dict] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                api.bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                status, headers = api.answers.pop(0) if api.answers else (200, {})
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/v1/events"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def run_snippet(endpoint: str) -> list[int]:
    """Load the snippet on a page (it tracks the page view) and return its retry delays in ms."""
    done = subprocess.run(
        [NODE, str(RUNNER), finders.find("cxloop/cxloop.js"), endpoint],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    delays = json.loads(done.stdout)["delays"]
    assert delays[0] == 1000  # the batching delay before the first send
    return delays[1:]


def test_a_busy_answer_is_retried_with_the_same_events_after_the_servers_retry_after():
    # given an event API that is busy three times, asking for 7 s, then 10 minutes, then nothing
    answers = [(503, {"Retry-After": "7"}), (503, {"Retry-After": "600"}), (502, {}), (200, {})]
    with EventApi(answers) as api:
        # when the snippet sends the page view
        delays = run_snippet(api.url)

    # then the same batch went four times, the last one stored
    assert len(api.bodies) == 4
    assert all(body == api.bodies[0] for body in api.bodies)
    assert [event["type"] for event in api.bodies[0]["events"]] == ["page_view"]
    # after 7 s as asked, after a minute at most, then after the third backoff step (2-4 s)
    assert delays[:2] == [7000, 60000]
    assert 2000 <= delays[2] <= 4000
    assert len(delays) == 3


def test_network_errors_are_retried_five_times_with_growing_waits_then_dropped():
    # given an address where nothing listens
    endpoint = f"http://127.0.0.1:{free_port()}/api/v1/events"

    # when the snippet sends the page view
    delays = run_snippet(endpoint)

    # then it tried again five times, each wait between half and all of 1, 2, 4, 8, 16 s
    assert len(delays) == 5
    for attempt, delay in enumerate(delays):
        assert 500 * 2**attempt <= delay <= 1000 * 2**attempt


def test_a_refused_batch_is_not_sent_again():
    # given an event API that refuses the batch as invalid
    with EventApi([(422, {})]) as api:
        # when the snippet sends the page view
        delays = run_snippet(api.url)

    # then it went once
    assert len(api.bodies) == 1
    assert delays == []
