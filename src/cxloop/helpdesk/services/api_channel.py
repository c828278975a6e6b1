"""The API channel: a store's own server posts a customer's message (a form of its own, an app).

    conversation, message, created = open_conversation(
        store=store, contact_email="ania@example.pl", contact_name="Ania", subject="Zwrot",
        text="Chcę zwrócić buty", client_id="form-8c1e",
    )
    conversation, message, created = add_customer_message(conversation=conversation, text="...")

`client_id` makes a call idempotent: its message is stored once (external_id
"api:<client_id>"), and a repeat answers what was stored (created=False). A
client_id already used for a message of another conversation is a conflict.
Bad input raises InvalidInput naming the field; nothing is stored.
"""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from cxloop.core.errors import Conflict, InvalidInput
from cxloop.core.models import Store
from cxloop.core.textchecks import find_forbidden_character

from ..models import Channel, Conversation, Message
from .intake import Incoming, take_message


def open_conversation(
    *,
    store: Store,
    contact_email: str,
    text: str,
    contact_name: str = "",
    subject: str = "",
    client_id: str = "",
) -> tuple[Conversation, Message, bool]:
    email = contact_email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput("contact_email: not an email address.", field="contact_email") from None
    _check_text("contact_name", contact_name)
    _check_text("subject", subject)
    _check_text("text", text, allow_newlines=True)
    incoming = Incoming(text=text, subject=subject.strip(), from_email=email, from_name=contact_name.strip())
    return take_message(
        store=store, channel=Channel.API, incoming=incoming, external_id=_external_id(client_id)
    )


def add_customer_message(
    *, conversation: Conversation, text: str, client_id: str = ""
) -> tuple[Conversation, Message, bool]:
    _check_text("text", text, allow_newlines=True)
    external_id = _external_id(client_id)
    if external_id:
        stored = Message.objects.filter(store_id=conversation.store_id, external_id=external_id).first()
        if stored is not None and stored.conversation_id != conversation.pk:
            raise Conflict(
                "client_id was already used for a message of another conversation.", field="client_id"
            )
    incoming = Incoming(
        text=text,
        subject=conversation.subject,
        from_email=conversation.contact_email,
        from_name=conversation.contact_name,
    )
    return take_message(
        store=conversation.store,
        channel=Channel.API,
        incoming=incoming,
        external_id=external_id,
        conversation=conversation,
    )


def _external_id(client_id: str) -> str:
    return f"api:{client_id}" if client_id else ""


def _check_text(field: str, value: str, *, allow_newlines: bool = False) -> None:
    if field == "text" and not value.strip():
        raise InvalidInput("text: must not be empty.", field="text")
    if problem := find_forbidden_character(value, allow_newlines=allow_newlines):
        raise InvalidInput(f"{field}: contains a {problem}.", field=field)
