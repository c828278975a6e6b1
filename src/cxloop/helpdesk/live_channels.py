"""Channels that take a reply while the customer is there: the chat widget (registered by its app).

    register(Channel.CHAT, is_present=chat_is_open, deliver=push_to_widget, panel=visitor_panel,
             inbox_html=live_inbox_script, transferring=record_transfer, transferred=announce_transfer)

`services.conversations.reply` asks `for_reply(conversation)`: a conversation
opened on such a channel is answered there while the customer is present, or
when there is no email address to fall back on; otherwise by email.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe


@dataclass(frozen=True)
class LiveChannel:
    channel: str
    is_present: Callable  # (conversation) -> bool
    deliver: Callable  # (message) -> None, called after the reply is committed
    panel: Callable | None = None  # (request, conversation) -> HTML for the conversation page's side
    inbox_html: Callable | None = None  # (request) -> HTML for the inbox page (live updates)
    transferred: Callable | None = None  # (conversation, user_ids, actor, team) -> None, after commit
    transferring: Callable | None = None  # (conversation) -> None, in the transfer's transaction


_registry: dict[str, LiveChannel] = {}


def register(
    channel: str,
    *,
    is_present: Callable,
    deliver: Callable,
    panel: Callable | None = None,
    inbox_html: Callable | None = None,
    transferred: Callable | None = None,
    transferring: Callable | None = None,
) -> None:
    _registry[channel] = LiveChannel(
        channel, is_present, deliver, panel, inbox_html, transferred, transferring
    )


def conversation_panel(request, conversation) -> str:
    """The live channel's part of a conversation page (the chat's visitor, live updates), or ""."""
    live = _registry.get(conversation.channel)
    return live.panel(request, conversation) if live is not None and live.panel is not None else ""


def inbox_parts(request) -> str:
    """What each live channel adds to the inbox page (a script that refreshes it as messages come).

    Each part is a rendered template (its own escaping done); joining them must keep them markup,
    or the page would show the script as text instead of running it.
    """
    parts = [live.inbox_html(request) for live in _registry.values() if live.inbox_html is not None]
    return mark_safe("".join(conditional_escape(part) for part in parts))


def record_transfer(conversation) -> None:
    """Let the live channel keep what the customer sees of a transfer (services.transfer, in its
    transaction): the chat stores a neutral line that every widget of the chat shows once."""
    live = _registry.get(conversation.channel)
    if live is not None and live.transferring is not None:
        live.transferring(conversation)


def announce_transfer(conversation, *, user_ids: list[int], actor, team) -> None:
    """Tell the live channel a conversation was transferred (services.transfer, after commit): the
    receiving agents' open pages hear it."""
    live = _registry.get(conversation.channel)
    if live is not None and live.transferred is not None:
        live.transferred(conversation, user_ids=user_ids, actor=actor, team=team)


def for_reply(conversation) -> LiveChannel | None:
    live = _registry.get(conversation.channel)
    if live is None:
        return None
    if not conversation.contact_email or live.is_present(conversation):
        return live
    return None
