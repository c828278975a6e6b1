"""Chunked request bodies, sent to a real server process.

Django's test client always sends a Content-Length, so these tests start
`cxloop serve` (gunicorn) on a free port with its own SQLite file and send
genuinely chunked requests (`Transfer-Encoding: chunked`, no Content-Length)
with http.client.
"""

import http.client
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from cxloop.commerce.tests.helpers import hmac_b64
from cxloop.core.middleware import BodySizeLimitMiddleware
from cxloop.testing.apiserver import free_port

CXLOOP = str(Path(sys.executable).parent / "cxloop")
PAYLOADS = Path(__file__).parent / "payloads" / "shopify"
SECRET = "shpss_chunked_secret_0123456789"
OVER_THE_LIMIT = 1_200_000  # CXLOOP_MAX_BODY_BYTES is 1 MB


def cxloop(env, *args) -> str:
    return subprocess.run([CXLOOP, *args], env=env, check=True, capture_output=True, text=True).stdout


def wait_until_up(process, port) -> None:
    for _ in range(300):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    raise RuntimeError("the server did not start")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A running `cxloop serve` with one store, its API key and a Shopify secret."""
    var = tmp_path_factory.mktemp("chunked")
    env = {**os.environ, "DEBUG": "1", "CXLOOP_VAR_DIR": str(var), "PYTHONUNBUFFERED": "1"}
    env.pop("DATABASE_URL", None)
    env.pop("CXLOOP_TESTING", None)
    cxloop(env, "migrate", "--no-input", "-v0")
    output = cxloop(env, "store", "create", "Chunked Shop", "--currency", "PLN", "--slug", "chunked")
    key = output.split("API key (shown once, keep it safe): ")[1].split()[0]
    cxloop(env, "store", "secret", "chunked", "shopify", SECRET)
    port = free_port()
    process = subprocess.Popen(
        [CXLOOP, "serve", "--port", str(port), "--workers", "1", "--threads", "2", "--no-access-log"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    wait_until_up(process, port)
    yield {"port": port, "key": key, "database": var / "cxloop.sqlite3"}
    os.killpg(process.pid, signal.SIGTERM)
    process.wait()


def send_chunked(server, path: str, body: bytes, headers: dict) -> tuple[int, dict]:
    """POST `body` in 64 KB chunks with no Content-Length; return (status, JSON answer)."""
    chunks = (body[i : i + 65536] for i in range(0, len(body), 65536))
    connection = http.client.HTTPConnection("127.0.0.1", server["port"], timeout=30)
    try:
        connection.request("POST", path, body=chunks, headers=headers, encode_chunked=True)
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        connection.close()


def count(server, table: str) -> int:
    with sqlite3.connect(server["database"]) as conn:
        return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608 (a test's own table names)


def event_headers(server) -> dict:
    return {
        "Authorization": f"Bearer {server['key']}",
        "Content-Type": "application/json",
        "Transfer-Encoding": "chunked",
    }


def shopify_headers(body: bytes, event_id: str) -> dict:
    return {
        "Content-Type": "application/json",
        "Transfer-Encoding": "chunked",
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Hmac-Sha256": hmac_b64(SECRET, body),
        "X-Shopify-Event-Id": event_id,
    }


def test_a_chunked_event_is_accepted(server):
    body = json.dumps({"events": [{"event_id": "chunked-1", "type": "page_view", "anonymous_id": "v1"}]})

    status, answer = send_chunked(server, "/api/v1/events", body.encode(), event_headers(server))

    assert status == 200, answer
    assert answer["accepted"] == 1
    with sqlite3.connect(server["database"]) as conn:
        assert conn.execute("SELECT event_id FROM commerce_event").fetchall() == [("chunked-1",)]


def test_a_chunked_signed_webhook_is_applied(server):
    body = (PAYLOADS / "orders_create.json").read_bytes()

    status, answer = send_chunked(
        server, "/webhooks/shopify/chunked/", body, shopify_headers(body, "chunked-evt-1")
    )  # noqa: E501

    assert status == 200, answer
    assert answer["status"] == "processed"
    with sqlite3.connect(server["database"]) as conn:
        orders = conn.execute("SELECT number, CAST(total AS TEXT) FROM commerce_order").fetchall()
    assert orders == [("#1042", "259")]


@pytest.mark.parametrize("door", ["events", "webhook"])
def test_a_chunked_body_over_the_limit_answers_413_and_stores_nothing(server, door):
    # given a body over 1 MB
    if door == "events":
        events = [
            {
                "event_id": f"big-{i}",
                "type": "page_view",
                "anonymous_id": "v2",
                "properties": {"pad": "x" * 1400},
            }
            for i in range(900)
        ]  # noqa: E501
        path, body = "/api/v1/events", json.dumps({"events": events}).encode()
        headers = event_headers(server)
    else:
        order = json.loads((PAYLOADS / "orders_create.json").read_bytes())
        order.update(id=5512345670000, name="#9999", note="x" * OVER_THE_LIMIT)
        body = json.dumps(order).encode()
        path, headers = "/webhooks/shopify/chunked/", shopify_headers(body, "chunked-big")
    assert len(body) > OVER_THE_LIMIT
    before = {
        table: count(server, table)
        for table in ("commerce_event", "commerce_order", "commerce_webhookdelivery")
    }  # noqa: E501

    # when it is sent chunked
    status, answer = send_chunked(server, path, body, headers)

    # then it is refused as too large and nothing is stored, not even a delivery log row
    assert (status, answer["error"]) == (413, "body_too_large")
    assert {table: count(server, table) for table in before} == before


def test_a_chunked_body_the_server_left_encoded_answers_411():
    # given a server that passes a chunked body on without decoding it (no wsgi.input_terminated)
    request = RequestFactory().post(
        "/api/v1/events", data=b"5\r\nhello\r\n0\r\n\r\n", content_type="application/json"
    )  # noqa: E501
    del request.META["CONTENT_LENGTH"]
    request.META["HTTP_TRANSFER_ENCODING"] = "chunked"

    # when the body limit reads it
    response = BodySizeLimitMiddleware(lambda request: HttpResponse("reached the view"))(request)

    # then it asks for a Content-Length instead of passing an empty body on
    assert response.status_code == 411
    assert json.loads(response.content)["error"] == "length_required"
