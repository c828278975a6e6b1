"""The help desk's API channel: a store's server opens conversations and adds customers' messages.

Every endpoint needs a secret store API key; another store's conversation id is 404.

    POST /api/v1/conversations                          {"contact_email", "contact_name", "subject",
                                                         "text", "client_id"}  -> 201 (200: a repeat)
    POST /api/v1/conversations/{conversation_id}/messages   {"text", "client_id"}  -> 201 (200: a repeat)
    GET  /api/v1/conversations?status=open&q=zwrot       newest activity first, paged; q searches
    GET  /api/v1/conversations/{conversation_id}        with its messages, oldest first
    GET  /api/v1/conversations/{conversation_id}/messages   its messages alone, oldest first, paged

`client_id` (letters, digits and `._:-`, at most 200) makes a post idempotent:
the same client_id is stored once, and a repeat answers 200 with what was
stored.
"""

from datetime import datetime
from typing import Literal

from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict, StrictStr

from cxloop.core.apierrors import ErrorOut
from cxloop.core.inputs import DbId, LimitOffsetPagination

from . import queries
from .services import api_channel

router = Router(tags=["help desk"])

MAX_TEXT_LENGTH = 100_000
ClientId = Field(
    "",
    max_length=200,
    pattern=r"^[A-Za-z0-9._:-]*$",
    description="Your id for this message: a repeat with the same client_id is stored once.",
)


class ConversationIn(Schema):
    model_config = ConfigDict(extra="forbid")

    contact_email: StrictStr = Field(max_length=254, description="The customer's email address.")
    contact_name: StrictStr = Field("", max_length=200)
    subject: StrictStr = Field("", max_length=998)
    text: StrictStr = Field(min_length=1, max_length=MAX_TEXT_LENGTH, description="What the customer wrote.")
    client_id: StrictStr = ClientId


class MessageIn(Schema):
    model_config = ConfigDict(extra="forbid")

    text: StrictStr = Field(min_length=1, max_length=MAX_TEXT_LENGTH, description="What the customer wrote.")
    client_id: StrictStr = ClientId


class ConversationOut(Schema):
    id: int
    number: int = Field(description="The store's own number of the conversation (#number).")
    subject: str
    channel: str = Field(description="The channel it was opened by: email, form, api or chat.")
    status: str = Field(description="open, pending, snoozed or resolved.")
    priority: str
    contact_email: str
    contact_name: str
    customer_id: int | None
    language: str
    created_at: datetime
    last_message_at: datetime
    resolved_at: datetime | None


class MessageOut(Schema):
    id: int
    kind: str = Field(
        description="incoming (from the customer), reply (to the customer) or note (staff only)."
    )
    channel: str
    from_email: str
    from_name: str
    subject: str
    text: str = Field(description="The whole body as plain text.")
    reply_text: str = Field(description="The new part: quoted history and signature removed.")
    auto_submitted: bool
    bounce: bool
    created_at: datetime


class ConversationDetailOut(ConversationOut):
    messages: list[MessageOut] = Field(description="Oldest first.")


class ConversationCreatedOut(Schema):
    conversation: ConversationOut
    message: MessageOut


class ConversationFilter(Schema):
    status: Literal["open", "pending", "snoozed", "resolved"] | None = None
    q: str = Field(
        "",
        max_length=1000,
        description="Words of the subject, the customer's name or email, or any message (the last word"
        " may be the start of one; accents and case do not matter), or the conversation's #number.",
    )


@router.get("/conversations", response=list[ConversationOut], summary="List help-desk conversations")
@paginate(LimitOffsetPagination)
def list_conversations(request, filters: Query[ConversationFilter]):
    search = filters.q.replace("\x00", "")
    return queries.list_conversations_by_status(request.store, status=filters.status, search=search)


@router.post(
    "/conversations",
    response={200: ConversationCreatedOut, 201: ConversationCreatedOut},
    summary="Open a conversation with a customer's message",
)
def open_conversation(request, payload: ConversationIn):
    """201 with the new conversation; 200 with the stored one when client_id was seen before."""
    conversation, message, created = api_channel.open_conversation(
        store=request.store,
        contact_email=payload.contact_email,
        contact_name=payload.contact_name,
        subject=payload.subject,
        text=payload.text,
        client_id=payload.client_id,
    )
    return Status(201 if created else 200, {"conversation": conversation, "message": message})


@router.get(
    "/conversations/{conversation_id}",
    response=ConversationDetailOut,
    summary="One conversation, with messages",
)
def get_conversation(request, conversation_id: DbId):
    conversation = queries.get_conversation_with_messages(request.store, conversation_id)
    return {**ConversationOut.from_orm(conversation).dict(), "messages": conversation.message_list}


@router.get(
    "/conversations/{conversation_id}/messages",
    response=list[MessageOut],
    summary="A conversation's messages, oldest first",
)
@paginate(LimitOffsetPagination)
def list_messages(request, conversation_id: DbId):
    return queries.list_messages(queries.get_conversation(request.store, conversation_id))


@router.post(
    "/conversations/{conversation_id}/messages",
    response={200: MessageOut, 201: MessageOut, 409: ErrorOut},
    summary="Add a customer's message to a conversation",
)
def add_message(request, conversation_id: DbId, payload: MessageIn):
    """201 with the message (it reopens a resolved conversation); 200 when client_id was seen before;
    409 when client_id was used in another conversation."""
    conversation = queries.get_conversation(request.store, conversation_id)
    _conversation, message, created = api_channel.add_customer_message(
        conversation=conversation, text=payload.text, client_id=payload.client_id
    )
    return Status(201 if created else 200, message)
