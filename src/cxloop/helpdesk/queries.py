"""Reads of the help desk, always scoped to one store (another store's id is a 404)."""

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import F, Func, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import Substr
from django.db.models.lookups import In
from django.http import Http404

from cxloop.core.inputs import parse_db_id
from cxloop.core.models import Store

from .models import Activity, Attachment, CannedReply, Conversation, Macro, Mailbox, Message, Rule, Tag, Team
from .search import SNIPPET_SOURCE, find_matches, highlight, search_words, snippet

EXCERPT = 140


def get_conversation(store: Store, conversation_id) -> Conversation:
    """One conversation of the store; raises Http404 for another store's id or a malformed one."""
    pk = parse_db_id(str(conversation_id))
    conversation = (
        Conversation.objects.filter(store=store, pk=pk)
        .select_related("store", "assignee", "team", "customer")
        .first()
        if pk
        else None
    )
    if conversation is None:
        raise Http404("No such conversation")
    return conversation


def get_attachment(store: Store, conversation: Conversation, attachment_id) -> Attachment:
    """One attachment of the conversation's messages, not purged; raises Http404 otherwise."""
    pk = parse_db_id(str(attachment_id))
    attachment = (
        Attachment.objects.filter(
            store=store, pk=pk, message__conversation=conversation, purged_at__isnull=True
        ).first()
        if pk
        else None
    )
    if attachment is None:
        raise Http404("No such attachment")
    return attachment


def get_message(store: Store, conversation: Conversation, message_id) -> Message:
    pk = parse_db_id(str(message_id))
    message = Message.objects.filter(store=store, pk=pk, conversation=conversation).first() if pk else None
    if message is None:
        raise Http404("No such message")
    return message


@dataclass
class InboxFilter:
    """What the inbox shows: "" means any. assignee is "mine", "unassigned" or a user id."""

    status: str = Conversation.Status.OPEN
    assignee: str = ""
    team_id: int | None = None
    tag_id: int | None = None
    channel: str = ""
    priority: str = ""
    search: str = ""
    extra: dict = field(default_factory=dict)


def list_conversations(store: Store, filters: InboxFilter, user) -> QuerySet[Conversation]:
    """The store's conversations, latest activity first, with the last message's excerpt."""
    conversations = Conversation.objects.filter(store=store)
    if filters.status:
        conversations = conversations.filter(status=filters.status)
    if filters.assignee == "mine":
        conversations = conversations.filter(assignee=user)
    elif filters.assignee == "unassigned":
        conversations = conversations.filter(assignee__isnull=True)
    elif filters.assignee:
        conversations = conversations.filter(assignee_id=parse_db_id(filters.assignee) or 0)
    if filters.team_id:
        conversations = conversations.filter(team_id=filters.team_id)
    if filters.tag_id:
        conversations = conversations.filter(tags__id=filters.tag_id)
    if filters.channel:
        conversations = conversations.filter(channel=filters.channel)
    if filters.priority:
        conversations = conversations.filter(priority=filters.priority)
    # Further filters (the SLA state) go here, before the search.
    if filters.search:
        conversations = conversations.filter(matching(store, filters.search))
    last = (
        Message.objects.filter(conversation=OuterRef("pk"))
        .exclude(kind=Message.Kind.NOTE)
        .order_by("-created_at", "-pk")
        .annotate(excerpt=Substr("reply_text", 1, EXCERPT))
        .values("excerpt")[:1]
    )
    # The rows show the assignee's name, not the customer record or team (routing reads the VIPs
    # apart): joining those, and reading every column of the user, cost more than the query itself.
    return (
        conversations.select_related("assignee")
        .defer(*(f"assignee__{name}" for name in ASSIGNEE_UNUSED))
        .annotate(last_excerpt=Subquery(last))
        .order_by("-last_message_at", "-pk")
    )


ASSIGNEE_UNUSED = ("password", "last_login", "is_superuser", "is_staff", "date_joined", "username")


def matching(store: Store, search: str) -> Q:
    """Conversations whose subject, contact, customer or messages have every word of the search
    (the last may be a word's start; see helpdesk.search), or whose number it is ("#12", "12")."""
    words = search_words(search)
    condition = Q(pk__in=[])
    if words:
        found = find_matches(connection.vendor, words, store.pk)
        matches = RawSQL(found.sql, found.params)
        if found.probe:  # "+id IN (...)": the planner walks the latest conversations, then probes
            condition = Q(
                In(Func(F("pk"), template="+%(expressions)s", output_field=IntegerField()), matches)
            )
        else:
            condition = Q(pk__in=matches)
    number = search.strip().lstrip("#")
    if number.isdecimal() and len(number) < 10:  # not isdigit: int("¹") fails; int("۱۲") is 12
        condition |= Q(number=int(number))
    return condition


def list_snippets(store: Store, conversations: list[Conversation], search: str) -> None:
    """Set `snippet` on each conversation: its newest message's words around the search's first match,
    in (text, matched) parts, or None; and `subject_parts`, the subject likewise."""
    words = search_words(search)
    ids = [conversation.pk for conversation in conversations]
    found: dict[int, list] = {}
    if words and ids:
        newest_first = (
            Message.objects.filter(store=store, conversation_id__in=ids)
            .order_by("-created_at", "-pk")
            .annotate(start=Substr("reply_text", 1, SNIPPET_SOURCE))
            .values_list("conversation_id", "start")
        )
        for conversation_id, text in newest_first.iterator(chunk_size=500):
            if conversation_id not in found and (parts := snippet(text, words)):
                found[conversation_id] = parts
    for conversation in conversations:
        conversation.snippet = found.get(conversation.pk)
        conversation.subject_parts = highlight(conversation.subject, words)


def list_messages(conversation: Conversation) -> QuerySet[Message]:
    """The conversation's messages in the order they were written, with authors and attachments."""
    return (
        Message.objects.filter(store_id=conversation.store_id, conversation=conversation)
        .select_related("author")
        .prefetch_related("attachments")
        .order_by("created_at", "pk")
    )


def list_activities(conversation: Conversation) -> QuerySet[Activity]:
    return (
        Activity.objects.filter(store_id=conversation.store_id, conversation=conversation)
        .select_related("actor")
        .order_by("created_at", "pk")
    )


def list_newer_messages(conversation: Conversation, after_id: int | None, user) -> list[Message]:
    """The customer's messages and other agents' replies added after `after_id` (notes do not count)."""
    newer = Message.objects.filter(store_id=conversation.store_id, conversation=conversation).exclude(
        kind=Message.Kind.NOTE
    )
    if after_id:
        newer = newer.filter(pk__gt=after_id)
    return list(newer.exclude(author=user).select_related("author").order_by("created_at", "pk"))


def list_teams(store: Store) -> QuerySet[Team]:
    return Team.objects.filter(store=store).order_by("name")


def list_tags(store: Store) -> QuerySet[Tag]:
    return Tag.objects.filter(store=store).order_by("name")


def list_previous_conversations(conversation: Conversation, limit: int = 10) -> list[Conversation]:
    """The same customer's (or address's) other conversations, newest first."""
    same = Q(contact_email=conversation.contact_email) if conversation.contact_email else Q(pk=None)
    if conversation.customer_id:
        same |= Q(customer_id=conversation.customer_id)
    return list(
        Conversation.objects.filter(store_id=conversation.store_id)
        .filter(same)
        .exclude(pk=conversation.pk)
        .order_by("-last_message_at")[:limit]
    )


def list_mailboxes(store: Store):
    """The store's mailboxes, by address."""
    return Mailbox.objects.filter(store=store).order_by("address", "pk")


def get_mailbox(store: Store, mailbox_id: int) -> Mailbox:
    """One mailbox of the store; Http404 for another store's id."""
    mailbox = Mailbox.objects.filter(store=store, pk=mailbox_id).select_related("store").first()
    if mailbox is None:
        raise Http404("No such mailbox")
    return mailbox


def list_conversations_by_status(
    store: Store, *, status: str | None = None, search: str = ""
) -> QuerySet[Conversation]:
    """The store's conversations for the API, the most recently active first, matching `search` if given."""
    found = Conversation.objects.filter(store=store)
    if status:
        found = found.filter(status=status)
    if search.strip():
        found = found.filter(matching(store, search))
    return found.order_by("-last_message_at", "-pk")


def get_conversation_with_messages(store: Store, conversation_id: int) -> Conversation:
    """The conversation with its messages, oldest first (`conversation.message_list`)."""
    messages = Message.objects.filter(store=store).order_by("created_at", "pk")
    conversation = (
        Conversation.objects.filter(store=store, pk=conversation_id)
        .prefetch_related(Prefetch("messages", queryset=messages, to_attr="message_list"))
        .first()
    )
    if conversation is None:
        raise Http404("No such conversation")
    return conversation


def list_canned_replies(store: Store) -> QuerySet[CannedReply]:
    """The store's canned replies, by title."""
    return CannedReply.objects.filter(store=store).order_by("title", "pk")


def get_canned_reply(store: Store, canned_id) -> CannedReply:
    """One canned reply of the store; Http404 for another store's id or a malformed one."""
    pk = parse_db_id(str(canned_id))
    canned = CannedReply.objects.filter(store=store, pk=pk).first() if pk else None
    if canned is None:
        raise Http404("No such canned reply")
    return canned


def list_macros(store: Store) -> QuerySet[Macro]:
    """The store's macros, by name, with the assignee and team they set."""
    return Macro.objects.filter(store=store).select_related("assignee", "team").order_by("name", "pk")


def get_macro(store: Store, macro_id) -> Macro:
    """One macro of the store; Http404 for another store's id or a malformed one."""
    pk = parse_db_id(str(macro_id))
    macro = (
        Macro.objects.filter(store=store, pk=pk).select_related("assignee", "team").first() if pk else None
    )
    if macro is None:
        raise Http404("No such macro")
    return macro


def list_rules(store: Store) -> QuerySet[Rule]:
    """The store's automation rules in the order they run."""
    return Rule.objects.filter(store=store).order_by("position", "pk")


def get_rule(store: Store, rule_id) -> Rule:
    """One rule of the store; Http404 for another store's id or a malformed one."""
    pk = parse_db_id(str(rule_id))
    rule = Rule.objects.filter(store=store, pk=pk).first() if pk else None
    if rule is None:
        raise Http404("No such rule")
    return rule
