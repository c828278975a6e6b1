"""The widget sockets' messages stored in groups: one transaction and one commit for all that wait.

    shown, created, conversation_id = await writer.store(visitor, text, client_id)

A socket's message used to be a transaction of its own on the one thread that
runs the process's database calls: under a burst each waited for every commit
before it (with SQLite's synchronous=FULL a commit is a disk flush). Now a
checked message (services.checked_message) waits here; while the database
thread stores one group, the messages that arrive meanwhile wait, and the next
group takes them all (at most MAX_GROUP). A quiet chat is stored at once, as a
group of one. The group runs in one transaction without a savepoint per message
(core.batch_cache.all_items) and reads the store's help-desk configuration
(rules, SLA policies, webhook endpoints) once.

Nothing is acknowledged before its group has committed: a process killed
before the commit acked none of the group, each widget sends its message again
with the same client id, and it is stored once (services.take). When a message
of the group fails, the group is rolled back and its messages are stored again
one by one, each in its own transaction: the others are kept, and the failing
one's error reaches its own socket only. The pushes of a group (the visitor's
other tabs, the store's agents) are sent from the event loop after the commit,
in order (chat.realtime.collecting).
"""

import asyncio
import logging
import weakref
from collections import defaultdict
from dataclasses import dataclass

from channels.db import database_sync_to_async
from django.db import transaction

from cxloop.core import batch_cache, prepared
from cxloop.helpdesk import intake_queries
from cxloop.helpdesk.models import Conversation, Message
from cxloop.helpdesk.services import indexing

from . import realtime, services, writer_process
from .models import Visitor

logger = logging.getLogger(__name__)

MAX_GROUP = 200  # messages in one transaction


@dataclass
class _Waiting:
    visitor: Visitor
    text: str
    client_id: str
    future: asyncio.Future


class Writer:
    """One per event loop: the messages waiting for the database thread and the task that stores them."""

    def __init__(self) -> None:
        self.waiting: list[_Waiting] = []
        self.task: asyncio.Task | None = None

    async def store(self, visitor: Visitor, text: str, client_id: str) -> tuple[dict, bool, int]:
        """(the message as the widget shows it, created, its conversation's id), once it is committed."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self.waiting.append(_Waiting(visitor, text, client_id, future))
        if self.task is None or self.task.done():
            self.task = loop.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self.waiting:
            group, self.waiting = self.waiting[:MAX_GROUP], self.waiting[MAX_GROUP:]
            try:
                if writer_process.enabled():  # on another core than this event loop
                    outcomes, events = await writer_process.store(group)
                else:
                    outcomes, events = await database_sync_to_async(store_group)(group)
            except BaseException as error:  # the call itself failed (the loop is closing): tell them all
                for waiting in group:
                    if not waiting.future.done():
                        waiting.future.set_exception(error)
                if isinstance(error, asyncio.CancelledError):
                    raise
                continue
            for waiting, outcome in zip(group, outcomes, strict=True):
                if waiting.future.done():  # its socket went away meanwhile; the message is stored
                    continue
                if isinstance(outcome, BaseException):
                    waiting.future.set_exception(outcome)
                else:
                    waiting.future.set_result(outcome)
            await realtime.push_all(events)


_writers: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Writer]" = weakref.WeakKeyDictionary()


async def store(visitor: Visitor, text: str, client_id: str) -> tuple[dict, bool, int]:
    """Store a checked message with the others waiting in this process (see the module)."""
    loop = asyncio.get_running_loop()
    writer = _writers.get(loop)
    if writer is None:
        writer = _writers[loop] = Writer()
    return await writer.store(visitor, text, client_id)


def store_group(group: list[_Waiting]) -> tuple[list, list[tuple[str, dict]]]:
    """In the database thread: each message's outcome (a result or the error it raised) and the
    pushes of those committed."""
    with realtime.collecting() as events, batch_cache.batch():
        try:
            with batch_cache.all_items() as check:
                _prepare(group)
                indexing.defer_indexing()  # a conversation with several messages in the group: once
                outcomes = []
                for waiting in group:
                    outcomes.append(_take(waiting))
                    check()
                indexing.index_deferred()
            return outcomes, events
        except batch_cache.ItemsRolledBack:
            if len(group) > 1:
                logger.info("A group of %d chat messages is stored one by one", len(group), exc_info=True)
        outcomes = []
        for waiting in group:
            batch_cache.clear()  # nothing read for an earlier message, perhaps rolled back, is reused
            try:
                with transaction.atomic():
                    outcomes.append(_take(waiting))
            except Exception as error:  # its own socket hears of it (a DomainError) or closes; not the others
                if len(group) > 1:
                    logger.warning("A chat message could not be stored", exc_info=True)
                outcomes.append(error)
        return outcomes, events


def _prepare(group: list[_Waiting]) -> None:
    """Read what the group's messages will each ask, in one query each: their visitors (locked), and
    which of their client ids were stored before (a widget's retry)."""
    visitors = services.lock_visitors(sorted({waiting.visitor.pk for waiting in group}))
    # Ids known before the rows are written: the group's rows go together (core.prepared, batch_cache).
    prepared.reserve_ids([Message], len(group))
    prepared.reserve_ids([Conversation], sum(1 for visitor in visitors if visitor.conversation_id is None))
    by_store = defaultdict(list)
    for waiting in group:
        by_store[waiting.visitor.store_id].append(services.external_id_of(waiting.visitor, waiting.client_id))
    for store_id, external_ids in by_store.items():
        stored = intake_queries.find_stored_message_ids(store_id, external_ids)
        for external_id in external_ids:
            batch_cache.put(intake_queries.stored_key(store_id, external_id), stored.get(external_id))


def _take(waiting: _Waiting) -> tuple[dict, bool, int]:
    message, created = services.take(
        visitor=waiting.visitor,
        text=waiting.text,
        subject=services.subject_of(waiting.text),
        client_id=waiting.client_id,
    )
    files = [] if created else None  # a text just stored has no files; a stored one is read again
    shown = services.widget_message(message, client_id=waiting.client_id, files=files)
    return shown, created, message.conversation_id
