"""The chat's WebSockets: the widget's (`/chat/ws/visitor/`) and the agents' (`/chat/ws/agent/<store id>/`).

The widget's socket speaks JSON frames:

    -> {"type": "hello", "token": "...", "after": 41, "notices": 2}      first, always
    <- {"type": "ready", "visitor_id": 7}  then every message after 41 (and store's line after notice 2)
    -> {"type": "message", "text": "...", "client_id": "c-3"}
    <- {"type": "ack", "client_id": "c-3", "message": {...}}  (the same answer when sent again)
    -> {"type": "typing"} / {"type": "page", "url": ..., "title": ...}
    <- {"type": "message", "message": {...}} / {"type": "typing", "from": "agent"}
    <- {"type": "error", "error": "invalid", "detail": "text: must not be empty.", "field": "text"}
    <- {"type": "message", "message": {"id": "n3", "notice": 3, "from": "system", "text": ...}}
       a line from the store ("You are being transferred to a colleague.", chat.notices), stored

No cookie is involved (the token is the credential), so any storefront origin
may open it. The agents' socket is a staff page's: it needs the session
cookie, a membership of the store, and a page of this server's own origin
(asgi.py checks the Origin), so another site cannot open it in an agent's
browser. It hears the store's chat events, and a transfer only when it names
the socket's user: {"type": "transfer", "conversation_id": 3, "number": 12, "user_ids": [5], "url": ...}.
Shoppers' new messages come in lists, those stored together (chat.writer) in one frame:

    <- {"type": "messages", "messages": [{"conversation_id": 3, "visitor_id": 7, "message_id": 41}, ...]}
    <- {"type": "typing", "visitor_id": 7, "conversation_id": 3}
"""

import asyncio
import json
import logging
import time
from collections import deque

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from cxloop.core.errors import DomainError

from . import realtime, services, writer

logger = logging.getLogger(__name__)

MAX_FRAME = 16 * 1024  # bytes of one frame; a message is at most services.MAX_TEXT characters
# Per connection: a burst of MESSAGE_BURST messages, then one per MESSAGE_EVERY seconds.
MESSAGE_BURST = 10
MESSAGE_EVERY = 1.0
TYPING_EVERY = 1.0  # typing signals passed on, at most one per this many seconds
CLOSE_UNAUTHORIZED = 4401
CLOSE_TOO_LARGE = 1009
CLOSE_POLICY = 1008


# A layer drops a channel from its groups when its messages wait too long (Channels' in-memory layer:
# any message older than 60 s) or when the membership is old (group_expiry, a day): an open socket
# would then stay connected and hear nothing. Each socket joins its group again this often.
REJOIN_EVERY = 30.0


async def _keep_joined(layer, group: str, channel: str) -> None:
    while True:
        await asyncio.sleep(REJOIN_EVERY)
        try:
            await layer.group_add(group, channel)
        except Exception:  # the layer is down for a moment (Redis): try again at the next turn
            logger.warning("Chat socket could not rejoin %s", group, exc_info=True)


class DirectDispatch:
    """Hand every message straight to its handler, as Channels does but without its database hop.

    Channels' dispatch first closes stale database connections, through the one thread that runs
    every database call of the process (`aclose_old_connections`), before each handler: each frame a
    widget sent and each push waited there behind the messages being stored. Behind a burst an
    agent's feed stalled, its queue filled and later pushes were dropped (cxloop bench chat found
    it), and each shopper's frame waited for the group being written before it could join the
    next. These consumers reach the database only through `database_sync_to_async` (and
    chat.writer, which uses it), and that closes stale connections itself, in that thread.
    """

    async def dispatch(self, message):
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)


def _stop(task) -> None:
    if task is not None:
        task.cancel()


class Bucket:
    """A token bucket: `take()` is False once a burst is spent, until time refills it."""

    def __init__(self, burst: int, every: float):
        self.burst, self.every = burst, every
        self.tokens, self.at = float(burst), time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) / self.every)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class VisitorConsumer(DirectDispatch, AsyncJsonWebsocketConsumer):
    visitor = None

    async def chat_event(self, event):
        pushed = event["event"]
        message = pushed.get("message") or {}
        if pushed.get("type") == "message" and message.get("client_id") and message["client_id"] in self.sent:
            return  # this socket's own message, already acked (the visitor's other tabs get it)
        await self.send_json(pushed)

    async def connect(self):
        if not await database_sync_to_async(_may_connect)(self.scope):
            await self.close(code=CLOSE_POLICY)  # too many new sockets from this address
            return
        self.messages = Bucket(MESSAGE_BURST, MESSAGE_EVERY)
        self.typing_at = 0.0
        self.sent = deque(maxlen=100)  # client ids this socket sent: their echo to the group is skipped
        await self.accept()

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if bytes_data is not None or text_data is None or len(text_data) > MAX_FRAME:
            await self.close(code=CLOSE_TOO_LARGE)
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            await self._error("malformed_body", "The frame is not JSON.")
            return
        if not isinstance(content, dict):
            await self._error("malformed_body", "The frame is not a JSON object.")
            return
        await self.receive_json(content)

    async def receive_json(self, content, **kwargs):
        kind = content.get("type")
        if self.visitor is None:
            if kind != "hello":
                await self.close(code=CLOSE_UNAUTHORIZED)
                return
            await self._hello(content)
            return
        if kind == "message":
            await self._message(content)
        elif kind == "typing":
            now = time.monotonic()
            if now - self.typing_at >= TYPING_EVERY:
                self.typing_at = now
                await self.channel_layer.group_send(
                    realtime.store_group(self.visitor.store_id),
                    {"type": realtime.EVENT, "event": {"type": "typing", "visitor_id": self.visitor.pk,
                                                       "conversation_id": self.visitor.conversation_id}},
                )  # fmt: skip
        elif kind == "page":
            await database_sync_to_async(services.seen)(
                visitor=self.visitor,
                page_url=str(content.get("url", "")),
                page_title=str(content.get("title", "")),
            )
        elif kind == "ping":
            await self.send_json({"type": "pong"})
        else:
            await self._error("invalid", "type: one of message, typing, page, ping.", field="type")

    async def _hello(self, content):
        after, notices_after = content.get("after", 0), content.get("notices")
        try:
            visitor = await database_sync_to_async(services.visitor_from_token)(str(content.get("token", "")))
        except DomainError:
            await self.close(code=CLOSE_UNAUTHORIZED)
            return
        if not isinstance(after, int) or after < 0:
            after = 0
        if notices_after is not None and (not isinstance(notices_after, int) or notices_after < 0):
            notices_after = 0
        self.visitor = visitor
        await self.channel_layer.group_add(realtime.visitor_group(visitor.pk), self.channel_name)
        self.keeper = asyncio.create_task(
            _keep_joined(self.channel_layer, realtime.visitor_group(visitor.pk), self.channel_name)
        )
        missed = await database_sync_to_async(self._catch_up)(after, notices_after)
        await self.send_json({"type": "ready", "visitor_id": visitor.pk})
        for message in missed:
            await self.send_json({"type": "message", "message": message})

    def _catch_up(self, after: int, notices_after: int | None) -> list[dict]:
        services.seen(visitor=self.visitor)
        self.visitor.refresh_from_db(fields=["conversation"])
        return services.history(self.visitor, after=after, notices_after=notices_after)

    async def _message(self, content):
        client_id = content.get("client_id")
        if not self.messages.take():
            await self._error("rate_limited", "Too many messages; wait a moment.", client_id=client_id)
            return
        try:
            text = services.checked_message(content.get("text"), client_id)
            message, _created, conversation_id = await writer.store(self.visitor, text, client_id)
        except DomainError as error:
            await self._error(error.code, error.message, field=error.field, client_id=client_id)
            return
        if self.visitor.conversation_id is None:
            self.visitor.conversation_id = conversation_id
        self.sent.append(client_id)
        await self.send_json({"type": "ack", "client_id": client_id, "message": message})

    async def _error(self, code, detail, *, field=None, client_id=None):
        body = {"type": "error", "error": code, "detail": detail, "field": field}
        if client_id is not None:
            body["client_id"] = client_id
        await self.send_json(body)

    async def disconnect(self, code):
        _stop(getattr(self, "keeper", None))
        if self.visitor is not None:
            await self.channel_layer.group_discard(realtime.visitor_group(self.visitor.pk), self.channel_name)


class AgentConsumer(DirectDispatch, AsyncJsonWebsocketConsumer):
    """A staff page's live feed of the store's chats: new messages and typing, both ways."""

    store_id = None

    async def connect(self):
        store_id = self.scope["url_route"]["kwargs"]["store_id"]
        user = self.scope.get("user")
        if (
            user is None
            or not user.is_authenticated
            or not await database_sync_to_async(_is_member)(user, store_id)
        ):
            await self.close(code=CLOSE_UNAUTHORIZED)
            return
        self.store_id = store_id
        self.user_id = user.pk
        self.typing_at = 0.0
        await self.channel_layer.group_add(realtime.store_group(store_id), self.channel_name)
        self.keeper = asyncio.create_task(
            _keep_joined(self.channel_layer, realtime.store_group(store_id), self.channel_name)
        )
        await self.accept()

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if bytes_data is not None or text_data is None or len(text_data) > MAX_FRAME:
            await self.close(code=CLOSE_TOO_LARGE)
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            return
        if isinstance(content, dict) and content.get("type") == "typing":
            await self._typing(content.get("conversation_id"))

    async def _typing(self, conversation_id):
        now = time.monotonic()
        if not isinstance(conversation_id, int) or now - self.typing_at < TYPING_EVERY:
            return
        self.typing_at = now
        visitor_id = await database_sync_to_async(_visitor_of)(self.store_id, conversation_id)
        if visitor_id is not None:  # only a chat of this store
            await self.channel_layer.group_send(
                realtime.visitor_group(visitor_id),
                {"type": realtime.EVENT, "event": {"type": "typing", "from": "agent"}},
            )

    async def chat_event(self, event):
        pushed = event["event"]
        if pushed.get("type") == "transfer" and self.user_id not in pushed.get("user_ids", ()):
            return  # a transfer is told to whom it was transferred (chat.transfers), not the whole store
        await self.send_json(pushed)

    async def disconnect(self, code):
        _stop(getattr(self, "keeper", None))
        if self.store_id is not None:
            await self.channel_layer.group_discard(realtime.store_group(self.store_id), self.channel_name)


def _may_connect(scope) -> bool:
    from django.conf import settings

    from cxloop.surveys import ratelimit

    client = scope.get("client") or ("unknown", 0)
    limit = settings.CXLOOP_CHAT_CONNECTS_PER_MINUTE
    return ratelimit.hit("chat-connect", str(client[0]), limit=limit, period=60).allowed


def _is_member(user, store_id: int) -> bool:
    from cxloop.core.models import Membership

    return Membership.objects.filter(user=user, store_id=store_id).exists()


def _visitor_of(store_id: int, conversation_id: int) -> int | None:
    from .models import Visitor

    return (
        Visitor.objects.filter(store_id=store_id, conversation_id=conversation_id)
        .values_list("pk", flat=True)
        .first()
    )
