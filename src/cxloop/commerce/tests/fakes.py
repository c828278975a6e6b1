"""A real local HTTP server standing in for the Ecwid REST API.

Tests queue answers per path and read back what was asked:

    with FakeEcwidApi() as api:
        api.answer("/1003/orders/XJ12H", 500)
        api.answer("/1003/orders/XJ12H", 200, order_json)
        ...
        assert api.requests == [("/1003/orders/XJ12H", "Bearer secret_token"), ...]

Queued answers are served in order; once they are used up the last one served
is repeated. A path never given an answer gets 404, like Ecwid for an unknown
order.
"""

import threading
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def do_GET(self):  # noqa: N802 (the name http.server calls)
        fake = self.server.fake
        fake.requests.append((self.path, self.headers.get("Authorization", "")))
        status, body = fake.next_answer(self.path)
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass  # keep test output quiet


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: "FakeEcwidApi"


class FakeEcwidApi:
    """Serve queued answers on 127.0.0.1 from a background thread."""

    def __init__(self):
        self.requests: list[tuple[str, str]] = []
        self._answers: dict[str, list[tuple[int, bytes]]] = defaultdict(list)
        self._last: dict[str, tuple[int, bytes]] = {}
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/api/v3"

    def answer(self, path: str, status: int, body: bytes | str = b"") -> None:
        """Queue an answer for GET /api/v3<path>."""
        raw = body.encode() if isinstance(body, str) else body
        with self._lock:
            self._answers["/api/v3" + path].append((status, raw))

    def next_answer(self, path: str) -> tuple[int, bytes]:
        with self._lock:
            queued = self._answers.get(path)
            if queued:
                self._last[path] = queued.pop(0)
            return self._last.get(path, (404, b'{"errorMessage": "Not found"}'))

    def paths(self) -> list[str]:
        return [path.removeprefix("/api/v3") for path, _ in self.requests]

    def __enter__(self) -> "FakeEcwidApi":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
