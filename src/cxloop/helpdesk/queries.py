"""Reads of the help desk, always within one store (another store's id is 404)."""

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from cxloop.core.models import Store

from .models import Conversation, Message


def list_conversations(store: Store, *, status: str | None = None) -> QuerySet[Conversation]:
    """The store's conversations, the most recently active first."""
    found = Conversation.objects.filter(store=store)
    if status:
        found = found.filter(status=status)
    return found.order_by("-last_message_at", "-pk")


def get_conversation(store: Store, conversation_id: int) -> Conversation:
    conversation = Conversation.objects.filter(store=store, pk=conversation_id).first()
    if conversation is None:
        raise Http404("No such conversation.")
    return conversation


def get_conversation_with_messages(store: Store, conversation_id: int) -> Conversation:
    """The conversation with its messages, oldest first (`conversation.message_list`)."""
    messages = Message.objects.filter(store=store).order_by("created_at", "pk")
    conversation = (
        Conversation.objects.filter(store=store, pk=conversation_id)
        .prefetch_related(Prefetch("messages", queryset=messages, to_attr="message_list"))
        .first()
    )
    if conversation is None:
        raise Http404("No such conversation.")
    return conversation


def list_messages(conversation: Conversation) -> QuerySet[Message]:
    """A conversation's messages, oldest first."""
    return Message.objects.filter(store_id=conversation.store_id, conversation=conversation).order_by(
        "created_at", "pk"
    )
