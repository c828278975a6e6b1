"""Crash recovery of tasks: heartbeats, leases, tasks queued again after their worker died.

The real kill -9 of a worker process is in tests/reliability/test_worker_crash.py;
these tests pin the rules with time controlled by time-machine.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cxloop.core import workers
from cxloop.core.models import WorkerHeartbeat
from cxloop.testing.tasks import noop_task


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    return time_machine


@pytest.fixture(autouse=True)
def lease(settings):
    settings.CXLOOP_WORKER_LEASE_SECONDS = 60
    settings.CXLOOP_TASK_MAX_ATTEMPTS = 3


def running_task(worker_id: str) -> DBTaskResult:
    row = DBTaskResult.objects.get(pk=noop_task.enqueue().id)
    row.claim(worker_id)
    return row


def status(row: DBTaskResult) -> str:
    row.refresh_from_db()
    return row.status


def test_a_task_of_a_worker_silent_past_its_lease_is_queued_again(db, clock):
    # given a worker that claimed a task and then stopped beating (kill -9)
    workers.register_worker("dead")
    row = running_task("dead")

    # when another worker sweeps before and after the lease
    clock.shift(59)
    early = workers.recover_lost_tasks(own_worker_id="alive")
    clock.shift(2)
    late = workers.recover_lost_tasks(own_worker_id="alive")

    # then the task is left alone within the lease and queued again after it, same id
    assert (early, late) == (0, 1)
    assert status(row) == "READY"
    assert DBTaskResult.objects.ready().get().pk == row.pk


def test_a_task_of_a_live_worker_is_never_taken_however_long_it_runs(db, clock):
    # given a worker whose heartbeat keeps coming during a long task
    workers.register_worker("busy")
    row = running_task("busy")
    for _ in range(10):
        clock.shift(50)
        workers.beat("busy")

    # when another worker sweeps
    recovered = workers.recover_lost_tasks(own_worker_id="other")

    # then the running task stays with its worker
    assert recovered == 0
    assert status(row) == "RUNNING"


def test_a_worker_never_takes_back_its_own_running_task(db, clock):
    # given a worker whose heartbeat could not be written for a while (a long SQLite write lock)
    workers.register_worker("me")
    row = running_task("me")
    clock.shift(600)

    # when its own heartbeat thread sweeps
    recovered = workers.recover_lost_tasks(own_worker_id="me")

    # then it does not queue its own task a second time
    assert recovered == 0
    assert status(row) == "RUNNING"


def test_an_unregistered_worker_gets_a_lease_from_the_start_of_its_task(db, clock):
    # given a task claimed by a worker that keeps no heartbeat (a plain db_worker)
    running_task("plain-db-worker")

    # when the sweep runs within and after a lease of the task's start
    clock.shift(30)
    early = workers.recover_lost_tasks()
    clock.shift(31)
    late = workers.recover_lost_tasks()

    # then only the second one queues it again
    assert (early, late) == (0, 1)


def test_a_task_that_keeps_killing_its_worker_fails_instead_of_looping(db, clock):
    # given a task whose worker died under it twice before, and now a third time
    row = running_task("first")
    row.status = "READY"
    row.save(update_fields=["status"])
    row.claim("second")
    row.status = "READY"
    row.save(update_fields=["status"])
    row.claim("third")
    clock.shift(61)

    # when the sweep runs
    workers.recover_lost_tasks()

    # then it is marked failed with the reason, not run a fourth time
    row.refresh_from_db()
    assert row.status == "FAILED"
    assert row.exception_class_path == "cxloop.core.workers.WorkerLost"
    assert "lost its worker 3 times" in row.traceback


def test_a_task_cut_short_by_a_second_ctrl_c_is_queued_again(db, clock):
    # given a task that the worker ended with SystemExit (Ctrl+C twice: "terminating current task")
    row = running_task("stopped")
    row.set_failed(SystemExit(1))

    # when the sweep runs
    recovered = workers.recover_lost_tasks()

    # then the task waits to run again, its error cleared
    assert recovered == 1
    row.refresh_from_db()
    assert (row.status, row.exception_class_path, row.finished_at) == ("READY", "", None)


def test_two_sweepers_queue_a_lost_task_once(db, clock):
    # given a lost task read by two sweepers at the same moment
    workers.register_worker("dead")
    row = running_task("dead")
    clock.shift(61)
    stale = DBTaskResult.objects.filter(pk=row.pk)

    # when the first queues it and a worker claims it before the second sweeper writes
    first = workers._requeue_or_fail(
        stale.filter(status="RUNNING", started_at=row.started_at), row, timezone.now(), "x"
    )
    DBTaskResult.objects.get(pk=row.pk).claim("new")
    second = workers._requeue_or_fail(
        stale.filter(status="RUNNING", started_at=row.started_at), row, timezone.now(), "x"
    )

    # then the second changes nothing: the new claim stands
    assert (first, second) == (1, 0)
    assert status(row) == "RUNNING"


def test_a_task_run_again_after_its_worker_was_lost_knows_it(db, clock, task_worker):
    # given a task whose first worker died
    from cxloop.testing.tasks import resumed_task

    resumed_task.enqueue()
    row = DBTaskResult.objects.get()
    row.claim("dead")
    clock.shift(61)
    workers.recover_lost_tasks()

    # when a worker runs it again
    values = task_worker.run_ready()

    # then the task could tell, and a fresh task cannot
    resumed_task.enqueue()
    assert values + task_worker.run_ready() == [True, False]


def test_old_heartbeat_rows_are_pruned(db, clock):
    workers.register_worker("long-gone")
    clock.shift(timedelta(days=8))
    workers.register_worker("recent")

    assert workers.prune_heartbeats() == 1
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["recent"]


def test_finished_task_rows_are_pruned_after_the_keep_days_and_waiting_ones_never(db, clock, settings):
    # given a finished task, a failed one, and one still waiting, all 15 days old
    settings.CXLOOP_TASK_RESULTS_KEEP_DAYS = 14
    done, failed = running_task("w"), running_task("w")
    done.set_successful("done")
    failed.set_failed(ValueError("boom"))
    noop_task.enqueue()
    clock.shift(timedelta(days=15))
    fresh = running_task("w")
    fresh.set_successful("done")

    # when the hourly prune runs (in small batches)
    deleted = workers.prune_finished_tasks(batch=1)

    # then only the old finished rows are gone
    assert deleted == 2
    assert sorted(DBTaskResult.objects.values_list("status", flat=True)) == ["READY", "SUCCESSFUL"]
