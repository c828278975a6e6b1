"""A person's help-desk data erased or exported; a whole store's help desk erased.

    erase_contact(store=store, customer=customer, emails=["ania@example.pl"])
    erase_store(store=store)
    export = build_contact_export(store=store, customer=customer, emails=["ania@example.pl"])

A person's conversations are those linked to their customer record, and
those whose contact email is one of theirs (case-insensitive), so a
conversation never linked to a customer record is found too.

Erasure keeps what reports count (the conversation, its number, status,
channel, times, tags, assignee, its messages' kinds and times, activities)
and replaces every word the person or staff wrote about them: subjects,
texts, HTML, senders, recipients, delivery errors. The contact's email and
name are cleared and the conversation is stamped `erased_at`. Attachments'
rows are marked purged in the transaction and their files deleted after
commit (`attachments.finish_purges`); a crash in between is finished by the
retention sweep, which finishes every purge it finds.

commerce calls these through its erasure hooks (registered in
helpdesk.apps.ready): commerce may not import the help desk, which imports commerce.

After an erasure each function of `ERASED_LISTENERS` is called, in the
transaction, with (store, conversation_ids): a search index registers
there to drop the erased messages (`register_erased_listener`).
"""

from collections.abc import Callable, Iterable

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from cxloop.core.models import Store

from ..models import Attachment, Conversation, Message
from . import attachments

REDACTED = "[erased]"

ErasedListener = Callable[[Store, list[int]], None]
ERASED_LISTENERS: list[ErasedListener] = []


def register_erased_listener(listener: ErasedListener) -> None:
    """Call `listener(store, conversation_ids)` in the transaction of every erasure (once per listener)."""
    if listener not in ERASED_LISTENERS:
        ERASED_LISTENERS.append(listener)


def list_contact_conversations(store: Store, *, customer=None, emails: Iterable[str] = ()) -> QuerySet:
    """The store's conversations with this person: by customer record, or by contact email in any case."""
    match = Q(pk__in=[])
    if customer is not None:
        match |= Q(customer=customer)
    for email in {e.strip().lower() for e in emails if e and e.strip()}:
        match |= Q(contact_email__iexact=email)
    return Conversation.objects.filter(store=store).filter(match)


@transaction.atomic
def erase_contact(*, store: Store, customer=None, emails: Iterable[str] = ()) -> int:
    """Erase a person's words from the help desk; return how many conversations were erased.

    One transaction; attachments' files are deleted after commit. Erasing again is harmless.
    """
    found = list_contact_conversations(store, customer=customer, emails=emails)
    ids = list(found.values_list("pk", flat=True))
    if not ids:
        return 0
    Message.objects.filter(store=store, conversation_id__in=ids).update(
        subject=REDACTED, text=REDACTED, reply_text=REDACTED, html="", from_email="", from_name="",
        to=[], cc=[], delivery_error="",
    )  # fmt: skip
    now = timezone.now()
    # updated_at too: the analytics warehouse copies the conversation again, without the customer, also
    # when the erasure was asked by email alone (then no customer erasure reaches the warehouse).
    Conversation.objects.filter(store=store, pk__in=ids).update(
        subject=REDACTED, contact_email="", contact_name="", customer=None, erased_at=now, updated_at=now
    )
    attachments.mark_purged(Attachment.objects.filter(store=store, message__conversation_id__in=ids))
    _tell_listeners(store, ids)
    return len(ids)


@transaction.atomic
def erase_store(*, store: Store) -> int:
    """Remove every conversation of the store, with its messages and attachments; return how many.

    Files are deleted after commit. Teams, tags, mailboxes and settings are the store's own and stay.
    """
    ids = list(Conversation.objects.filter(store=store).values_list("pk", flat=True))
    names = list(Attachment.objects.filter(store=store).exclude(file="").values_list("file", flat=True))
    transaction.on_commit(lambda: attachments.delete_files(names))
    _tell_listeners(store, ids)
    Conversation.objects.filter(store=store).update(merged_into=None)
    deleted = Conversation.objects.filter(store=store).delete()[1].get("helpdesk.Conversation", 0)
    return deleted


def _tell_listeners(store: Store, conversation_ids: list[int]) -> None:
    for listener in ERASED_LISTENERS:
        listener(store, conversation_ids)


def build_contact_export(store: Store, *, customer=None, emails: Iterable[str] = ()) -> list[dict]:
    """A person's conversations as plain data for their copy of their personal data (oldest first).

    Every message is included: what they wrote, the replies they were sent, and
    staff notes about them (personal data too; see docs/helpdesk.md,
    "Privacy"), with the author of a reply or note named only as staff.
    Attachments are listed by name, type and size.
    """
    conversations = (
        list_contact_conversations(store, customer=customer, emails=emails)
        .order_by("created_at", "pk")
        .prefetch_related("messages__attachments")
    )
    return [_conversation_export(conversation) for conversation in conversations]


def _conversation_export(conversation: Conversation) -> dict:
    messages = sorted(conversation.messages.all(), key=lambda m: (m.created_at, m.pk))
    return {
        "number": conversation.number,
        "subject": conversation.subject,
        "channel": conversation.channel,
        "status": conversation.status,
        "contact_email": conversation.contact_email,
        "contact_name": conversation.contact_name,
        "created_at": conversation.created_at.isoformat(),
        "resolved_at": conversation.resolved_at.isoformat() if conversation.resolved_at else None,
        "messages": [_message_export(message) for message in messages],
    }


def _message_export(message: Message) -> dict:
    return {
        "kind": message.kind,
        "channel": message.channel,
        "from": message.from_email if message.kind == Message.Kind.INCOMING else "staff",
        "from_name": message.from_name if message.kind == Message.Kind.INCOMING else "",
        "to": message.to,
        "cc": message.cc,
        "subject": message.subject,
        "text": message.text,
        "created_at": message.created_at.isoformat(),
        "attachments": [
            {
                "filename": a.filename,
                "content_type": a.content_type,
                "size": a.size,
                "removed": a.purged_at is not None,
            }
            for a in message.attachments.all()
        ],
    }


__all__ = [
    "REDACTED",
    "register_erased_listener",
    "list_contact_conversations",
    "erase_contact",
    "erase_store",
    "build_contact_export",
]
