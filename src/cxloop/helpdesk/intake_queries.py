"""The reads on inbound mail's hot path, as SQL written once per process.

Every mail that arrives asks the same few questions: was it stored before,
which number does a new conversation take, how many mails did this sender
send lately, which addresses are the store's own, which conversation its
In-Reply-To and References name. Built through the ORM each
of them cost more to compile than the database took to answer, on every
mail; here each is a plain statement on an index, made once per database
vendor (`functools.cache`), with the ORM's names for tables and columns so a
renamed field still reads right.
"""

import functools
from datetime import UTC, datetime

from django.db import connection
from django.utils.dateparse import parse_datetime

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
    """One more than the store's highest conversation number (the unique constraint settles races)."""
    row = _fetch(_number_sql(connection.vendor), [store_id])
    return (row[0] or 0) + 1


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
    if isinstance(oldest, str):  # SQLite hands back text
        oldest = parse_datetime(oldest)
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return count, oldest


@functools.cache
def _recent_sql(vendor: str) -> str:
    created = _column(Message, "created_at")
    return (
        f"SELECT COUNT(*), MIN({created}) FROM {_q(Message._meta.db_table)}"
        f" WHERE {_column(Message, 'store')} = %s AND {_column(Message, 'from_email')} = %s"
        f" AND {_column(Message, 'kind')} = %s AND {created} >= %s"
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
    is `sender` (threading by In-Reply-To and References); None when there is none."""
    if not message_ids:
        return None
    row = _fetch(_thread_sql(connection.vendor, len(message_ids)), [store_id, *message_ids, sender])
    return row[0] if row else None


@functools.cache
def _thread_sql(vendor: str, count: int) -> str:
    message, conversation = _q(Message._meta.db_table), _q(Conversation._meta.db_table)
    conversation_id = _column(Message, "conversation")
    return (
        f"SELECT m.{conversation_id} FROM {message} m"
        f" JOIN {conversation} c ON c.{_q('id')} = m.{conversation_id}"
        f" WHERE m.{_column(Message, 'store')} = %s AND m.{_column(Message, 'message_id')}"
        f" IN ({', '.join(['%s'] * count)}) AND c.{_column(Conversation, 'contact_email')} = %s"
        f" ORDER BY m.{_column(Message, 'created_at')} DESC, m.{_q('id')} DESC LIMIT 1"
    )
