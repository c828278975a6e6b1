"""A small real HTTP server in a thread, the base of the fake platform APIs.

A subclass implements `handle(request) -> (status, headers, body)`; the base
serves it on 127.0.0.1 at a port the system chose, keeps every request it
received, and can be told to fail the next requests:

    fake.fail_next(429, retry_after="0")        # then answers normally
    fake.fail_next(500, times=2, after=1)       # the request after next fails, twice
    fake.lose_next_answer(after=1)              # do the one after next, but answer 504 (answer lost)
    fake.hold_next(); fake.held.wait(5); ...; fake.release_held()   # a request kept in flight
"""

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    json: object = None
    extra: dict = field(default_factory=dict)


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"
    protocol_version = "HTTP/1.1"

    def _serve(self):
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = None
        request = Request(
            method=self.command, path=parts.path, query=parse_qs(parts.query),
            headers={k.lower(): v for k, v in self.headers.items()}, body=body, json=parsed,
        )  # fmt: skip
        status, headers, payload = self.server.fake.serve(request)
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = _serve  # noqa: N815 (the names http.server calls)

    def log_message(self, format, *args):
        pass  # keep test output quiet


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: "FakeHttpServer"


class FakeHttpServer:
    """Serve `handle` on 127.0.0.1 from a background thread; keep what was received."""

    def __init__(self):
        self.received: list[Request] = []
        self._failures: list[tuple[int, dict, object] | None] = []
        self._lose_plan: list[bool] = []
        self._holds = 0
        self.held = threading.Event()
        self._released = threading.Event()
        self.lock = threading.RLock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def origin(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        self._thread.start()
        return self

    def stop(self) -> None:
        self._released.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def fail_next(
        self, status: int, *, times: int = 1, after: int = 0, retry_after: str | None = None, body=None
    ) -> None:
        """Answer `times` authorised requests, after `after` others, with `status` (and Retry-After)."""
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        failure = (status, headers, body if body is not None else {"errors": "failure"})
        with self.lock:
            self._failures.extend([None] * after + [failure] * times)

    def lose_next_answer(self, *, after: int = 0) -> None:
        """Carry out a request (after `after` others), then answer 504: the answer lost on the way."""
        with self.lock:
            self._lose_plan.extend([False] * after + [True])

    def hold_next(self) -> None:
        """Keep the next request waiting, unanswered, until `release_held()`; `held` is set meanwhile."""
        with self.lock:
            self._holds += 1
        self._released.clear()

    def release_held(self) -> None:
        self._released.set()

    def serve(self, request: Request):
        with self.lock:
            hold, self._holds = self._holds > 0, max(self._holds - 1, 0)
        if hold:  # outside the lock: other requests are answered meanwhile
            self.held.set()
            self._released.wait(timeout=30)
        with self.lock:
            self.received.append(request)
            refusal = self.authenticate(request)
            if refusal is not None:
                return refusal
            if self._failures and (failure := self._failures.pop(0)) is not None:
                return failure
            answer = self.handle(request)
            if self._lose_plan and self._lose_plan.pop(0):
                return 504, {}, b"<html>Gateway Timeout</html>"
            return answer

    def authenticate(self, request: Request):
        """None if the request may go on, else the answer refusing it."""
        return None

    def handle(self, request: Request):
        raise NotImplementedError
