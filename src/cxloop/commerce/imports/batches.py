"""Running an import in batches: one transaction per batch, one savepoint per item.

On SQLite a batch holds the database's only write lock, so batches are short:
BATCH_SIZE items or BATCH_SECONDS, whichever ends first, and sooner when
another writer (a login, a customer's answer, an event batch) queues for
the lock. Between two batches, every writer that queued writes first; see
core/sqlite/turns.py.
"""

import time
from collections.abc import Callable, Iterable, Iterator

from django.db import connection, transaction

from cxloop.core.errors import InvalidInput

BATCH_SIZE = 200
# A batch also ends after this long, so progress is saved often (and another
# process's writes, which do not queue for turns, are not kept waiting long).
BATCH_SECONDS = 0.25
# How long an import waits, between two batches, for the writers queued
# behind it; past it the import goes on, so a stream of requests cannot stop it.
YIELD_SECONDS = 1.0

Progress = Callable[[int, int], None]
_END = object()


def run_in_batches(
    items: Iterable,
    *,
    handle: Callable,
    reject: Callable,
    finish_batch: Callable[[], None] = lambda: None,
    rows_in: Callable[[object], int],
    total: int,
    progress: Progress | None,
    skip_rows: int = 0,
    passed: Callable[[object], None] = lambda item: None,
) -> None:
    """Call `handle(item)` for every item, committing every BATCH_SIZE items or BATCH_SECONDS.

    On SQLite a batch also commits as soon as another writer waits, and that
    writer goes before the next batch.

    Each call runs in its own savepoint: when it raises InvalidInput, what it
    wrote is rolled back, `reject(item, error)` records why, and the batch
    goes on. `finish_batch()` and then `progress(rows done, total)` run last
    in each batch's transaction, so what progress records commits with the
    batch (and an exception it raises rolls the batch back). A committed
    batch stays committed if a later one fails.

    To resume, `skip_rows` (a count a progress call reported) passes over the
    items already imported, handing each to `passed(item)` instead.
    """
    iterator = iter(items)
    done = _pass_over(iterator, skip_rows, rows_in, passed)
    if progress:
        progress(done, total)
    while (item := next(iterator, _END)) is not _END:
        with transaction.atomic():
            done += _run_batch(item, iterator, handle, reject, rows_in)
            finish_batch()
            if progress:
                progress(done, total)
        _let_waiting_writers_in()


def _writers_waiting() -> bool:
    waiting = getattr(connection, "has_waiting_writers", None)  # the SQLite backend's
    return waiting is not None and waiting()


def _let_waiting_writers_in() -> None:
    let_in = getattr(connection, "let_waiting_writers_in", None)  # the SQLite backend's
    if let_in is not None and not connection.in_atomic_block:
        let_in(max_wait=YIELD_SECONDS)


def _run_batch(item, iterator: Iterator, handle: Callable, reject: Callable, rows_in: Callable) -> int:
    count, rows, deadline = 0, 0, time.monotonic() + BATCH_SECONDS
    while item is not _END:
        try:
            with transaction.atomic():
                handle(item)
        except InvalidInput as error:
            reject(item, error)
        count, rows = count + 1, rows + rows_in(item)
        if count >= BATCH_SIZE or time.monotonic() >= deadline or _writers_waiting():
            break
        item = next(iterator, _END)
    return rows


def _pass_over(iterator: Iterator, rows: int, rows_in: Callable, passed: Callable) -> int:
    done = 0
    while done < rows and (item := next(iterator, _END)) is not _END:
        passed(item)
        done += rows_in(item)
    return done
