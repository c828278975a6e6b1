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
"""

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

_memory: ContextVar[dict | None] = ContextVar("cxloop_batch_cache", default=None)


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
