"""The chat's groups of messages stored by a process of their own, on another core than the sockets.

    outcomes, events = await writer_process.store(group)      # as chat.writer.store_group answers

Python runs one thread of a process at a time. With the sockets' event loop and the thread that
stores the messages in one process, the two take turns on one core: under a burst the database
thread held it four fifths of the time (`cxloop bench chat`, docs/benchmarks.md), and every
frame, ack and push waited for it. With CXLOOP_CHAT_WRITER=process, each chat server process
starts one writer process (`spawn`, its own Django and database connection) with the server
and hands it each group (chat.writer) as plain values: the visitor's id, store and key, the text
and the client id. The writer stores the group exactly as the thread would (`store_group`: one
transaction, the same intake) and answers with each message's outcome and the pushes to send;
the event loop acknowledges and pushes them. It costs a second Django process (about 220 MB) for
about a tenth more messages a second on two cores (docs/benchmarks.md), more where cores are spare.

A writer that dies mid-group (killed, out of memory) acknowledged nothing of it: the group goes to a
new writer process. What the dead one had committed is found there by its client ids (a widget's
retry is stored once, chat.services.take), so each message is stored once and answered with its row.
By default (CXLOOP_CHAT_WRITER=thread), and always on an in-memory database (which another process
cannot open), groups are stored by the process's own database thread.
"""

import asyncio
import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from django.conf import settings
from django.db import connection

from cxloop.core import errors

logger = logging.getLogger(__name__)

ATTEMPTS = 2  # a group whose writer died is given to one new writer
WATCH_EVERY = 0.5  # seconds between a writer's looks at whether its server is still there


def enabled() -> bool:
    """Whether groups go to a writer process (CXLOOP_CHAT_WRITER=process, a database on disk)."""
    if settings.CXLOOP_CHAT_WRITER != "process":
        return False
    return not (connection.vendor == "sqlite" and connection.is_in_memory_db())


class WriterProcess:
    """One writer process for this server process, started on first use and again after it died."""

    def __init__(self) -> None:
        self.pool: ProcessPoolExecutor | None = None

    def _pool(self) -> ProcessPoolExecutor:
        if self.pool is None:
            self.pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_set_up,
                initargs=(os.getpid(),),
            )
        return self.pool

    def start(self) -> None:
        """Start the writer now (Django's start-up takes a second), not when the first message waits."""
        if self.pool is None:
            self._pool().submit(_ready)

    async def store(self, group: list) -> tuple[list, list]:
        items = [(w.visitor.pk, w.visitor.store_id, w.visitor.key, w.text, w.client_id) for w in group]
        loop = asyncio.get_running_loop()
        for attempt in range(1, ATTEMPTS + 1):
            pool = self._pool()
            try:
                outcomes, events = await loop.run_in_executor(pool, store_items, items)
                return [_outcome(each) for each in outcomes], events
            except BrokenProcessPool:
                logger.warning("The chat's writer process ended mid-group; a new one stores the group")
                if self.pool is pool:
                    self.pool = None
                pool.shutdown(wait=False, cancel_futures=True)
                if attempt == ATTEMPTS:
                    raise
        raise AssertionError("unreachable")


_writer = WriterProcess()


async def store(group: list) -> tuple[list, list]:
    return await _writer.store(group)


def start() -> None:
    _writer.start()


# -- in the writer process ------------------------------------------------------------------------


def _set_up(server_pid: int) -> None:
    import django

    threading.Thread(target=_end_with, args=(server_pid,), daemon=True, name="chat-writer-watch").start()
    django.setup()
    from cxloop.core.language_detection import warm
    from cxloop.core.startup import settle

    warm()
    settle(views=False)  # it serves no page: the views' imports would only take memory (80 MB)


def _end_with(server_pid: int) -> None:
    """End when the server process has ended (killed, say): nothing else would end the writer, which
    waits for work on a queue whose other end it holds itself."""
    while os.getppid() == server_pid:
        time.sleep(WATCH_EVERY)
    os._exit(0)


def _ready() -> bool:
    return True


def store_items(items: list[tuple]) -> tuple[list, list]:
    """`store_group` for the plain values `WriterProcess.store` sends; the outcomes as plain values."""
    from django.db import close_old_connections

    from .models import Visitor
    from .writer import _Waiting, store_group

    close_old_connections()
    try:
        group = [
            _Waiting(Visitor(pk=pk, store_id=store_id, key=key), text, client_id, None)
            for pk, store_id, key, text, client_id in items
        ]
        outcomes, events = store_group(group)
    finally:
        close_old_connections()
    return [_plain(outcome) for outcome in outcomes], events


def _plain(outcome) -> tuple:
    if isinstance(outcome, errors.DomainError):
        return ("domain", type(outcome).__name__, outcome.message, outcome.field, outcome.code)
    if isinstance(outcome, BaseException):
        return ("error", f"{type(outcome).__name__}: {outcome}")
    return ("stored", outcome)


def _outcome(plain: tuple):
    """Back in the server: the result, or the error to raise in the message's socket."""
    if plain[0] == "stored":
        return plain[1]
    if plain[0] == "domain":
        _kind, name, message, field, code = plain
        kind = getattr(errors, name, None)
        if not (isinstance(kind, type) and issubclass(kind, errors.DomainError)):
            kind = errors.DomainError
        return kind(message, field=field, code=code)
    return RuntimeError(f"The chat message could not be stored: {plain[1]}")
