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

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

EVENT = "chat.event"  # the consumers' handler: chat_event


def visitor_group(visitor_id: int) -> str:
    return f"chat.v.{visitor_id}"


def store_group(store_id: int) -> str:
    return f"chat.s.{store_id}"


def publish(group: str, event: dict) -> None:
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
    transaction.on_commit(lambda: publish(group, event))
