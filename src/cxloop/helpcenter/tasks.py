"""Background entry points of the help centre."""

from django_tasks import task

from . import counting


@task()
def prune_searches_task() -> int:
    """Daily: customers' searches older than CXLOOP_HELP_SEARCHES_KEEP_DAYS are deleted."""
    return counting.prune_searches()
