"""The ASGI application: the whole site over HTTP, plus the chat's WebSockets.

`cxloop serve --asgi` (the demo: one process, Channels' in-memory layer)
serves everything from here. In production the HTTP site stays on gunicorn
(`cxloop serve`) and `cxloop chat-server` serves this for the paths under
/chat/ (the sockets and the widget's long polling), with the Redis layer
(CXLOOP_REDIS_URL) joining the processes; docs/chat.md.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxloop.settings")
django_application = get_asgi_application()  # sets Django up before the consumers are imported

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path  # noqa: E402

from cxloop.chat import consumers  # noqa: E402
from cxloop.core.asgi_limits import BodyLimit  # noqa: E402

visitor_sockets = URLRouter([path("chat/ws/visitor/", consumers.VisitorConsumer.as_asgi())])
# A staff socket carries the session cookie: only pages of this server's own hosts may open it.
agent_sockets = AllowedHostsOriginValidator(
    AuthMiddlewareStack(URLRouter([path("chat/ws/agent/<int:store_id>/", consumers.AgentConsumer.as_asgi())]))
)


async def websocket_router(scope, receive, send):
    if scope["path"].startswith("/chat/ws/agent/"):
        return await agent_sockets(scope, receive, send)
    return await visitor_sockets(scope, receive, send)


# Request bodies are held to their limits while they arrive, before Django spools them (core.asgi_limits).
application = ProtocolTypeRouter({"http": BodyLimit(django_application), "websocket": websocket_router})

from cxloop.core.language_detection import warm  # noqa: E402
from cxloop.core.startup import settle  # noqa: E402

warm()  # the detector is built now, not while the first shopper's message waits (150 ms)
settle()

from cxloop.chat import writer_process  # noqa: E402

if writer_process.enabled():
    writer_process.start()  # ready before the first chat message (chat/writer_process.py)
