"""Tell staff by email about notes that mention them and conversations transferred to them.

Notes themselves never leave the store's staff.
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from cxloop.core import mailer
from cxloop.core.models import Membership
from cxloop.core.names import person_name
from cxloop.surveys.emails import one_line, public_url, sender_address

from ..models import Message


def notify_mention(*, message_id: int, user_id: int) -> bool:
    """Email a member of the note's store that the note mentions them; False if they are no longer one.

    The Message-ID is fixed per note and person, so a retried task's copy is recognisably the same.
    """
    note = (
        Message.objects.filter(pk=message_id, kind=Message.Kind.NOTE)
        .select_related("conversation", "conversation__store", "author")
        .first()
    )
    if note is None:
        return False
    store = note.conversation.store
    address = _member_address(store, user_id)
    if not address:
        return False
    author = note.author
    author_name = (person_name(author.first_name, author.last_name) or author.email) if author else ""
    link = public_url(reverse("helpdesk:conversation", args=[note.conversation_id]))
    with translation.override(store.default_language or settings.LANGUAGE_CODE):
        subject = _("%(name)s mentioned you in #%(number)s %(subject)s") % {
            "name": author_name, "number": note.conversation.number, "subject": note.conversation.subject,
        }  # fmt: skip
        body = _("%(name)s wrote an internal note:\n\n%(text)s\n\nOpen the conversation: %(link)s") % {
            "name": author_name, "text": note.text, "link": link,
        }  # fmt: skip
    _send(store, address, subject, body, f"helpdesk-mention.{note.pk}.{user_id}")
    return True


def notify_transfer(
    *, conversation_id: int, user_id: int, actor_id: int | None, note_id: int | None, transfer_id: str
) -> bool:
    """Email a member that a conversation was transferred to them (with the note left for them, if any).

    False when they no longer are a member or no longer have it (it moved on before the task ran).
    The Message-ID is fixed per transfer, so a retried task's copy is recognisably the same.
    """
    from ..models import Conversation

    conversation = Conversation.objects.filter(pk=conversation_id).select_related("store").first()
    if conversation is None or conversation.assignee_id != user_id:
        return False
    store = conversation.store
    address = _member_address(store, user_id)
    if not address:
        return False
    actor = Membership.objects.filter(store=store, user_id=actor_id).select_related("user").first()
    actor_name = (
        (person_name(actor.user.first_name, actor.user.last_name) or actor.user.email) if actor else ""
    )
    note = Message.objects.filter(pk=note_id, conversation=conversation, kind=Message.Kind.NOTE).first()
    link = public_url(reverse("helpdesk:conversation", args=[conversation.pk]))
    with translation.override(store.default_language or settings.LANGUAGE_CODE):
        actor_name = actor_name or _("Someone")
        subject = _("%(name)s transferred #%(number)s %(subject)s to you") % {
            "name": actor_name, "number": conversation.number, "subject": conversation.subject,
        }  # fmt: skip
        body = _("%(name)s transferred this conversation to you.") % {"name": actor_name}
        if note is not None:
            body += "\n\n" + _("Their note:\n\n%(text)s") % {"text": note.text}
        body += "\n\n" + _("Open the conversation: %(link)s") % {"link": link}
    _send(store, address, subject, body, f"helpdesk-transfer.{conversation.pk}.{transfer_id}")
    return True


def _member_address(store, user_id: int) -> str:
    """The email of an active member of the store, or "" (no longer a member, or no address)."""
    membership = (
        Membership.objects.filter(store=store, user_id=user_id, user__is_active=True)
        .select_related("user")
        .first()
    )
    return membership.user.email if membership is not None else ""


def _send(store, address: str, subject: str, body: str, message_key: str) -> None:
    """One plain mail to a member from the store, its Message-ID fixed by `message_key` (a retry's copy
    is recognisably the same)."""
    domain = settings.CXLOOP_HELPDESK_INBOUND_DOMAIN or "localhost"
    mailer.send(
        EmailMessage(
            subject=one_line(subject),
            body=body,
            from_email=sender_address(store.name),
            to=[address],
            headers={"Message-ID": f"<{message_key}@{domain}>"},
        )
    )
