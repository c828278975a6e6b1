"""Configuration read once per batch of work instead of once per item.

    with batch_cache.batch():                  # e.g. one fetched batch of a mailbox poll
        for raw in mails:
            receive_email(...)                 # its reads below hit the database once per batch

    rules = batch_cache.cached(("helpdesk.rules", store_id, trigger), lambda: list(...))

Inside `batch()`, `cached` keeps what its loader returned under the key until
the batch ends; outside a batch it calls the loader every time, so code that
reads through it behaves as before when no batch is open. Only what the
batch's own work never changes belongs here: a store's settings, rules,
policies, teams and endpoints, which only staff edit. A batch is short (a
poll's fetch of at most a few dozen mails, one transaction), so an edit made
meanwhile is seen by the next batch. Batches nest: an inner one shares the
outer one's memory. The memory is a context variable, so threads and
asyncio tasks never see each other's.

What a batch knows in advance can be put in its memory (`put`): the
customers, delivery ids and recent counts of all its items, read in one
query each before the first item runs, so each item's own lookup finds its
answer there (`cached` with the same key) instead of asking again.

A batch's items without savepoints of their own:

    with batch_cache.batch():
        with batch_cache.all_items() as check:  # one savepoint for them all
            for raw in mails:
                receive_email(...)             # its batch_cache.atomic() blocks open none
                check()

Inside `item()` (which `all_items` opens), `atomic()` is
`transaction.atomic(savepoint=False)`: the enclosing savepoint already rolls
back everything, so the nested blocks' own savepoints (two round trips each
on PostgreSQL) are left out. An error inside such a block cannot be caught
and carried on from there (it marks the transaction for rollback); code that
retries after an error checks `in_item()` and lets the error go, and the
batch runs its items again the ordinary way, one by one (`clear()` first:
what it cached may be what failed).

Rows an `all_items()` block inserts with ids known in advance
(`prepared.insert_all`, ids from `prepared.reserve_ids`) and the updates it
asks to defer (`prepared.update(..., defer=True)`) are kept (`defer_write`)
and sent together: before any other statement the block runs (a read then
sees them), and at the block's end, inside its savepoint. PostgreSQL gets them
as one statement list, in order: a batch of fifty mails waits for the server
once for its new rows, not fifty times. SQLite gets one `executemany` per
statement, in the order each statement was first kept: a group of two hundred
chat messages is three statements, not six hundred, each with the cost of
Django's cursor and wrappers. That order is safe because the rows are
distinct: a kept statement for a row that already has a different one kept
(an update of a row inserted in the block, say) sends what is kept first.
A statement that fails fails the block, as any item's error does: everything
is rolled back and the caller runs the items one by one, each writing at once.
"""

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from django.db import connections, transaction

T = TypeVar("T")

_memory: ContextVar[dict | None] = ContextVar("cxloop_batch_cache", default=None)
_in_item: ContextVar[bool] = ContextVar("cxloop_batch_item", default=False)
_undo: ContextVar[list | None] = ContextVar("cxloop_batch_undo", default=None)
_pending: ContextVar["_Kept | None"] = ContextVar("cxloop_batch_pending", default=None)


class _Kept:
    """The writes an `all_items()` block keeps: (sql, params) in order, and the statement kept for
    each row (table, primary key)."""

    def __init__(self) -> None:
        self.writes: list[tuple[str, list]] = []
        self.rows: dict[tuple, str] = {}

    def __bool__(self) -> bool:
        return bool(self.writes)

    def clear(self) -> None:
        self.writes.clear()
        self.rows.clear()


@contextmanager
def batch() -> Iterator[None]:
    """Keep what `cached` loads until the block ends (an open batch is joined)."""
    if _memory.get() is not None:
        yield
        return
    token = _memory.set({})
    try:
        yield
    finally:
        _memory.reset(token)


def cached(key: Hashable, loader: Callable[[], T]) -> T:
    """`loader()`, once per open batch and key; every call when no batch is open."""
    memory = _memory.get()
    if memory is None:
        return loader()
    try:
        return memory[key]
    except KeyError:
        value = memory[key] = loader()
        return value


def active() -> bool:
    """True inside a batch."""
    return _memory.get() is not None


def get(key: Hashable, default=None):
    """What the open batch keeps under `key`, or `default` (always outside a batch); loads nothing."""
    memory = _memory.get()
    return default if memory is None else memory.get(key, default)


def put(key: Hashable, value) -> None:
    """Keep `value` under `key` for the open batch (known in advance); nothing outside a batch."""
    memory = _memory.get()
    if memory is not None:
        memory[key] = value


def forget(which: Callable[[Hashable], bool]) -> None:
    """Forget what the open batch keeps under the keys `which` accepts."""
    memory = _memory.get()
    if memory:
        for key in [key for key in memory if which(key)]:
            del memory[key]


def clear() -> None:
    """Forget what the open batch keeps (the next `cached` loads again)."""
    memory = _memory.get()
    if memory is not None:
        memory.clear()


@contextmanager
def item() -> Iterator[None]:
    """One item of the batch in a savepoint (a transaction outside one) of its own; see `atomic`."""
    token = _in_item.set(True)
    try:
        with transaction.atomic():
            try:
                yield
            except BaseException:
                clear()  # what the item put or counted on is rolled back with it
                raise
            if transaction.get_connection().needs_rollback:  # an error was caught inside: rolled back too
                clear()
    finally:
        _in_item.reset(token)


def in_item() -> bool:
    """True inside `item()`: an error must not be caught and carried on from (see the module)."""
    return _in_item.get()


def atomic():
    """`transaction.atomic()`, without a savepoint of its own inside `item()` (whose savepoint covers it)."""
    return transaction.atomic(savepoint=not _in_item.get())


def on_rollback(undo: Callable[[], None]) -> None:
    """Call `undo` if the `all_items()` block this runs in is rolled back (a file written beside the
    rows, say); nothing outside one."""
    log = _undo.get()
    if log is not None:
        log.append(undo)


class ItemsRolledBack(Exception):
    """`all_items()` rolled back: an item failed, or needed a rollback (an error caught inside it)."""


@contextmanager
def all_items() -> Iterator[Callable[[], None]]:
    """Several items in ONE savepoint and none of their own: the fastest way when none fails.

        with batch_cache.all_items() as check:
            for raw in mails:
                receive_email(...)
                check()              # raises if this item needs a rollback

    If any item raises, or `check()` finds the transaction marked for rollback,
    everything the block did is rolled back, the undo callbacks (`on_rollback`)
    run, the batch's memory is cleared, and ItemsRolledBack is raised (from the
    cause): the caller then runs the items again the ordinary way, one by one.
    """
    db = transaction.get_connection()
    pending, pending_token = None, None
    if db.vendor in ("postgresql", "sqlite"):
        send_deferred()  # an enclosing block's rows go before this block's savepoint
        pending = _Kept()
        pending_token = _pending.set(pending)
    log: list = []
    token = _undo.set(log)

    def check() -> None:
        if db.needs_rollback:
            raise ItemsRolledBack("an item needed a rollback")

    try:
        with item():
            if pending is None:
                yield check
            else:
                with db.execute_wrapper(_send_first):
                    yield check
                    send_deferred()
    except Exception as error:
        for undo in reversed(log):
            undo()
        clear()
        raise ItemsRolledBack(str(error)) from error
    finally:
        if pending_token is not None:
            pending.clear()  # rolled back: nothing of it is sent
            _pending.reset(pending_token)
        _undo.reset(token)


def defer_write(sql: str, params: list, *, row: tuple | None = None) -> bool:
    """Keep a write that returns nothing (an INSERT, an UPDATE by primary key) for the open
    `all_items()` block to send with the others; True if kept, False when no block defers writes
    (the caller executes it). `row`: the (table, primary key) it writes, when known."""
    pending = _pending.get()
    if pending is None:
        return False
    if row is not None:
        kept = pending.rows.get(row)
        if kept is not None and kept != sql:  # SQLite's executemany order could put this one first
            send_deferred()
        pending.rows[row] = sql
    pending.writes.append((sql, params))
    return True


def send_deferred() -> None:
    """Send the writes `defer_write` kept: one statement list on PostgreSQL (one round trip), one
    executemany a statement on SQLite (in the order each was first kept)."""
    pending = _pending.get()
    if not pending:
        return
    taken = list(pending.writes)
    pending.clear()  # before executing: the wrapper below finds nothing left to send first
    write_all(taken)


def write_all(writes: list[tuple[str, list]]) -> None:
    """Execute (sql, params) writes that return nothing: one statement list on PostgreSQL (one round
    trip), one executemany a statement on SQLite (in the order each statement first comes; the
    caller keeps one row's writes from being reordered, as `defer_write` does)."""
    db = connections["default"]
    with db.cursor() as cursor:
        if db.vendor == "postgresql":
            params = [value for _sql, values in writes for value in values]
            cursor.execute("; ".join(sql for sql, _values in writes), params)
            return
        by_statement: dict[str, list] = {}
        for sql, values in writes:
            by_statement.setdefault(sql, []).append(values)
        for sql, rows in by_statement.items():
            if len(rows) == 1:
                cursor.execute(sql, rows[0])
            else:
                cursor.executemany(sql, rows)


def _send_first(execute, sql, params, many, context):
    """Every statement of an `all_items()` block: the kept writes go first."""
    if _pending.get():
        send_deferred()
    return execute(sql, params, many, context)
