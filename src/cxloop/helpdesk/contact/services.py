"""Take a contact-form message into the help desk, and acknowledge it by email.

    conversation, created = take_contact_message(store=store, sent=sent, key=token.key, language="fa")

The message is stored once per submission key (`external_id` "form:<key>",
through `services.intake.take_message`); only the first time is an
acknowledgement queued. The acknowledgement is a `Message(kind=reply,
auto_submitted=True)` of the conversation, written in the same transaction
with its Message-ID, so that the customer's answer to it (In-Reply-To that
Message-ID, to the conversation's reply address) threads into the same
conversation and staff see in the conversation what was sent. It is sent
after commit by `send_acknowledgement_task`; `deliver_acknowledgement`
claims it (queued -> sending) so two runs send it once, and a failed send
is retried a few times.
"""

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.db import transaction
from django.utils import timezone

from cxloop.core import mailer
from cxloop.core.models import Store

from ..models import Channel, Conversation, Message
from ..services.intake import Incoming, take_message

logger = logging.getLogger(__name__)

RETRY_DELAYS = (60, 600, 3600)  # seconds after the 1st, 2nd and 3rd failed send


@dataclass(frozen=True)
class ContactMessage:
    """What a customer sent with the form, checked (form.clean_entry)."""

    name: str
    email: str
    message: str
    subject: str = ""
    order_number: str = ""

    def text(self) -> str:
        """The message as staff read it: the order number, when given, on its own first line."""
        if not self.order_number:
            return self.message
        return f"Order: {self.order_number}\n\n{self.message}"


def is_taken(store: Store, key: str) -> bool:
    """Whether the message of this form load (its submission key) was already taken."""
    return Message.objects.filter(store=store, external_id=f"form:{key}").exists()


@transaction.atomic
def take_contact_message(
    *, store: Store, sent: ContactMessage, key: str, language: str
) -> tuple[Conversation, bool]:
    """Open a conversation from a contact-form message (once per `key`); queue its acknowledgement.

    Returns (conversation, created). A second submit of the same form returns
    the first one's conversation, created=False, and queues nothing.
    """
    incoming = Incoming(text=sent.text(), subject=sent.subject, from_email=sent.email, from_name=sent.name)
    conversation, message, created = take_message(
        store=store, channel=Channel.FORM, incoming=incoming, external_id=f"form:{key}"
    )
    if created:
        ack = _record_acknowledgement(conversation, message, key, language)
        transaction.on_commit(partial(_enqueue, ack.pk, language))
    return conversation, created


def _record_acknowledgement(
    conversation: Conversation, incoming: Message, key: str, language: str
) -> Message:
    """The acknowledgement as a reply of the conversation, written as it will be sent (staff see it)."""
    from .emails import build_acknowledgement_email, make_message_id

    ack = Message.objects.create(
        store_id=conversation.store_id,
        conversation=conversation,
        kind=Message.Kind.REPLY,
        channel=Channel.EMAIL,
        to=[conversation.contact_email],
        message_id=make_message_id(f"contact-ack.{conversation.pk}.{secrets.token_hex(6)}"),
        in_reply_to=[],
        external_id=f"form-ack:{key}",
        auto_submitted=True,  # sent by cxloop, not by a person: rules and reports leave it aside
        delivery=Message.Delivery.QUEUED,
        created_at=incoming.created_at,
    )
    email, text = build_acknowledgement_email(ack, language=language)
    ack.from_email, ack.subject, ack.text = email.from_email[:254], email.subject[:998], text
    ack.save(update_fields=["from_email", "subject", "text"])
    return ack


def _enqueue(message_id: int, language: str, *, run_after=None) -> None:
    from .tasks import send_acknowledgement_task

    task = send_acknowledgement_task.using(run_after=run_after) if run_after else send_acknowledgement_task
    task.enqueue(message_id, language)


def deliver_acknowledgement(*, message_id: int, language: str) -> str:
    """Email one queued acknowledgement; return its delivery status. Safe to run twice.

    Sent once: the message is claimed (queued -> sending) in one UPDATE. The
    server refusing it puts it back to queued for a later try (RETRY_DELAYS),
    then it fails with the error kept for staff to see.
    """
    from .emails import build_acknowledgement_email

    claimed = Message.objects.filter(pk=message_id, delivery=Message.Delivery.QUEUED).update(
        delivery=Message.Delivery.SENDING
    )
    message = (
        Message.objects.select_related("conversation", "conversation__store").filter(pk=message_id).first()
    )
    if message is None or not claimed:
        return message.delivery if message is not None else ""
    email, _text = build_acknowledgement_email(message, language=language)
    try:
        mailer.send(email)
    except Exception as error:  # noqa: BLE001 - any backend error: recorded, tried again later
        return _after_failure(message, error, language)
    now = timezone.now()
    Message.objects.filter(pk=message.pk).update(
        delivery=Message.Delivery.SENT, sent_at=now, attempts=message.attempts + 1, delivery_error=""
    )
    return Message.Delivery.SENT


def _after_failure(message: Message, error: Exception, language: str) -> str:
    attempts = message.attempts + 1
    text = f"{type(error).__name__}: {error}"[:500]
    logger.warning("Contact-form acknowledgement %s not sent (attempt %s): %s", message.pk, attempts, text)
    if attempts > len(RETRY_DELAYS):
        status = Message.Delivery.FAILED
    else:
        status = Message.Delivery.QUEUED
        _enqueue(
            message.pk, language, run_after=timezone.now() + timedelta(seconds=RETRY_DELAYS[attempts - 1])
        )
    Message.objects.filter(pk=message.pk).update(delivery=status, attempts=attempts, delivery_error=text)
    return status
