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
is retried a few times; `requeue_stranded_acknowledgements` (a periodic
sweep) queues the ones whose task never reached the queue or lost its worker.
"""

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.db import transaction
from django.utils import timezone

from cxloop.core import mailer, workers
from cxloop.core.models import Store

from ..models import Channel, Conversation, Message
from ..services.intake import Incoming, take_message

logger = logging.getLogger(__name__)

RETRY_DELAYS = (60, 600, 3600)  # seconds after the 1st, 2nd and 3rd failed send
ACK_PREFIX = "form-ack:"  # external_id of an acknowledgement: "form-ack:<submission key>"
STRANDED_BATCH = 1000


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
        transaction.on_commit(partial(_enqueue, ack.pk))
    return conversation, created


def _record_acknowledgement(
    conversation: Conversation, incoming: Message, key: str, language: str
) -> Message:
    """The acknowledgement as a reply of the conversation, written whole as it will be sent."""
    from .emails import make_message_id, write_acknowledgement

    ack = Message(
        store_id=conversation.store_id,
        conversation=conversation,
        kind=Message.Kind.REPLY,
        channel=Channel.EMAIL,
        to=[conversation.contact_email],
        message_id=make_message_id(f"contact-ack.{conversation.pk}.{secrets.token_hex(6)}"),
        external_id=f"{ACK_PREFIX}{key}",
        auto_submitted=True,  # sent by cxloop, not by a person: rules and reports leave it aside
        delivery=Message.Delivery.QUEUED,
        created_at=incoming.created_at,
    )
    write_acknowledgement(ack, language=language)
    ack.save()
    return ack


def _enqueue(message_id: int, *, run_after: datetime | None = None) -> None:
    from .tasks import send_acknowledgement_task

    task = send_acknowledgement_task.using(run_after=run_after) if run_after else send_acknowledgement_task
    task.enqueue(message_id)


def deliver_acknowledgement(*, message_id: int, take_over: bool = False) -> str:
    """Email one queued acknowledgement as it was written; return its delivery status. Safe to run twice.

    Sent once: the message is claimed (queued -> sending) in one UPDATE.
    `take_over`: this task's previous run lost its worker, so a message it
    left "sending" is sent again (at least once: SMTP cannot tell whether
    the server took it; the same Message-ID makes a second copy recognisable).
    A server that refuses it puts it back to queued for a later try
    (RETRY_DELAYS); after the last, it fails with the error kept for staff.
    """
    from .emails import build_acknowledgement_email

    states = [Message.Delivery.QUEUED] + ([Message.Delivery.SENDING] if take_over else [])
    claimed = Message.objects.filter(pk=message_id, delivery__in=states).update(
        delivery=Message.Delivery.SENDING
    )
    message = (
        Message.objects.select_related("conversation", "conversation__store").filter(pk=message_id).first()
    )
    if message is None or not claimed:
        return message.delivery if message is not None else ""
    try:
        mailer.send(build_acknowledgement_email(message))
    except Exception as error:  # noqa: BLE001 - any backend error: recorded, tried again later
        return _after_failure(message, error)
    Message.objects.filter(pk=message.pk).update(
        delivery=Message.Delivery.SENT,
        sent_at=timezone.now(),
        attempts=message.attempts + 1,
        delivery_error="",
    )
    return Message.Delivery.SENT


def _after_failure(message: Message, error: Exception) -> str:
    attempts = message.attempts + 1
    text = f"{type(error).__name__}: {error}"[:500]
    logger.warning("Contact-form acknowledgement %s not sent (attempt %s): %s", message.pk, attempts, text)
    if attempts > len(RETRY_DELAYS):
        status = Message.Delivery.FAILED
    else:
        status = Message.Delivery.QUEUED
        _enqueue(message.pk, run_after=timezone.now() + timedelta(seconds=RETRY_DELAYS[attempts - 1]))
    Message.objects.filter(pk=message.pk).update(delivery=status, attempts=attempts, delivery_error=text)
    return status


def requeue_stranded_acknowledgements(*, now: datetime | None = None) -> int:
    """Queue the acknowledgements no task will send; return how many. Safe to run twice.

    An acknowledgement queued or "sending" for longer than
    settings.CXLOOP_STRANDED_AFTER_SECONDS with no waiting or running
    `send_acknowledgement_task` for it was stranded by a process that died
    between its commit and its enqueue, or during the send (then it is sent
    again: at least once).
    """
    from .tasks import send_acknowledgement_task

    pending = workers.pending_task_args(send_acknowledgement_task)  # read first: see the grace below
    stranded = (
        Message.objects.filter(
            kind=Message.Kind.REPLY,
            external_id__startswith=ACK_PREFIX,
            delivery__in=[Message.Delivery.QUEUED, Message.Delivery.SENDING],
            created_at__lt=workers.stranded_before(now),
        )
        .exclude(pk__in=pending)
        .order_by("pk")
        .values_list("pk", flat=True)[:STRANDED_BATCH]
    )
    ids = list(stranded)
    Message.objects.filter(pk__in=ids).update(delivery=Message.Delivery.QUEUED)
    for message_id in ids:
        _enqueue(message_id)
    return len(ids)
