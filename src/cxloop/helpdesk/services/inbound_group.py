"""Mail posted at the same time is stored together: one transaction for the inbound webhooks that wait.

    message = inbound_group.receive(store=store, raw=raw, recipient=recipient)   # a web request's thread

A provider's inbound webhook brings one mail per request. Stored alone, each
mail pays a whole batch's fixed cost: the commit (a flush to disk on SQLite),
the check of the store's configuration version, the lookups. Providers post
their queue over several connections at once, so requests arrive together.

The first request to arrive while no group is being stored stores, in its own
thread, every mail waiting at that moment (at most GROUP_MAILS mails and
GROUP_BYTES bytes), as a mailbox poll stores a fetched batch:
`inbound.prepare_batch` for each store's mails (one query each for all of
them), then every mail in one savepoint with none of its own
(`core.batch_cache.all_items`), and one commit. Mails that arrive meanwhile
wait, and the first of them stores the next group. A mail that arrives alone
is a group of one: `receive_email`, exactly as before.

Each request hears its own mail's outcome, and only after the commit that
holds it: its message, or its own error (MailFlood, MailRejected, ...). When
any mail of a group fails, or the commit does, nothing of the group is kept
and its mails are stored again one by one, each in a transaction of its own
as when it arrives alone, so only the failing mail's request hears an error.
Nothing is acknowledged before its commit: a process killed while storing a
group has answered none of its requests, and the provider delivers them
again (stored once, by their delivery ids).

Threads of one process share the groups; separate processes each have their
own. Under ASGI, Django runs sync views in one thread, so there every mail is
a group of one.
"""

import logging
import threading
import time
from dataclasses import dataclass
from itertools import groupby

from django.db import transaction

from cxloop.core import batch_cache
from cxloop.core.models import Store

from ..models import Message
from .inbound import prepare_batch, receive_email

logger = logging.getLogger(__name__)

GROUP_MAILS = 50  # as a poll's fetch (services.mailboxes.FETCH_BATCH) ...
GROUP_BYTES = 32 * 1024 * 1024  # ... and its bytes; a larger mail goes alone
GROUP_WAIT = 0.002  # seconds a group waits for as many mails as the last group had, at most


@dataclass(eq=False)
class _Waiting:
    store: Store
    raw: bytes
    recipient: str
    message: Message | None = None
    error: BaseException | None = None
    done: bool = False


_turn = threading.Condition()
_waiting: list[_Waiting] = []
_storing = False
_last_group = 1  # mails in the group stored last


def receive(*, store: Store, raw: bytes, recipient: str = "") -> Message:
    """`inbound.receive_email` for a mail that may arrive beside others; its message once committed.

    Raises what `receive_email` raises for this mail alone.
    """
    global _storing, _last_group
    mine = _Waiting(store=store, raw=raw, recipient=recipient)
    with _turn:
        _waiting.append(mine)
        _turn.notify_all()  # a group waiting for its mails counts this one
        while not mine.done:
            if _storing:
                _turn.wait()
                continue
            _storing = True
            _gather()
            group = _take()
            _last_group = len(group)
            _turn.release()
            try:
                _store(group)
            finally:
                _turn.acquire()
                _storing = False
                _turn.notify_all()
    if mine.error is not None:
        raise mine.error
    return mine.message


def _gather() -> None:
    """Under a steady stream, the requests of the group just stored come back with their next mails
    a moment after its commit: wait for as many as the last group had, GROUP_WAIT at most, so the
    groups stay whole instead of alternating between one mail and the rest (measured: groups of
    4 from 4 threads, not 1 and 3 in turn). A mail after a lone one never waits; the first mail
    after a quiet spell waits GROUP_WAIT once."""
    deadline = None
    while len(_waiting) < min(_last_group, GROUP_MAILS):
        now = time.monotonic()
        deadline = deadline or now + GROUP_WAIT
        if now >= deadline or not _turn.wait(deadline - now):
            return


def _take() -> list[_Waiting]:
    """The oldest waiting mails, within the group's limits (always at least one)."""
    count, size = 0, 0
    for waiting in _waiting:
        if count and (count == GROUP_MAILS or size + len(waiting.raw) > GROUP_BYTES):
            break
        count, size = count + 1, size + len(waiting.raw)
    group = _waiting[:count]
    del _waiting[:count]
    return group


def _store(group: list[_Waiting]) -> None:
    try:
        if len(group) > 1 and _together(group):
            return
        for waiting in group:
            _alone(waiting)
    except BaseException as error:  # never leave a request waiting for an answer
        for waiting in group:
            if not waiting.done:
                waiting.error, waiting.done = error, True
        raise


def _together(group: list[_Waiting]) -> bool:
    """Every mail of `group` in one transaction; False, with nothing kept, when any of them failed."""
    try:
        with transaction.atomic(), batch_cache.batch():
            for _pk, mails in groupby(sorted(group, key=_store_id), key=_store_id):
                mails = list(mails)
                prepare_batch(mails[0].store, [(waiting.raw, "") for waiting in mails])
            with batch_cache.all_items() as check:
                for waiting in group:
                    waiting.message = receive_email(
                        store=waiting.store, raw=waiting.raw, recipient=waiting.recipient
                    )
                    check()
    except Exception:  # a mail refused, or the commit failed: each mail alone tells its own request
        logger.info("A group of %d inbound mails is stored one by one", len(group), exc_info=True)
        for waiting in group:
            waiting.message = None
        return False
    for waiting in group:
        waiting.done = True
    return True


def _alone(waiting: _Waiting) -> None:
    try:
        waiting.message = receive_email(store=waiting.store, raw=waiting.raw, recipient=waiting.recipient)
    except Exception as error:
        waiting.error = error
    waiting.done = True


def _store_id(waiting: _Waiting) -> int:
    return waiting.store.pk


__all__ = ["receive", "GROUP_MAILS", "GROUP_BYTES"]
