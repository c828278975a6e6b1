"""A customer's message arrives: every channel (email, contact form, API, chat) ends here.

    conversation, message, created = take_message(
        store=store, channel=Channel.FORM, contact_email="ania@example.pl", contact_name="Ania",
        subject="Zwrot", text="Chcę zwrócić buty", external_id="form:8c1e...",
    )

`take_message` stores the message once per `external_id` (a retried delivery
returns the stored message, created=False), opens a new conversation or
continues `conversation` when the channel already knows which one it
belongs to (threading is the channel's job), links the conversation to the
store's customer with that email address (case-insensitive), detects the
language of what the customer wrote, makes it findable by search, and publishes `conversation.created`
and `message.created` to the store's outgoing webhooks, all in one
transaction; then routes a new conversation (services.routing: VIP priority, team, agent) in
its own, and runs the store's automation rules (services.rules) after that.
A customer's message reopens a pending, snoozed or resolved
conversation; an auto-reply or a bounce (flagged auto_submitted or bounce) does not.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError
from django.utils import timezone

from cxloop.commerce import queries as commerce_queries
from cxloop.core import batch_cache, prepared
from cxloop.core.models import Store
from cxloop.hooks import services as hooks

from .. import intake_queries
from ..addresses import new_reply_key
from ..events import CONVERSATION_CREATED, MESSAGE_CREATED
from ..models import Activity, Channel, Conversation, Message, Rule
from .indexing import add_messages, new_conversation_document
from .sla import update_sla

NUMBER_RETRIES = 5
logger = logging.getLogger(__name__)


@dataclass
class Incoming:
    """What a channel read, before it is stored (email channels fill every field, others a few)."""

    text: str
    reply_text: str = ""
    html: str = ""
    subject: str = ""
    from_email: str = ""
    from_name: str = ""
    to: list = field(default_factory=list)
    cc: list = field(default_factory=list)
    message_id: str = ""
    in_reply_to: list = field(default_factory=list)
    references: list = field(default_factory=list)
    auto_submitted: bool = False
    bounce: bool = False
    problems: list = field(default_factory=list)
    # False when from_email is only what a visitor typed (a chat form): it is where replies go, but
    # it links no customer record; only a verified address does.
    link_customer: bool = True


def take_message(
    *,
    store: Store,
    channel: str,
    incoming: Incoming,
    external_id: str = "",
    conversation: Conversation | None = None,
    at: datetime | None = None,
) -> tuple[Conversation, Message, bool]:
    """Store a customer's message (once per external_id); return (conversation, message, created)."""
    if external_id:
        stored = _stored(store, external_id)
        if stored is not None:
            return stored.conversation, stored, False
    at = at or timezone.now()
    status_before = conversation.status if conversation is not None else None
    for attempt in range(NUMBER_RETRIES):
        try:
            with batch_cache.atomic():
                taken = _take(store, channel, incoming, external_id, conversation, at)
        except IntegrityError:
            # Two deliveries of the same message at once, or two new conversations taking one number.
            if batch_cache.in_item():  # no savepoint to carry on from: the batch runs this item again
                raise
            batch_cache.clear()  # what the batch counted on (the next number, a stored id) was rolled back
            if external_id and (stored := _stored(store, external_id)) is not None:
                return stored.conversation, stored, False
            if attempt == NUMBER_RETRIES - 1:
                raise
            continue
        if conversation is None:
            _route(taken[0])
        _run_rules(taken[0], taken[1], created=conversation is None)
        if status_before is not None and taken[0].status != status_before:  # the customer reopened it
            _run_status_rules(taken[0], taken[1], status_before)
        return taken
    raise AssertionError("unreachable")


def _route(conversation: Conversation) -> None:
    """Route a new conversation (services.routing) once the message is stored.

    Its own transaction, after the message's: the message is kept even if routing fails (the
    conversation then waits unassigned), and the team lock routing takes is held only while it
    chooses. Inside a caller's transaction it is a savepoint, rolled back alone on failure.
    """
    from .routing import route_conversation  # routing uses services.conversations, which imports intake

    try:
        route_conversation(conversation)
    except Exception:
        logger.exception("Routing conversation %s failed; it stays unassigned", conversation.pk)


def _run_rules(conversation: Conversation, message: Message, *, created: bool) -> None:
    """The store's rules for a new conversation or a customer's new message, once the message is stored.

    Outside the message's transaction: a failing rule is written on the
    conversation and never loses the customer's message (services.rules).
    """
    from .rules import run_rules

    trigger = Rule.Trigger.CONVERSATION_CREATED if created else Rule.Trigger.MESSAGE_RECEIVED
    run_rules(conversation, trigger, context={"message": message})


def _run_status_rules(conversation: Conversation, message: Message, previous: str) -> None:
    """The "status changes" rules, when the customer's message reopened a pending, snoozed or resolved
    conversation (as when staff change the status)."""
    from .rules import run_rules

    context = {"from": previous, "to": conversation.status, "message": message}
    run_rules(conversation, Rule.Trigger.STATUS_CHANGED, context=context)


def _stored(store: Store, external_id: str) -> Message | None:
    # Most deliveries are new: one prepared lookup says so (or the batch's one query for all its mails,
    # intake_queries.find_stored_message_ids); the ORM loads only a repeated one.
    pk = batch_cache.cached(
        intake_queries.stored_key(store.pk, external_id),
        lambda: intake_queries.find_stored_message_id(store.pk, external_id),
    )
    return None if pk is None else Message.objects.select_related("conversation").get(pk=pk)


def _take(store, channel, incoming: Incoming, external_id, conversation, at):
    created = conversation is None
    if created:
        conversation = _new_conversation(store, channel, incoming, at)
    message = Message(
        pk=prepared.new_id(Message),
        store=store,
        conversation=conversation,
        kind=Message.Kind.INCOMING,
        channel=channel,
        from_email=incoming.from_email.strip().lower(),
        from_name=incoming.from_name,
        to=incoming.to,
        cc=incoming.cc,
        subject=incoming.subject,
        text=incoming.text,
        reply_text=incoming.reply_text or incoming.text,
        html=incoming.html,
        message_id=incoming.message_id,
        in_reply_to=incoming.in_reply_to,
        references=incoming.references,
        external_id=external_id,
        auto_submitted=incoming.auto_submitted,
        bounce=incoming.bounce,
        problems=incoming.problems,
        created_at=at,
    )
    if created:
        # The new conversation's rows together: one round trip on PostgreSQL when the batch
        # reserved their ids (core.prepared), the search document from the rows in hand.
        prepared.insert_all([
            conversation,
            prepared.id_unneeded(Activity(
                store=store, conversation=conversation, kind=Activity.Kind.CREATED,
                data={"channel": channel}, created_at=at,
            )),
            message,
            new_conversation_document(conversation, message),
        ])  # fmt: skip
    else:
        prepared.insert(message)
    if external_id:  # a second delivery later in the same batch finds it
        batch_cache.put(intake_queries.stored_key(store.pk, external_id), message.pk)
    events = [(MESSAGE_CREATED, message_payload(message))]
    if not created:
        _continue(conversation, at, flagged=incoming.auto_submitted or incoming.bounce)
    else:
        events.insert(0, (CONVERSATION_CREATED, conversation_payload(conversation)))
    update_sla(conversation, now=at)
    if not created:
        add_messages(conversation.pk, [message])  # now, unless the batch writes documents at its end
    hooks.publish_all(store, events)
    return conversation, message, True


def _new_conversation(store: Store, channel: str, incoming: Incoming, at) -> Conversation:
    """The conversation a customer's first message opens (not written yet: `_take` writes it)."""
    email = incoming.from_email.strip().lower()
    linked = email and incoming.link_customer
    customer = commerce_queries.first_customer_by_email(store, email) if linked else None
    return Conversation(
        pk=prepared.new_id(Conversation),
        store=store,
        number=intake_queries.next_conversation_number(store.pk),
        subject=incoming.subject[:998],
        channel=channel,
        customer=customer,
        contact_email=email,
        contact_name=incoming.from_name[:200],
        language=_language(incoming),
        reply_key=new_reply_key(),
        created_at=at,
        updated_at=at,
        last_message_at=at,
        last_customer_message_at=at,
    )


def _continue(conversation: Conversation, at, *, flagged: bool = False) -> None:
    """A customer wrote again: the conversation is theirs to answer again.

    A machine's message (an auto-reply, a bounce: `flagged`) is kept but changes neither the
    conversation's status nor when the customer last wrote.
    """
    changes = {"last_message_at": at, "updated_at": at}
    if flagged:
        prepared.update(Conversation, conversation.pk, changes, defer=True)
        for name, value in changes.items():
            setattr(conversation, name, value)
        return
    changes["last_customer_message_at"] = at
    if conversation.status != Conversation.Status.OPEN:
        Activity.objects.create(
            store_id=conversation.store_id,
            conversation=conversation,
            kind=Activity.Kind.STATUS,
            data={"from": conversation.status, "to": Conversation.Status.OPEN, "why": "customer_replied"},
            created_at=at,
        )
        changes |= {"status": Conversation.Status.OPEN, "snoozed_until": None}
    # Every message of every channel: SQL made once; in a batch's all_items block, sent with its rows.
    prepared.update(Conversation, conversation.pk, changes, defer=True)
    for name, value in changes.items():
        setattr(conversation, name, value)


def _language(incoming: Incoming) -> str:
    from cxloop.core.language_detection import detect_language  # lingua loads on the first message

    return detect_language(f"{incoming.subject}\n{incoming.reply_text or incoming.text}"[:2000])


def conversation_payload(conversation: Conversation) -> dict:
    return {
        "id": conversation.pk,
        "number": conversation.number,
        "subject": conversation.subject,
        "channel": conversation.channel,
        "status": conversation.status,
        "priority": conversation.priority,
        "customer_id": conversation.customer_id,
        "contact_email": conversation.contact_email,
        "language": conversation.language,
        "created_at": conversation.created_at.isoformat(),
    }


def message_payload(message: Message) -> dict:
    return {
        "id": message.pk,
        "conversation_id": message.conversation_id,
        "kind": message.kind,
        "channel": message.channel,
        "from_email": message.from_email,
        "subject": message.subject,
        "text": message.reply_text or message.text,
        "created_at": message.created_at.isoformat(),
    }


__all__ = ["Channel", "Incoming", "take_message", "conversation_payload", "message_payload"]
