"""A real HTTP server on 127.0.0.1 that receives cxloop's outgoing webhooks, for tests.

    def test_delivery(webhook_receiver):
        webhook_receiver.answer(500, 200)          # the first request gets 500, the next 200
        endpoint = create_endpoint(url=webhook_receiver.url, ...)
        ...
        [first, second] = webhook_receiver.received
        assert first.headers["X-Cxloop-Delivery"] == second.headers["X-Cxloop-Delivery"]

Answers are scripted (status, headers, body) in order; once they run out
every request gets 200. `hold()` makes the receiver slow: each request is
recorded on arrival and then waits until `release()`. With `verify` set
(a function of the headers and body), it checks each request as a real
receiver would and answers 401 to one that fails, whatever was scripted.
"""

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Received:
    path: str
    headers: Message
    body: bytes
    verified: bool | None = None  # None: the receiver had no `verify` function


@dataclass
class Answer:
    status: int = 200
    headers: dict | None = None
    body: bytes = b"ok"
    drip_seconds: float = 0.0  # a pause before each byte of the body: a receiver that drips its answer


class WebhookReceiver:
    def __init__(self):
        self.received: list[Received] = []
        self.verify: Callable[[Message, bytes], bool] | None = None
        self._answers: deque[Answer] = deque()
        self._arrived = threading.Condition()
        self._go = threading.Event()
        self._go.set()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                verified = receiver.verify(self.headers, body) if receiver.verify else None
                with receiver._arrived:
                    receiver.received.append(Received(self.path, self.headers, body, verified))
                    receiver._arrived.notify_all()
                receiver._go.wait(timeout=120)
                answer = receiver._answers.popleft() if receiver._answers else Answer()
                if verified is False:
                    answer = Answer(401, body=b"bad signature")
                try:
                    self.send_response(answer.status)
                    for name, value in (answer.headers or {}).items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(answer.body)))
                    self.end_headers()
                    if answer.drip_seconds:
                        for byte in answer.body:
                            self.wfile.flush()
                            time.sleep(answer.drip_seconds)
                            self.wfile.write(bytes([byte]))
                    else:
                        self.wfile.write(answer.body)
                except OSError:
                    pass  # the sender is gone (killed mid-request)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_port}/hooks"

    def start(self) -> "WebhookReceiver":
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._go.set()
        self._server.shutdown()
        self._server.server_close()

    def answer(self, *answers) -> None:
        """Script the next answers: a status code, or an Answer with headers and body."""
        self._answers.extend(a if isinstance(a, Answer) else Answer(status=a) for a in answers)

    def hold(self) -> None:
        self._go.clear()

    def release(self) -> None:
        self._go.set()

    def wait_for(self, count: int, timeout: float = 60.0) -> list[Received]:
        """Wait until `count` requests have arrived; fail after `timeout` seconds."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.received) >= count, timeout=timeout):
                raise AssertionError(f"{len(self.received)} webhook requests arrived, not {count}")
        return self.received


@pytest.fixture
def webhook_receiver():
    receiver = WebhookReceiver().start()
    try:
        yield receiver
    finally:
        receiver.stop()
