"""Mailboxes watched with IMAP IDLE, one thread each, beside the worker's minute-by-minute polls.

    stop = threading.Event()
    watch_enabled_mailboxes(deliver_for, stop=stop)   # returns when stop is set

`cxloop watch_mailboxes` runs this. Each enabled mailbox gets a thread that
holds one connection and calls `services.mailboxes.watch_mailbox` for
`WATCH_SECONDS` at a time (then reconnects, so a changed password or folder
is taken up). While a watch holds a mailbox's claim the periodic poll skips
it; a server without IDLE, or one that fails, is left to the poll and tried
again after CXLOOP_IMAP_POLL_SECONDS. Without this process running, mail still
arrives by the periodic poll, within a minute.
"""

import logging
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import close_old_connections

from .models import Mailbox
from .services import mailboxes

logger = logging.getLogger(__name__)

WATCH_SECONDS = 25 * 60


def watch_enabled_mailboxes(deliver_for: Callable, *, stop: threading.Event) -> None:
    """Keep one watching thread per enabled mailbox until `stop` is set; new mailboxes join within a poll."""
    threads: dict[int, threading.Thread] = {}
    every = float(getattr(settings, "CXLOOP_IMAP_POLL_SECONDS", 60))
    while not stop.is_set():
        try:
            for mailbox_id in Mailbox.objects.filter(enabled=True).values_list("pk", flat=True):
                if mailbox_id not in threads or not threads[mailbox_id].is_alive():
                    threads[mailbox_id] = threading.Thread(
                        target=watch_one, args=(mailbox_id, deliver_for, stop), daemon=True,
                        name=f"cxloop-watch-{mailbox_id}",
                    )  # fmt: skip
                    threads[mailbox_id].start()
        except Exception:  # a database hiccup must not end the watcher
            logger.exception("Could not list the mailboxes to watch")
        finally:
            close_old_connections()
        stop.wait(every)
    for thread in threads.values():  # each ends within one IDLE (CXLOOP_IMAP_IDLE_SECONDS)
        thread.join(timeout=settings.CXLOOP_IMAP_IDLE_SECONDS + 30)


def watch_one(mailbox_id: int, deliver_for: Callable, stop: threading.Event) -> None:
    """Watch one mailbox until it is disabled or removed, or `stop` is set."""
    every = float(getattr(settings, "CXLOOP_IMAP_POLL_SECONDS", 60))
    while not stop.is_set():
        try:
            mailbox = Mailbox.objects.filter(pk=mailbox_id, enabled=True).select_related("store").first()
            if mailbox is None:
                return
            ends = time.monotonic() + WATCH_SECONDS

            def done(ends=ends) -> bool:
                return stop.is_set() or time.monotonic() > ends

            result = mailboxes.watch_mailbox(
                mailbox, deliver_for(mailbox), until=done, idle_seconds=settings.CXLOOP_IMAP_IDLE_SECONDS
            )
            if result is None or not result.idled or result.error:
                stop.wait(every)  # held by a poll, no IDLE, or failing: the poll reads it meanwhile
        except Exception:
            logger.exception("Mailbox %s: watching failed", mailbox_id)
            stop.wait(every)
        finally:
            close_old_connections()
