"""Lines from the store in a chat's stream: stored, so every widget shows each of them once.

    record(conversation, Notice.Kind.TRANSFER)          # in the transaction of what happened
    after(visitor, conversation_ids, notices_after=3)   # what the widget has not shown yet

A notice is not a help-desk message: the agents' inbox, its previews, SLAs, reports and
exports never see it (the conversation page has its own activity line for the same event).
The widget gets it among the messages (services.history), placed after the message it
follows, as {"id": "n7", "notice": 7, "from": "system", "text": ..., "at": ...}, and asks
for what came after the last notice it has (`notices=7`), as it does by message id.
"""

from django.db.models import Max, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cxloop.helpdesk.models import Message

from . import realtime
from .models import Notice, Visitor


def text(kind: str) -> str:
    """The notice's words in the active language; they name nobody (no agent, no team)."""
    if kind == Notice.Kind.TRANSFER:
        return _("You are being transferred to a colleague.")
    return ""


def record(conversation, kind: str) -> Notice:
    """Store a notice after the conversation's last message; push it to open widgets after commit.

    Call it inside the transaction of what it tells, so it exists exactly when that happened.
    """
    follows = Message.objects.filter(conversation_id=conversation.pk).aggregate(last=Max("pk"))["last"]
    notice = Notice.objects.create(
        store_id=conversation.store_id,
        conversation_id=conversation.pk,
        kind=kind,
        follows=follows or 0,
        created_at=timezone.now(),
    )
    visitors = Visitor.objects.filter(store_id=conversation.store_id).filter(
        Q(conversation_id=conversation.pk) | Q(conversation__merged_into_id=conversation.pk)
    )
    fallback = conversation.store.default_language or "en"
    for visitor_id, language in visitors.values_list("pk", "language"):
        with translation.override(language or fallback):
            entry = widget_notice(notice)
        realtime.publish_on_commit(realtime.visitor_group(visitor_id), {"type": "message", "message": entry})
    return notice


def after(visitor: Visitor, conversation_ids: list[int], *, notices_after: int, up_to: int | None) -> list:
    """The visitor's chat's notices after id `notices_after`, up to those that follow message `up_to`."""
    rows = Notice.objects.filter(
        store_id=visitor.store_id, conversation_id__in=conversation_ids, pk__gt=notices_after
    )
    if up_to is not None:
        rows = rows.filter(follows__lte=up_to)
    return list(rows.order_by("pk"))


def widget_notice(notice: Notice) -> dict:
    """A notice as the widget shows it, in the active language (plain text, set as text)."""
    return {
        "id": f"n{notice.pk}",
        "notice": notice.pk,
        "from": "system",
        "text": text(notice.kind),
        "at": notice.created_at.isoformat(),
    }
