"""Conversations for tests, opened the way customers open them (services.intake.take_message)."""

import itertools

from cxloop.helpdesk.models import Channel
from cxloop.helpdesk.services.intake import Incoming, take_message

_ids = itertools.count(1)


def open_conversation(store, *, text="Where is my parcel? I ordered shoes a week ago.", **fields):
    """A conversation with one incoming email (with a Message-ID); returns (conversation, message)."""
    number = next(_ids)
    incoming = Incoming(
        text=text,
        subject=fields.pop("subject", "Parcel"),
        from_email=fields.pop("from_email", "ania@example.pl"),
        from_name=fields.pop("from_name", "Ania Nowak"),
        message_id=fields.pop("message_id", f"<customer.{number}@mail.example.pl>"),
        **fields,
    )
    conversation, message, _created = take_message(
        store=store, channel=Channel.EMAIL, incoming=incoming, external_id=f"test:{number}"
    )
    return conversation, message


def customer_writes(store, conversation, *, text="Any news?", **fields):
    number = next(_ids)
    incoming = Incoming(
        text=text,
        subject=fields.pop("subject", f"Re: {conversation.subject}"),
        from_email=conversation.contact_email,
        message_id=fields.pop("message_id", f"<customer.{number}@mail.example.pl>"),
        **fields,
    )
    _conversation, message, _created = take_message(
        store=store,
        channel=Channel.EMAIL,
        incoming=incoming,
        conversation=conversation,
        external_id=f"test:{number}",
    )
    return message


def make_foreign_objects(store) -> dict:
    """A conversation, message, attachment and SLA policy of `store`, by route parameter (tenancy sweep)."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from cxloop.helpdesk.models import Attachment, SlaPolicy

    conversation, message = open_conversation(store, subject="Canary conversation")
    attachment = Attachment.objects.create(
        store=store, message=message, key="canary", file=ContentFile(b"canary", name="canary.txt"),
        filename="canary.txt", content_type="text/plain", size=6, created_at=timezone.now(),
    )  # fmt: skip
    policy = SlaPolicy.objects.create(store=store, name="Canary policy", first_response_minutes=60)
    return {"conversation_id": conversation.pk, "attachment_id": attachment.pk, "policy_id": policy.pk}
