"""What staff do with a conversation: reply, note, change its status, assign, tag, merge.

    reply(conversation=c, author=agent, text="Your parcel left today.")   # queued, sent by a task
    reply(conversation=c, author=agent, text="The label:", files=[upload])   # attached (staff_files)
    add_note(conversation=c, author=agent, text="@bob can you check the refund?")
    set_status(conversation=c, status="snoozed", actor=agent, snoozed_until=monday)
    assign(conversation=c, assignee=bob, actor=agent)

Every verb runs in one transaction and writes an `Activity` row naming the
actor, so the conversation page can tell who did what. Replies are sent by
`send_reply_task` after commit (services.sending); notes never leave the
store, but the store members they @mention are told by email.
"""

import re
import uuid
from collections.abc import Iterable
from datetime import datetime
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files import File
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cxloop.core.errors import DomainError, InvalidInput
from cxloop.core.models import Membership
from cxloop.hooks import services as hooks
from cxloop.surveys import services as surveys_services

from .. import live_channels
from ..events import CONVERSATION_RESOLVED, MESSAGE_CREATED
from ..models import Activity, Channel, Conversation, Message, Rule, Tag, Team
from . import staff_files
from .indexing import add_messages, index_conversations
from .intake import conversation_payload, message_payload
from .sla import update_sla

MAX_TEXT = 100_000
MAX_TAGS = 30
MENTION = re.compile(r"(?<![\w@])@([\w.+-]+@[\w-]+(?:\.[\w-]+)+|[\w][\w.-]*)", re.UNICODE)


class NotAMember(DomainError):
    status = 422
    code = "not_a_member"


def _text(text: str, *, allow_empty: bool = False) -> str:
    text = (text or "").replace("\x00", "").strip()
    if not text and not allow_empty:
        raise InvalidInput(_("Write something first."), field="text")
    if len(text) > MAX_TEXT:
        raise InvalidInput(_("The text is too long."), field="text")
    return text


def _log(conversation: Conversation, kind: str, actor, at: datetime, rule_name: str = "", **data) -> Activity:
    return Activity.objects.create(
        store_id=conversation.store_id,
        conversation=conversation,
        kind=kind,
        actor=actor,
        rule_name=rule_name[:200],
        data=data,
        created_at=at,
    )


def _touch(conversation: Conversation, at: datetime, **changes) -> None:
    changes["updated_at"] = at
    Conversation.objects.filter(pk=conversation.pk).update(**changes)
    for name, value in changes.items():
        setattr(conversation, name, value)


def new_message_id() -> str:
    """A Message-ID for a reply: made once, kept for every attempt to send it."""
    domain = settings.CXLOOP_HELPDESK_INBOUND_DOMAIN or "localhost"
    return f"<helpdesk-reply.{uuid.uuid4().hex}@{domain}>"


def reply(*, conversation: Conversation, author, text: str, files: Iterable[File] = ()) -> Message:
    """Answer the customer: a reply queued to send after commit (first_response_at set by the first).

    A chat whose visitor has the widget open (or left no address) is answered in the widget
    (live_channels); everything else by email. `files` go with it as its attachments, each
    checked first (staff_files): one refused, nothing is written. Raises InvalidInput for an
    empty text without files or a file of another type, BodyTooLarge for files over the limits,
    DomainError when the conversation has no address.
    """
    checked = staff_files.check_files(files)
    text = _text(text, allow_empty=bool(checked))
    with staff_files.removed_on_failure() as written:
        return _reply(conversation, author, text, checked, written)


@transaction.atomic
def _reply(conversation: Conversation, author, text: str, checked: list, written: list[str]) -> Message:
    live = live_channels.for_reply(conversation)
    if live is None and not conversation.contact_email:
        raise DomainError(_("This conversation has no email address to reply to."), code="no_address")
    at = timezone.now()
    if live is not None:  # the customer's chat is open (or there is no address): the reply goes there
        fields = {"channel": live.channel, "delivery": Message.Delivery.SENT, "sent_at": at}
    else:
        fields = {
            "channel": Channel.EMAIL,
            "from_email": conversation.store.support_email or "",
            "to": [conversation.contact_email],
            "subject": reply_subject(conversation.subject),
            "message_id": new_message_id(),
            "delivery": Message.Delivery.QUEUED,
        }
    message = Message.objects.create(
        store_id=conversation.store_id,
        conversation=conversation,
        kind=Message.Kind.REPLY,
        author=author,
        text=text,
        reply_text=text,
        created_at=at,
        **fields,
    )
    staff_files.store_files(message, checked, written)
    changes = {"last_message_at": at, "last_agent_reply_at": at}
    if conversation.first_response_at is None:
        changes["first_response_at"] = at
    _touch(conversation, at, **changes)
    update_sla(conversation, now=at)
    add_messages(conversation.pk, [message])
    hooks.publish(conversation.store, MESSAGE_CREATED, message_payload(message))
    if live is not None:
        transaction.on_commit(partial(live.deliver, message))
        return message
    from ..tasks import send_reply_task

    transaction.on_commit(partial(send_reply_task.enqueue, message.pk))
    return message


REPLY_PREFIX = re.compile(r"^\s*(re|aw|sv|odp|vs)\s*(\[\d+\])?\s*:", re.IGNORECASE)


def reply_subject(subject: str) -> str:
    """ "Re: <subject>", once: "Re: Re: Parcel" never happens."""
    subject = " ".join((subject or "").split())
    if REPLY_PREFIX.match(subject):
        return subject
    return f"Re: {subject}" if subject else "Re:"


def add_note(*, conversation: Conversation, author, text: str, files: Iterable[File] = ()) -> Message:
    """An internal note (never sent to the customer); the store members it @mentions are emailed.

    `files` are checked and kept as a reply's are (staff_files), seen by staff only.
    """
    checked = staff_files.check_files(files)
    text = _text(text, allow_empty=bool(checked))
    with staff_files.removed_on_failure() as written:
        return _add_note(conversation, author, text, checked, written)


@transaction.atomic
def _add_note(conversation: Conversation, author, text: str, checked: list, written: list[str]) -> Message:
    at = timezone.now()
    note = Message.objects.create(
        store_id=conversation.store_id,
        conversation=conversation,
        kind=Message.Kind.NOTE,
        channel=conversation.channel,
        author=author,
        text=text,
        reply_text=text,
        created_at=at,
    )
    staff_files.store_files(note, checked, written)
    _touch(conversation, at)
    add_messages(conversation.pk, [note])
    mentioned = [user.pk for user in mentioned_members(conversation.store, text) if user.pk != author.pk]
    if mentioned:
        from ..tasks import notify_mention_task

        for user_id in mentioned:
            transaction.on_commit(partial(notify_mention_task.enqueue, note.pk, user_id))
    return note


def mentioned_members(store, text: str) -> list:
    """The store's members named in `text` as @email, @first name or @the part of their email before @."""
    words = {match.lower() for match in MENTION.findall(text)}
    if not words:
        return []
    found = []
    for membership in Membership.objects.filter(store=store, user__is_active=True).select_related("user"):
        user = membership.user
        names = {user.email.lower(), user.email.lower().partition("@")[0]}
        if user.first_name:
            names.add(user.first_name.lower())
        if names & words:
            found.append(user)
    return found


def _is_member(store, user) -> bool:
    return (
        user is not None and Membership.objects.filter(store=store, user=user, user__is_active=True).exists()
    )


def set_status(
    *,
    conversation: Conversation,
    status: str,
    actor,
    snoozed_until: datetime | None = None,
    rule_name: str = "",
) -> Conversation:
    """Open, pending, snoozed (until a time to come) or resolved (publishes `conversation.resolved`).

    The change commits in one transaction; the store's "status changes" rules
    run afterwards (services.rules), each on its own, so a failing rule never
    undoes the change. `rule_name` names the rule making the change (actor None).
    """
    previous = conversation.status
    _set_status(conversation, status, actor, snoozed_until, rule_name)
    if conversation.status != previous:
        from .rules import run_rules

        context = {"from": previous, "to": conversation.status}
        run_rules(conversation, Rule.Trigger.STATUS_CHANGED, context=context)
    return conversation


@transaction.atomic
def _set_status(conversation, status, actor, snoozed_until, rule_name) -> None:
    if status not in Conversation.Status.values:
        raise InvalidInput(_("Unknown status."), field="status")
    at = timezone.now()
    if status == Conversation.Status.SNOOZED:
        if snoozed_until is None or snoozed_until <= at:
            raise InvalidInput(_("Choose a time in the future to snooze until."), field="snoozed_until")
    else:
        snoozed_until = None
    previous = conversation.status
    if previous == status and conversation.snoozed_until == snoozed_until:
        return
    assignee_id = conversation.assignee_id
    changes = {"status": status, "snoozed_until": snoozed_until}
    changes["resolved_at"] = at if status == Conversation.Status.RESOLVED else None
    _touch(conversation, at, **changes)
    data = {"from": previous, "to": status}
    if snoozed_until:
        data["until"] = snoozed_until.isoformat()
    _log(conversation, Activity.Kind.STATUS, actor, at, rule_name, **data)
    update_sla(conversation, now=at)
    if status == Conversation.Status.RESOLVED:
        hooks.publish(conversation.store, CONVERSATION_RESOLVED, conversation_payload(conversation))
        if conversation.customer_id is not None:
            # The surveys "after a help-desk conversation" (CSAT), under the store's contact policy.
            surveys_services.invite_after_conversation(
                store=conversation.store,
                customer=conversation.customer,
                conversation_reference=f"helpdesk-conversation:{conversation.pk}",
                now=at,
            )
    _release(conversation, assignee_id=assignee_id, status=previous)


def _release(conversation: Conversation, *, assignee_id, status: str) -> None:
    """After a change: when the conversation stopped counting against its (previous) assignee's cap
    (services.routing.BUSY_STATUSES), route what waits in their teams' queues to them (same transaction)."""
    from .routing import BUSY_STATUSES, route_waiting_to

    if assignee_id is None or status not in BUSY_STATUSES:
        return
    if conversation.assignee_id == assignee_id and conversation.status in BUSY_STATUSES:
        return
    agent = get_user_model().objects.filter(pk=assignee_id).first()
    if agent is not None:
        skip = [conversation.pk] if conversation.assignee_id is None else []
        route_waiting_to(agent, store=conversation.store, skip=skip)


def wake_snoozed(*, now: datetime | None = None) -> int:
    """Reopen every conversation whose snooze has ended; return how many. Safe to run twice.

    Each is reopened in its own transaction, only if it is still snoozed
    until the same time (an agent may have changed it meanwhile).
    """
    from .rules import run_rules

    now = now or timezone.now()
    due = Conversation.objects.filter(status=Conversation.Status.SNOOZED, snoozed_until__lte=now)
    woken = 0
    for pk, until in due.order_by("snoozed_until").values_list("pk", "snoozed_until")[:1000]:
        with transaction.atomic():
            changed = Conversation.objects.filter(
                pk=pk, status=Conversation.Status.SNOOZED, snoozed_until=until
            ).update(status=Conversation.Status.OPEN, snoozed_until=None, updated_at=now)
            if changed:
                conversation = Conversation.objects.get(pk=pk)
                change = {"from": Conversation.Status.SNOOZED, "to": Conversation.Status.OPEN}
                _log(conversation, Activity.Kind.STATUS, None, now, **change, why="snooze_ended")
                update_sla(conversation, now=now)
                woken += 1
        if changed:  # the "status changes" rules, after the reopening is committed (as set_status runs them)
            run_rules(conversation, Rule.Trigger.STATUS_CHANGED, context={**change, "now": now})
    return woken


@transaction.atomic
def assign(
    *, conversation: Conversation, assignee, actor, rule_name: str = "", details: dict | None = None
) -> Conversation:
    """Give the conversation to a member of the store, or to nobody (None). Raises NotAMember.

    `rule_name` names the rule or routing that did it (the activity shows it when there is no actor);
    `details` are kept on the activity (a transfer marks itself there, services.transfer).
    """
    if assignee is not None and not _is_member(conversation.store, assignee):
        raise NotAMember(_("Only a member of this store can be assigned."), field="assignee")
    if conversation.assignee_id == (assignee.pk if assignee else None):
        return conversation
    at = timezone.now()
    previous = conversation.assignee_id
    _touch(conversation, at, assignee=assignee)
    _log(
        conversation, Activity.Kind.ASSIGNED, actor, at, rule_name,
        **(details or {}), **{"from": previous, "to": conversation.assignee_id},
    )  # fmt: skip
    _release(conversation, assignee_id=previous, status=conversation.status)
    return conversation


@transaction.atomic
def set_team(
    *, conversation: Conversation, team: Team | None, actor, rule_name: str = "", details: dict | None = None
) -> Conversation:
    """Route the conversation to one of the store's teams, or to none (`details`: as for `assign`)."""
    if team is not None and team.store_id != conversation.store_id:
        raise InvalidInput(_("No such team."), field="team")
    if conversation.team_id == (team.pk if team else None):
        return conversation
    at = timezone.now()
    previous = conversation.team.name if conversation.team_id else ""
    _touch(conversation, at, team=team)
    _log(
        conversation, Activity.Kind.TEAM, actor, at, rule_name,
        **(details or {}), **{"from": previous, "to": team.name if team else ""},
    )  # fmt: skip
    return conversation


@transaction.atomic
def set_priority(*, conversation: Conversation, priority: str, actor, rule_name: str = "") -> Conversation:
    """Low, normal, high or urgent."""
    if priority not in Conversation.Priority.values:
        raise InvalidInput(_("Unknown priority."), field="priority")
    if conversation.priority == priority:
        return conversation
    at = timezone.now()
    previous = conversation.priority
    _touch(conversation, at, priority=priority)
    _log(conversation, Activity.Kind.PRIORITY, actor, at, rule_name, **{"from": previous, "to": priority})
    update_sla(conversation, now=at)
    return conversation


@transaction.atomic
def set_tags(*, conversation: Conversation, names: list[str], actor, rule_name: str = "") -> list[Tag]:
    """Make the conversation's tags exactly `names` (new names become the store's tags)."""
    cleaned = []
    for name in names:
        name = " ".join(str(name).replace("\x00", "").split())[:60]
        if name and name.lower() not in {c.lower() for c in cleaned}:
            cleaned.append(name)
    if len(cleaned) > MAX_TAGS:
        raise InvalidInput(_("Too many tags."), field="tags")
    tags = [_tag(conversation.store_id, name) for name in cleaned]
    before = sorted(conversation.tags.values_list("name", flat=True))
    after = sorted(tag.name for tag in tags)
    if before == after:
        return tags
    at = timezone.now()
    conversation.tags.set(tags)
    _touch(conversation, at)
    added = sorted(set(after) - set(before))
    removed = sorted(set(before) - set(after))
    _log(conversation, Activity.Kind.TAGGED, actor, at, rule_name, added=added, removed=removed)
    return tags


def _tag(store_id: int, name: str) -> Tag:
    """The store's tag of that name, whatever its case ("VIP" is "vip"); made if new."""
    existing = Tag.objects.filter(store_id=store_id, name__iexact=name).order_by("pk").first()
    return existing or Tag.objects.get_or_create(store_id=store_id, name=name)[0]


@transaction.atomic
def merge(*, source: Conversation, target: Conversation, actor) -> Conversation:
    """Move the source's messages into the target (same customer or contact only); resolve the source."""
    if source.pk == target.pk or source.store_id != target.store_id:
        raise InvalidInput(_("Choose another conversation of this store to merge into."), field="target")
    same_customer = source.customer_id is not None and source.customer_id == target.customer_id
    same_contact = bool(source.contact_email) and source.contact_email == target.contact_email
    if not (same_customer or same_contact):
        raise InvalidInput(_("Only conversations with the same customer can be merged."), field="target")
    if target.merged_into_id is not None:
        raise InvalidInput(_("That conversation was itself merged into another."), field="target")
    at = timezone.now()
    source_status = source.status
    moved = Message.objects.filter(conversation=source).update(conversation=target)
    last = Message.objects.filter(conversation=target).aggregate(at=Max("created_at"))["at"] or at
    _touch(target, at, last_message_at=max(last, target.last_message_at))
    _touch(
        source,
        at,
        merged_into=target,
        status=Conversation.Status.RESOLVED,
        resolved_at=at,
        snoozed_until=None,
    )
    index_conversations([source.pk, target.pk])  # the messages' words move with them
    _log(target, Activity.Kind.MERGED, actor, at, source=source.number, messages=moved)
    _log(source, Activity.Kind.MERGED, actor, at, target=target.number)
    update_sla(source, now=at)
    update_sla(target, now=at)
    hooks.publish(source.store, CONVERSATION_RESOLVED, conversation_payload(source))
    _release(source, assignee_id=source.assignee_id, status=source_status)
    return target


__all__ = [
    "NotAMember",
    "add_note",
    "assign",
    "mentioned_members",
    "merge",
    "reply",
    "reply_subject",
    "set_priority",
    "set_status",
    "set_tags",
    "set_team",
]
