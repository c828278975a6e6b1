from django_tasks_db.models import DBTaskResult

from cxloop.core.periodic import enqueue_due

NOOP = "cxloop.testing.tasks.noop_task"


def test_due_task_is_enqueued_once_even_if_asked_twice(db, settings):
    settings.CXLOOP_PERIODIC_TASKS = {NOOP: 60}
    last_run: dict[str, float] = {}

    assert enqueue_due(last_run, now=1000.0) == [NOOP]
    assert enqueue_due({}, now=1000.0) == []  # a second worker: one is already waiting

    assert DBTaskResult.objects.filter(task_path=NOOP).count() == 1


def test_task_is_not_enqueued_before_its_interval(db, settings):
    settings.CXLOOP_PERIODIC_TASKS = {NOOP: 60}
    last_run = {NOOP: 1000.0}

    assert enqueue_due(last_run, now=1030.0) == []
    DBTaskResult.objects.all().delete()
    assert enqueue_due(last_run, now=1061.0) == [NOOP]


def test_a_worker_started_soon_after_boot_enqueues_its_periodic_tasks_at_once(db, settings):
    # given a machine booted 5 seconds ago (the monotonic clock is small)
    settings.CXLOOP_PERIODIC_TASKS = {NOOP: 60}

    # when the worker's scheduler ticks for the first time
    enqueued = enqueue_due({}, now=5.0)

    # then the sweeps run now, not a whole interval later
    assert enqueued == [NOOP]
