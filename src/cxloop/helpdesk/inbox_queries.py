"""The inbox's page of rows, as SQL written once per process.

`queries.list_conversations` answers the same question through the ORM, and
that is what the API, the tests and the demo read. The inbox page asks it on
every view, and there the ORM's part was most of the cost: compiling the
query and building 25 model instances (with their assignee) took ten times
what the database took to answer. Here the statement is put together from
fixed pieces, once per combination of filters and database vendor
(`functools.cache`), with the ORM's names for tables and columns, and each
row is a small `InboxRow` holding what the inbox shows. The filters, the
order and the paging are `list_conversations`' and `queries_sla.
filter_by_sla_state`'s (a test compares the two for every filter).
"""

import functools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from cxloop.core.inputs import parse_db_id
from cxloop.core.models import Store
from cxloop.web.paging import Page, page_number

from .models import Conversation, Message
from .queries import EXCERPT, InboxFilter
from .queries_sla import DUE_SOON, SLA_STATES
from .search import find_matches, search_words

STATUS_LABELS = dict(Conversation.Status.choices)
PRIORITY_LABELS = dict(Conversation.Priority.choices)


@dataclass(slots=True)
class InboxAgent:
    """The assignee as a row shows it (`|full_name`, else the address)."""

    pk: int
    first_name: str
    last_name: str
    email: str


@dataclass(slots=True)
class InboxRow:
    """One conversation of the inbox: the attributes its row, the SLA badge, the VIP badge and the
    search's highlighting read, named as on `Conversation`."""

    pk: int
    number: int
    subject: str
    status: str
    priority: str
    channel: str
    contact_name: str
    contact_email: str
    customer_id: int | None
    team_id: int | None
    assignee: InboxAgent | None
    last_message_at: datetime
    sla_policy_id: int | None
    sla_due_at: datetime | None
    sla_breached: bool
    last_excerpt: str | None
    # Set after the query: queries_sla.label_inbox_rows and, for a search, queries.list_snippets.
    sla_label: str = ""
    sla_left: timedelta | None = None
    snippet: list | None = None
    subject_parts: list | None = None

    @property
    def id(self) -> int:
        return self.pk

    @property
    def assignee_id(self) -> int | None:
        return self.assignee.pk if self.assignee else None

    def get_status_display(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    def get_priority_display(self) -> str:
        return PRIORITY_LABELS.get(self.priority, self.priority)


def build_inbox_page(
    store: Store, filters: InboxFilter, user, raw_page, *, per_page: int, sla_state: str = "", now=None
) -> Page:
    """One page of the inbox (`list_conversations`, kept to `sla_state`) as `InboxRow`s, in one query."""
    number = page_number(raw_page)
    rows = list_inbox_rows(
        store, filters, user, sla_state=sla_state, offset=(number - 1) * per_page, limit=per_page + 1, now=now
    )
    return Page(items=rows[:per_page], number=number, per_page=per_page, has_next=len(rows) > per_page)


def list_inbox_rows(
    store: Store, filters: InboxFilter, user, *, sla_state: str = "", offset: int = 0, limit: int, now=None
) -> list[InboxRow]:
    """The store's conversations the filters keep, latest activity first (the most urgent first for
    the SLA state "due_soon"), from `offset`, at most `limit`."""
    c = _names(connection.vendor)
    where, params = [f"{c['store']} = %s"], [Message.Kind.NOTE, store.pk]  # the excerpt's, then the filters'
    if filters.status:
        where.append(f"{c['status']} = %s")
        params.append(filters.status)
    if filters.assignee == "mine" and user is not None:
        where.append(f"{c['assignee']} = %s")
        params.append(user.pk)
    elif filters.assignee in ("mine", "unassigned"):
        where.append(f"{c['assignee']} IS NULL")
    elif filters.assignee:
        where.append(f"{c['assignee']} = %s")
        params.append(parse_db_id(filters.assignee) or 0)
    if filters.team_id:
        where.append(f"{c['team']} = %s")
        params.append(filters.team_id)
    tag_join = False
    if filters.tag_id:
        if _tag_is_common(filters.tag_id):  # walk the latest conversations, probing each for the tag
            where.append(_tag_exists_sql(connection.vendor))
        else:  # read the tag's few conversations and sort them
            where.append(f"{c['tag']} = %s")
            tag_join = True
        params.append(filters.tag_id)
    if filters.channel:
        where.append(f"{c['channel']} = %s")
        params.append(filters.channel)
    if filters.priority:
        where.append(f"{c['priority']} = %s")
        params.append(filters.priority)
    if sla_state in SLA_STATES:
        now = now or timezone.now()
        condition, times = SLA_CONDITIONS[sla_state]
        where.append(condition.format_map(c))
        params += [connection.ops.adapt_datetimefield_value(now + delta) for delta in times]
    if filters.search and not _add_search(store, filters.search, c, where, params):
        return []
    params += [limit, offset]
    sql = _page_sql(connection.vendor, tuple(where), tag_join, sla_state == "due_soon")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [_row(*values) for values in cursor.fetchall()]


def _add_search(store: Store, search: str, c: dict, where: list, params: list) -> bool:
    """`queries.matching` as SQL; False when the search can match nothing (no words, no number)."""
    words = search_words(search)
    number = search.strip().lstrip("#")
    conditions = []
    if words:
        found = find_matches(connection.vendor, words, store.pk)  # see search.COMMON_MATCHES
        conditions.append(f"{'+' if found.probe else ''}{c['id']} IN ({found.sql})")
        params += found.params
    if number.isdecimal() and len(number) < 10:  # not isdigit: int("¹") fails; int("۱۲") is 12
        conditions.append(f"{c['number']} = %s")
        params.append(int(number))
    if not conditions:
        return False
    where.append(f"({' OR '.join(conditions)})")
    return True


# A tag on more conversations than this is filtered by walking the latest conversations and probing
# each for the tag (EXISTS): 25 rows are found after about 25 x conversations / tagged probes. A rarer
# tag is read through its index and its conversations sorted: cheap for a few, but for the 45,000
# conversations a common tag has in a store of a million, SQLite's planner chose that read and took
# half a second (docs/benchmarks.md).
COMMON_TAG = 2000


def _tag_is_common(tag_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(_tag_count_sql(connection.vendor), [tag_id, COMMON_TAG + 1])
        return cursor.fetchone()[0] > COMMON_TAG


@functools.cache
def _tag_count_sql(vendor: str) -> str:
    tags = Conversation._meta.get_field("tags").remote_field.through._meta
    return (
        f"SELECT COUNT(*) FROM (SELECT 1 FROM {_q(tags.db_table)}"
        f" WHERE {_q(tags.get_field('tag').column)} = %s LIMIT %s) counted"
    )


@functools.cache
def _tag_exists_sql(vendor: str) -> str:
    c, tags = _names(vendor), Conversation._meta.get_field("tags").remote_field.through._meta
    return (
        f"EXISTS (SELECT 1 FROM {_q(tags.db_table)} ct WHERE ct.{_q(tags.get_field('conversation').column)}"
        f" = {c['id']} AND ct.{_q(tags.get_field('tag').column)} = %s)"
    )


# The SLA states as `queries_sla.filter_by_sla_state` writes them: the condition and the times
# (now plus each delta) its parameters are. A NULL sla_due_at is never "passed".
SLA_CONDITIONS = {
    "breached": ("({sla_breached} OR {sla_due_at} <= %s)", (timedelta(0),)),
    "due_soon": ("NOT {sla_breached} AND {sla_due_at} > %s AND {sla_due_at} <= %s", (timedelta(0), DUE_SOON)),
    "on_track": (
        "{sla_policy} IS NOT NULL"
        " AND NOT ({sla_breached} OR ({sla_due_at} IS NOT NULL AND {sla_due_at} <= %s))"
        " AND NOT ({sla_due_at} IS NOT NULL AND {sla_due_at} <= %s)",
        (timedelta(0), DUE_SOON),
    ),
    "none": ("{sla_policy} IS NULL", ()),
}
ROW_COLUMNS = (
    "id", "number", "subject", "status", "priority", "channel", "contact_name", "contact_email", "customer",
    "team", "last_message_at", "sla_policy", "sla_due_at", "sla_breached",
)  # fmt: skip


@functools.cache
def _names(vendor: str) -> dict[str, str]:
    """The conversation's columns as the statement names them (c.<column>), the tag link's as ct.tag."""
    conversation = Conversation._meta
    names = {field.name: f"c.{_q(field.column)}" for field in conversation.concrete_fields}
    tags = conversation.get_field("tags").remote_field.through._meta
    names["tag"] = f"ct.{_q(tags.get_field('tag').column)}"
    return names


@functools.cache
def _page_sql(vendor: str, where: tuple[str, ...], tag: bool, by_due: bool) -> str:
    """The page's statement for these conditions: the rows, their assignee and last message's excerpt."""
    c, conversation, message = _names(vendor), Conversation._meta, Message._meta
    user = conversation.get_field("assignee").related_model._meta
    tags = conversation.get_field("tags").remote_field.through._meta

    def m(name: str) -> str:
        return f"m.{_q(message.get_field(name).column)}"

    def u(name: str) -> str:
        return f"u.{_q(user.get_field(name).column)}"

    excerpt = (
        f"SELECT SUBSTR({m('reply_text')}, 1, {EXCERPT}) FROM {_q(message.db_table)} m"
        f" WHERE {m('conversation')} = {c['id']} AND {m('kind')} <> %s"
        f" ORDER BY {m('created_at')} DESC, {m('id')} DESC LIMIT 1"
    )
    columns = [c[name] for name in ROW_COLUMNS] + [u("id"), u("first_name"), u("last_name"), u("email")]
    join = (
        f" INNER JOIN {_q(tags.db_table)} ct ON ct.{_q(tags.get_field('conversation').column)} = {c['id']}"
        if tag
        else ""
    )
    order = (
        f"{c['sla_due_at']} ASC, {c['id']} ASC" if by_due else f"{c['last_message_at']} DESC, {c['id']} DESC"
    )
    # The page's ids first, then their rows: the excerpt's subquery is run for the page's rows only,
    # not for every row the filters keep before they are sorted.
    page = (
        f"SELECT {c['id']} FROM {_q(conversation.db_table)} c{join}"
        f" WHERE {' AND '.join(where)} ORDER BY {order} LIMIT %s OFFSET %s"
    )
    return (
        f"SELECT {', '.join(columns)}, ({excerpt}) FROM ({page}) page"
        f" INNER JOIN {_q(conversation.db_table)} c ON {c['id']} = page.{_q(conversation.pk.column)}"
        f" LEFT OUTER JOIN {_q(user.db_table)} u ON {u('id')} = {c['assignee']} ORDER BY {order}"
    )


def _row(
    pk, number, subject, status, priority, channel, contact_name, contact_email, customer_id, team_id,
    last_message_at, sla_policy_id, sla_due_at, sla_breached, agent_id, first_name, last_name, email, excerpt,
) -> InboxRow:  # fmt: skip
    return InboxRow(
        pk=pk, number=number, subject=subject, status=status, priority=priority, channel=channel,
        contact_name=contact_name, contact_email=contact_email, customer_id=customer_id, team_id=team_id,
        assignee=InboxAgent(agent_id, first_name, last_name, email) if agent_id is not None else None,
        last_message_at=_aware(last_message_at), sla_policy_id=sla_policy_id, sla_due_at=_aware(sla_due_at),
        sla_breached=bool(sla_breached), last_excerpt=excerpt,
    )  # fmt: skip


def _aware(value):
    """A datetime column's value as the ORM gives it: aware, in UTC (SQLite stores naive UTC text)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def _q(name: str) -> str:
    return connection.ops.quote_name(name)
