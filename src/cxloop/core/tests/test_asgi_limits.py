"""The ASGI server holds request bodies to their limits while they arrive (core.asgi_limits)."""

import asyncio
import json

import pytest
from asgiref.sync import async_to_sync
from django.test import Client

from cxloop.chat import services
from cxloop.core.middleware import FORM_SLACK
from cxloop.helpdesk.models import Message

pytestmark = pytest.mark.django_db(transaction=True)

CHUNK = 64 * 1024


def _call(path: str, *, chunks: int, headers=(), method="POST"):
    """Send `chunks` chunks of 64 KiB to the real ASGI application; (status, body, chunks it read)."""
    from cxloop.asgi import application

    read = 0
    sent = []

    async def receive():
        nonlocal read
        if read == chunks:  # the body is over: the client waits for the answer
            await asyncio.Future()
        read += 1
        return {"type": "http.request", "body": b"x" * CHUNK, "more_body": read < chunks}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(b"host", b"testserver"), *headers], "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }  # fmt: skip
    async_to_sync(application)(scope, receive, send)
    start = next(message for message in sent if message["type"] == "http.response.start")
    body = b"".join(message.get("body", b"") for message in sent if message["type"] == "http.response.body")
    return start["status"], body, read


def test_a_chunked_upload_past_the_chats_limit_is_refused_as_it_arrives(settings, store):
    settings.CXLOOP_CHAT_MAX_FILE_BYTES = 1024 * 1024
    _visitor, token = services.start(store=store, language="pl")

    status, body, read = _call(
        f"/chat/{store.slug}/attachments",
        chunks=1000,  # 64 MB, no Content-Length
        headers=[(b"authorization", f"Bearer {token}".encode()),
                 (b"content-type", b"multipart/form-data; boundary=x")],
    )  # fmt: skip

    assert status == 413
    assert json.loads(body)["error"] == "body_too_large"
    assert read <= 1024 * 1024 // CHUNK + 2  # stopped just past the limit, 950-odd chunks never read
    assert not Message.objects.exists()


def test_a_declared_length_past_the_limit_is_refused_unread(settings):
    settings.CXLOOP_MAX_UPLOAD_BYTES = 1_000_000

    status, body, read = _call(
        "/import/", chunks=100, headers=[(b"content-length", str(100 * CHUNK).encode())]
    )

    assert status == 413 and read == 0
    assert f"{1_000_000 + FORM_SLACK} bytes" in json.loads(body)["detail"]


def test_a_body_within_the_limit_reaches_the_page(settings):
    settings.CXLOOP_MAX_UPLOAD_BYTES = 1_000_000

    status, _body, read = _call("/no-such-page/", chunks=3)

    assert status == 404 and read == 3  # read whole, and answered by the site as usual


def test_over_wsgi_a_declared_length_past_the_largest_upload_is_refused_before_parsing(settings, client):
    settings.CXLOOP_MAX_UPLOAD_BYTES = 1_000
    response = Client().generic(
        "POST", "/login/", b"x" * (1_001 + FORM_SLACK), content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 413
    assert response.json()["error"] == "body_too_large"
