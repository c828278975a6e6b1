"""The request body limit of the ASGI server (`cxloop serve --asgi`), held while the body arrives.

Django's ASGI handler reads a request's whole body (into memory, then a temporary file) before
the first middleware runs, so `core.middleware.BodySizeLimitMiddleware` would see a chunked upload
only once all of it was on disk, however large. `BodyLimit` wraps the handler: a declared
Content-Length over the path's limit is answered 413 unread, and a body without one is counted
as it arrives and refused at the first chunk past the limit, the rest left unread.

The limits: the chat's paths (the widget's JSON and one file, `/chat/`) take
CXLOOP_CHAT_MAX_FILE_BYTES and a multipart form's overhead; every other path the largest upload
a page takes, CXLOOP_MAX_UPLOAD_BYTES, and a form's worth more (`middleware.request_limit`; the
API's and webhooks' smaller limits are the middleware's).
"""

import json

from django.conf import settings

from cxloop.core.middleware import request_limit, too_large_error

CHAT_PREFIX = "/chat/"
MULTIPART_SLACK = 64 * 1024  # a file's upload: its form's other fields and boundaries besides the file


class BodyTooLarge(Exception):
    pass


def limit_for(path: str) -> int:
    if path.startswith(CHAT_PREFIX):
        return settings.CXLOOP_CHAT_MAX_FILE_BYTES + MULTIPART_SLACK
    return request_limit()


class BodyLimit:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = limit_for(scope.get("path", ""))
        if _declared_length(scope) > limit:
            return await _refuse(send, limit)
        received = 0
        started = False

        async def counted_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        async def watched_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge:
            if started:  # a view streaming its answer while reading: nothing better to do than stop
                raise
            await _refuse(send, limit)


def _declared_length(scope) -> int:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0
    return 0


async def _refuse(send, limit: int) -> None:
    body = json.dumps(too_large_error(limit)).encode()
    await send({
        "type": "http.response.start",
        "status": 413,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close")],
    })  # fmt: skip
    await send({"type": "http.response.body", "body": body})
