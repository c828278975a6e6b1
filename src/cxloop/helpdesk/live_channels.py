"""Channels that take a reply while the customer is there: the chat widget (registered by its app).

    register(Channel.CHAT, is_present=chat_is_open, deliver=push_to_widget)

`services.conversations.reply` asks `for_reply(conversation)`: a conversation
opened on such a channel is answered there while the customer is present, or
when there is no email address to fall back on; otherwise by email.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class LiveChannel:
    channel: str
    is_present: Callable  # (conversation) -> bool
    deliver: Callable  # (message) -> None, called after the reply is committed


_registry: dict[str, LiveChannel] = {}


def register(channel: str, *, is_present: Callable, deliver: Callable) -> None:
    _registry[channel] = LiveChannel(channel, is_present, deliver)


def for_reply(conversation) -> LiveChannel | None:
    live = _registry.get(conversation.channel)
    if live is None:
        return None
    if not conversation.contact_email or live.is_present(conversation):
        return live
    return None
