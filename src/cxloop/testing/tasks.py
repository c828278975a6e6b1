"""A task for testing the task plumbing itself."""

from django_tasks import task


@task()
def noop_task() -> str:
    return "done"


@task()
def resumed_task() -> bool:
    """Whether this run follows a run whose worker was lost (core.workers)."""
    from cxloop.core.workers import resumed_after_lost_worker

    return resumed_after_lost_worker()
