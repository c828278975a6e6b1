"""Crash recovery for background work: worker heartbeats, lost tasks, stranded work.

The database task backend marks a task RUNNING when a worker claims it and
SUCCESSFUL or FAILED when the task returns. A worker killed in between
(kill -9, out of memory, power loss) leaves the row RUNNING for ever. So
each `cxloop worker`:

- registers a `WorkerHeartbeat` row before it claims anything, and refreshes
  it every CXLOOP_WORKER_HEARTBEAT_SECONDS from a thread of its own;
- at start-up and at each heartbeat, calls `recover_lost_tasks`: a RUNNING
  task whose worker has not been seen for CXLOOP_WORKER_LEASE_SECONDS goes
  back to READY (same task id, so whoever waits on it still finds it) and
  runs again; a task that lost its worker CXLOOP_TASK_MAX_ATTEMPTS times is
  marked failed instead, so a task that kills its worker cannot loop. A task
  cut short by a second Ctrl+C (recorded FAILED with SystemExit) is queued
  again the same way.

A live worker's task is never taken: its heartbeat is fresh, and a worker
never recovers its own tasks. A worker id with no heartbeat row (a plain
`db_worker`, or a row pruned long ago) counts as gone once its task started
more than a lease ago. Should a live worker lose the database for longer
than the lease, its task may run twice; every task is written to be safe
to run twice.

A task run again after its worker was lost can ask `resumed_after_lost_worker()`,
to take over what the lost run had claimed (an invitation left "sending", an
import job left "running").

Work whose task never reached the queue (the process died between the
commit and the enqueue) is found by each app's periodic sweep, which uses
`pending_task_args` to see what is already queued and `stranded_before` for
how long work may wait before it counts as stranded.
"""

import contextvars
import logging
import os
import socket
import threading
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from .models import WorkerHeartbeat

logger = logging.getLogger(__name__)

PRUNE_AFTER = timedelta(days=7)  # heartbeat rows of workers gone this long are deleted
INTERRUPTED_EXCEPTIONS = ("builtins.SystemExit", "builtins.KeyboardInterrupt")

_attempt: contextvars.ContextVar[int] = contextvars.ContextVar("cxloop_task_attempt", default=1)


class WorkerLost(Exception):
    """The worker running a task stopped before the task finished."""


def lease() -> timedelta:
    return timedelta(seconds=settings.CXLOOP_WORKER_LEASE_SECONDS)


def stranded_before(now: datetime | None = None) -> datetime:
    """Work waiting since before this moment with no task queued for it is stranded."""
    return (now or timezone.now()) - timedelta(seconds=settings.CXLOOP_STRANDED_AFTER_SECONDS)


def register_worker(worker_id: str, *, now: datetime | None = None) -> WorkerHeartbeat:
    """Record a worker as alive (before it claims its first task)."""
    now = now or timezone.now()
    heartbeat, _ = WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "hostname": socket.gethostname()[:255],
            "pid": os.getpid(),
            "started_at": now,
            "last_seen_at": now,
        },
    )
    return heartbeat


def beat(worker_id: str, *, now: datetime | None = None) -> None:
    """Refresh a worker's heartbeat (registering it again if its row was removed)."""
    now = now or timezone.now()
    if not WorkerHeartbeat.objects.filter(worker_id=worker_id).update(last_seen_at=now):
        register_worker(worker_id, now=now)


def unregister_worker(worker_id: str) -> None:
    """Forget a worker that stopped cleanly."""
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def recover_lost_tasks(*, own_worker_id: str = "", now: datetime | None = None) -> int:
    """Queue again the tasks whose worker stopped mid-run; return how many were queued or failed.

    Safe to run from several workers at once: each row is changed only if it
    is still in the state it was read in (compare-and-set on its status and
    start time), so one sweeper wins and the others change nothing.
    """
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    alive = set(
        WorkerHeartbeat.objects.filter(last_seen_at__gte=now - lease()).values_list("worker_id", flat=True)
    )
    known = set(WorkerHeartbeat.objects.values_list("worker_id", flat=True))
    recovered = 0
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).only(
        "id", "worker_ids", "started_at", "task_path"
    )
    for row in running:
        worker_id = row.worker_ids[-1] if row.worker_ids else ""
        if worker_id == own_worker_id or worker_id in alive:
            continue
        if worker_id not in known and row.started_at and row.started_at > now - lease():
            continue  # an unregistered worker: give it a lease from the task's start
        same = DBTaskResult.objects.filter(
            pk=row.pk, status=TaskResultStatus.RUNNING, started_at=row.started_at
        )
        recovered += _requeue_or_fail(same, row, now, f"worker {worker_id} stopped")
    interrupted = DBTaskResult.objects.filter(
        status=TaskResultStatus.FAILED,
        exception_class_path__in=INTERRUPTED_EXCEPTIONS,
        finished_at__gte=now - PRUNE_AFTER,
    ).only("id", "worker_ids", "finished_at", "task_path")
    for row in interrupted:
        same = DBTaskResult.objects.filter(
            pk=row.pk, status=TaskResultStatus.FAILED, finished_at=row.finished_at
        )
        recovered += _requeue_or_fail(same, row, now, "the worker was stopped during the task")
    return recovered


def _requeue_or_fail(same, row, now: datetime, why: str) -> int:
    from django_tasks.base import TaskResultStatus

    attempts = len(row.worker_ids)
    if attempts >= settings.CXLOOP_TASK_MAX_ATTEMPTS:
        logger.error("Task %s (%s) failed: %s, %s times", row.pk, row.task_path, why, attempts)
        return same.update(
            status=TaskResultStatus.FAILED,
            finished_at=now,
            exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
            traceback=f"WorkerLost: {why}; the task lost its worker {attempts} times and is not run again.",
            return_value=None,
        )
    logger.warning("Task %s (%s) queued again: %s", row.pk, row.task_path, why)
    return same.update(status=TaskResultStatus.READY, finished_at=None, exception_class_path="", traceback="")


def resumed_after_lost_worker() -> bool:
    """Inside a task: whether an earlier run of this same task lost its worker mid-run."""
    return _attempt.get() > 1


def _task_started(sender, task_result, **kwargs) -> None:
    _attempt.set(max(task_result.attempts, 1))


def _task_finished(sender, task_result, **kwargs) -> None:
    _attempt.set(1)


def connect_task_signals() -> None:
    """Let tasks know their attempt (called from CoreConfig.ready)."""
    from django_tasks.signals import task_finished, task_started

    task_started.connect(_task_started, dispatch_uid="cxloop.core.workers.task_started")
    task_finished.connect(_task_finished, dispatch_uid="cxloop.core.workers.task_finished")


def pending_task_args(task) -> set:
    """The first argument (an id) of every waiting or running copy of a task."""
    from django_tasks.base import TaskResultStatus

    return _task_args(task, statuses=[TaskResultStatus.READY, TaskResultStatus.RUNNING])


def enqueued_task_args(task) -> set:
    """The first argument of every copy of a task still in the queue's table, whatever its state."""
    return _task_args(task)


def _task_args(task, statuses=None) -> set:
    from django_tasks_db.models import DBTaskResult

    rows = DBTaskResult.objects.filter(task_path=task.module_path)
    if statuses is not None:
        rows = rows.filter(status__in=statuses)
    return {args["args"][0] for args in rows.values_list("args_kwargs", flat=True) if args.get("args")}


def prune_heartbeats(*, now: datetime | None = None) -> int:
    """Delete the heartbeat rows of workers gone for PRUNE_AFTER."""
    now = now or timezone.now()
    deleted, _ = WorkerHeartbeat.objects.filter(last_seen_at__lt=now - PRUNE_AFTER).delete()
    return deleted


def prune_finished_tasks(*, now: datetime | None = None, batch: int = 5000) -> int:
    """Delete finished task rows kept longer than settings.CXLOOP_TASK_RESULTS_KEEP_DAYS; return how many.

    Keeps the queue's table small, so the sweeps that read it stay cheap.
    Deletes in batches, so SQLite's write lock is never held for long.
    """
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    old = DBTaskResult.objects.filter(
        status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED],
        finished_at__lt=now - timedelta(days=settings.CXLOOP_TASK_RESULTS_KEEP_DAYS),
    )
    deleted = 0
    while ids := list(old.values_list("pk", flat=True)[:batch]):
        deleted += DBTaskResult.objects.filter(pk__in=ids).delete()[0]
    return deleted


def start_heartbeat(worker_id: str) -> threading.Thread:
    """Keep a worker's heartbeat fresh and recover lost tasks, from a daemon thread."""
    stop = threading.Event()

    def loop():
        while not stop.wait(settings.CXLOOP_WORKER_HEARTBEAT_SECONDS):
            try:
                beat(worker_id)
                recover_lost_tasks(own_worker_id=worker_id)
                prune_heartbeats()
            except Exception:  # the heartbeat must outlive a passing database hiccup
                logger.exception("Could not refresh the worker's heartbeat")
            finally:
                close_old_connections()

    thread = threading.Thread(target=loop, name="cxloop-heartbeat", daemon=True)
    thread.stop = stop  # type: ignore[attr-defined]
    thread.start()
    return thread
