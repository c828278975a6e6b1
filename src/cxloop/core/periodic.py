"""Periodic work: tasks the worker enqueues on a timer.

`settings.CXLOOP_PERIODIC_TASKS` maps a task's dotted path to its interval in
seconds, e.g. {"cxloop.commerce.tasks.mark_abandoned_checkouts_task": 300}.
`cxloop worker` runs a small scheduler thread beside the task worker that
enqueues each one when it is due, unless one is already waiting, so several
workers never pile up copies. Each one is enqueued as soon as the worker
starts, so the sweeps for stranded work (core.workers) run after a restart.
Periodic tasks must be safe to run twice.
"""

import logging
import threading
import time

from django.conf import settings
from django.db import close_old_connections
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


def enqueue_due(last_run: dict[str, float], now: float) -> list[str]:
    """Enqueue every periodic task whose interval has passed; return their paths."""
    from django_tasks_db.models import DBTaskResult

    enqueued = []
    for path, interval in getattr(settings, "CXLOOP_PERIODIC_TASKS", {}).items():
        if path in last_run and now - last_run[path] < interval:
            continue  # a first tick always enqueues: the sweeps run as soon as a worker starts
        last_run[path] = now
        if DBTaskResult.objects.filter(task_path=path, status="READY").exists():
            continue
        import_string(path).enqueue()
        enqueued.append(path)
    return enqueued


def start_scheduler(*, tick: float = 5.0) -> threading.Thread:
    """Start the scheduler as a daemon thread; it stops with the process."""

    def loop():
        last_run: dict[str, float] = {}
        while True:
            try:
                enqueue_due(last_run, time.monotonic())
            except Exception:  # the scheduler must outlive a passing database hiccup
                logger.exception("Could not enqueue periodic tasks")
            finally:
                close_old_connections()
            time.sleep(tick)

    thread = threading.Thread(target=loop, name="cxloop-scheduler", daemon=True)
    thread.start()
    return thread
