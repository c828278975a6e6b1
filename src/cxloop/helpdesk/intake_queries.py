"""The reads on inbound mail's hot path, as SQL written once per process.

Every mail that arrives asks the same few questions: was it stored before,
which number does a new conversation take, how many mails did this sender
send lately, which addresses are the store's own, which conversation its
In-Reply-To and References name. Built through the ORM each
of them cost more to compile than the database took to answer, on every
mail; here each is a plain statement on an index, made once per database
vendor (`functools.cache`), with the ORM's names for tables and columns so a
renamed field still reads right.

Inside a batch of arriving mail (core.batch_cache) the answers for the whole
batch are read first, one query each (`find_stored_message_ids`,
`count_recent_from_each`), and the next number is counted on from the first
one read; the per-mail functions then find them in the batch's memory.
"""

import functools
from datetime import UTC, datetime

from django.db import connection
from django.utils.dateparse import parse_datetime

from cxloop.core import batch_cache, prepared

from .models import Conversation, Mailbox, Message


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _column(model, field: str) -> str:
    return _q(model._meta.get_field(field).column)


def _fetch(sql: str, params: list):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def find_stored_message_id(store_id: int, external_id: str) -> int | None:
    """The id of the message stored under this delivery id, or None (the unique index answers)."""
    if not external_id:
        return None
    row = _fetch(_stored_sql(connection.vendor), [store_id, external_id])
    return row[0] if row else None


@functools.cache
def _stored_sql(vendor: str) -> str:
    external_id = _column(Message, "external_id")
    # The `<> ''` states the partial unique index's condition, so SQLite searches that index.
    return (
        f"SELECT {_q('id')} FROM {_q(Message._meta.db_table)}"
        f" WHERE {_column(Message, 'store')} = %s AND {external_id} = %s AND {external_id} <> ''"
    )


def next_conversation_number(store_id: int) -> int:
    """One more than the store's highest conversation number (the unique constraint settles races).

    In a batch the highest is read once and counted on (a rolled-back item clears the batch's
    memory, so no number is skipped; a race on PostgreSQL ends in the unique constraint as before).
    """
    key = ("helpdesk.next_number", store_id)
    number = batch_cache.cached(key, lambda: (_fetch(_number_sql(connection.vendor), [store_id])[0] or 0) + 1)
    batch_cache.put(key, number + 1)
    return number


@functools.cache
def _number_sql(vendor: str) -> str:
    return (
        f"SELECT MAX({_column(Conversation, 'number')}) FROM {_q(Conversation._meta.db_table)}"
        f" WHERE {_column(Conversation, 'store')} = %s"
    )


def count_recent_from(store_id: int, sender: str, since: datetime) -> tuple[int, datetime | None]:
    """How many customer messages `sender` sent the store since `since`, and when the first of them came.

    Messages written in the current transaction count too.
    """
    row = _fetch(
        _recent_sql(connection.vendor),
        [store_id, sender, Message.Kind.INCOMING, connection.ops.adapt_datetimefield_value(since)],
    )
    count, oldest = row
    return count, _aware(oldest)


@functools.cache
def _recent_sql(vendor: str) -> str:
    created = _column(Message, "created_at")
    return (
        f"SELECT COUNT(*), MIN({created}) FROM {_q(Message._meta.db_table)}"
        f" WHERE {_column(Message, 'store')} = %s AND {_column(Message, 'from_email')} = %s"
        f" AND {_column(Message, 'kind')} = %s AND {created} >= %s"
    )


def stored_key(store_id: int, external_id: str) -> tuple:
    """The batch memory's key of "which message was stored under this delivery id"."""
    return ("helpdesk.stored", store_id, external_id)


def find_stored_message_ids(store_id: int, external_ids: list[str]) -> dict[str, int]:
    """The messages stored under any of `external_ids` (a batch's deliveries), by delivery id."""
    wanted = prepared.in_list(external_id for external_id in external_ids if external_id)
    if not wanted:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_stored_each_sql(connection.vendor, len(wanted)), [store_id, *wanted])
        return dict(cursor.fetchall())


@functools.cache
def _stored_each_sql(vendor: str, count: int) -> str:
    external_id = _column(Message, "external_id")
    return (
        f"SELECT {external_id}, {_q('id')} FROM {_q(Message._meta.db_table)}"
        f" WHERE {_column(Message, 'store')} = %s AND {external_id} IN ({', '.join(['%s'] * count)})"
        f" AND {external_id} <> ''"
    )


def recent_key(store_id: int, sender: str) -> tuple:
    """The batch memory's key of a sender's (count, oldest) of recent messages."""
    return ("helpdesk.recent_from", store_id, sender)


def count_recent_from_each(store_id: int, senders: list[str], since: datetime) -> dict:
    """`count_recent_from` for many senders in one query: {sender: (count, oldest)}, (0, None) for none."""
    found = {sender: (0, None) for sender in senders}
    if not found:
        return found
    wanted = prepared.in_list(found)
    with connection.cursor() as cursor:
        cursor.execute(
            _recent_each_sql(connection.vendor, len(wanted)),
            [store_id, *wanted, Message.Kind.INCOMING, connection.ops.adapt_datetimefield_value(since)],
        )
        rows = cursor.fetchall()
    for sender, count, oldest in rows:
        found[sender] = (count, _aware(oldest))
    return found


def _aware(value) -> datetime | None:
    if isinstance(value, str):  # SQLite hands back text
        value = parse_datetime(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


@functools.cache
def _recent_each_sql(vendor: str, count: int) -> str:
    created, sender = _column(Message, "created_at"), _column(Message, "from_email")
    return (
        f"SELECT {sender}, COUNT(*), MIN({created}) FROM {_q(Message._meta.db_table)}"
        f" WHERE {_column(Message, 'store')} = %s AND {sender} IN ({', '.join(['%s'] * count)})"
        f" AND {_column(Message, 'kind')} = %s AND {created} >= %s GROUP BY {sender}"
    )


def list_mailbox_addresses(store_id: int) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(_mailboxes_sql(connection.vendor), [store_id])
        return [row[0] for row in cursor.fetchall()]


@functools.cache
def _mailboxes_sql(vendor: str) -> str:
    return (
        f"SELECT {_column(Mailbox, 'address')} FROM {_q(Mailbox._meta.db_table)}"
        f" WHERE {_column(Mailbox, 'store')} = %s"
    )


def find_thread_conversation_id(store_id: int, message_ids: list[str], sender: str) -> int | None:
    """The conversation of the store's latest message among `message_ids` whose conversation's contact
    is `sender` (threading by In-Reply-To and References); None when there is none. In a batch,
    the answer `find_thread_conversation_ids` read for the whole batch."""
    if not message_ids:
        return None
    return batch_cache.cached(
        thread_key(store_id, message_ids, sender),
        lambda: (_fetch(_thread_sql(connection.vendor, len(message_ids)), [store_id, *message_ids, sender])
                 or [None])[0],
    )  # fmt: skip


def thread_key(store_id: int, message_ids: list[str], sender: str) -> tuple:
    return ("helpdesk.thread", store_id, tuple(message_ids), sender)


def find_thread_conversation_ids(store_id: int, asked: list[tuple[list[str], str]]) -> list[int | None]:
    """`find_thread_conversation_id` for each (message_ids, sender) of a batch, in one query."""
    wanted = prepared.in_list(message_id for message_ids, _sender in asked for message_id in message_ids)
    rows = []
    if wanted:
        with connection.cursor() as cursor:
            cursor.execute(_thread_each_sql(connection.vendor, len(wanted)), [store_id, *wanted])
            rows = cursor.fetchall()
    answers = []
    for message_ids, sender in asked:
        among = set(message_ids)
        found = (conversation for mid, conversation, contact in rows if mid in among and contact == sender)
        answers.append(next(found, None))
    return answers


@functools.cache
def _thread_each_sql(vendor: str, count: int) -> str:
    """Each message of the store with one of `count` message ids: (message id, conversation, its contact)."""
    return _thread_select(
        f"m.{_column(Message, 'message_id')}, m.{_column(Message, 'conversation')},"
        f" c.{_column(Conversation, 'contact_email')}",
        count,
        "",
    )


@functools.cache
def _thread_sql(vendor: str, count: int) -> str:
    """The newest message's conversation among `count` message ids whose contact is the sender."""
    sender = f" AND c.{_column(Conversation, 'contact_email')} = %s"
    return _thread_select(f"m.{_column(Message, 'conversation')}", count, sender) + " LIMIT 1"


def _thread_select(columns: str, count: int, also: str) -> str:
    message, conversation = _q(Message._meta.db_table), _q(Conversation._meta.db_table)
    conversation_id = _column(Message, "conversation")
    return (
        f"SELECT {columns} FROM {message} m"
        f" JOIN {conversation} c ON c.{_q('id')} = m.{conversation_id}"
        f" WHERE m.{_column(Message, 'store')} = %s AND m.{_column(Message, 'message_id')}"
        f" IN ({', '.join(['%s'] * count)}){also}"
        f" ORDER BY m.{_column(Message, 'created_at')} DESC, m.{_q('id')} DESC"
    )
