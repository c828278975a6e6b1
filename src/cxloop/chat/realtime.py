"""Pushing chat events to open widgets and agents' inboxes through the Channels layer.

Groups: `chat.v.<visitor id>` (a visitor's open widgets) and `chat.s.<store
id>` (the store's agents). The database is the record: a push is only a
wake-up, and a widget that missed one (a network drop, a process without the
shared layer) reads what it missed by the last message id it has. So a
failed push is logged, never raised into the service that stored the message.
"""

import asyncio
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

EVENT = "chat.event"  # the consumers' handler: chat_event
_collecting: ContextVar[list | None] = ContextVar("cxloop_chat_collecting", default=None)


def visitor_group(visitor_id: int) -> str:
    return f"chat.v.{visitor_id}"


def store_group(store_id: int) -> str:
    return f"chat.s.{store_id}"


def publish(group: str, event: dict) -> None:
    """Push `event` to `group` now; inside `collecting()` (a group of widget messages being stored, in
    the database thread or a writer process) it is added to the list the event loop pushes."""
    events = _collecting.get()
    if events is not None:
        events.append((group, event))
        return
    layer = get_channel_layer()
    if layer is None:
        return

    def send() -> None:
        try:
            async_to_sync(layer.group_send)(group, {"type": EVENT, "event": event})
        except Exception:  # the layer's own failure (Redis down): the widget catches up from the database
            logger.warning("Chat event to %s not pushed", group, exc_info=True)

    if _loop_running():  # sync code on a thread that runs a loop: async_to_sync can't wait here
        worker = threading.Thread(target=send)
        worker.start()
        worker.join()
    else:
        send()


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def publish_on_commit(group: str, event: dict) -> None:
    """Push `event` once the transaction commits (never, if it rolls back).

    Inside `collecting()` the event is added to its list at the commit instead, for the event loop
    to push (chat.writer): no hop from the database thread to the loop and back for each.
    """
    events = _collecting.get()
    if events is not None:
        transaction.on_commit(lambda: events.append((group, event)))
    else:
        transaction.on_commit(lambda: publish(group, event))


@contextmanager
def collecting() -> Iterator[list[tuple[str, dict]]]:
    """The (group, event) pairs `publish_on_commit` is given in the block, each once its transaction
    has committed; the caller pushes them (`push_all`)."""
    events: list[tuple[str, dict]] = []
    token = _collecting.set(events)
    try:
        yield events
    finally:
        _collecting.reset(token)


async def push_all(events: list[tuple[str, dict]]) -> None:
    """Push collected events from the event loop, in order; a layer's failure is logged (see publish).

    The lists of messages for one group ({"type": "messages"}: the agents') go as one event: an
    agent's socket sends one frame and the page refreshes once for a group of messages stored together.
    """
    layer = get_channel_layer()
    if layer is None:
        return
    for group, event in merge_lists(events):
        try:
            await layer.group_send(group, {"type": EVENT, "event": event})
        except Exception:
            logger.warning("Chat event to %s not pushed", group, exc_info=True)


def merge_lists(events: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
    """The events with each group's {"type": "messages"} lists joined into its first, in order."""
    merged: list[tuple[str, dict]] = []
    lists: dict[str, list] = {}
    for group, event in events:
        if event.get("type") != "messages":
            merged.append((group, event))
        elif group in lists:
            lists[group].extend(event["messages"])
        else:
            lists[group] = list(event["messages"])
            merged.append((group, {**event, "messages": lists[group]}))
    return merged
