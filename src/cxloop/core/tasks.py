"""Background entry points of core: upkeep of the task queue itself."""

from django_tasks import task

from . import workers


@task()
def prune_finished_tasks_task() -> int:
    """Periodic: delete finished task rows older than settings.CXLOOP_TASK_RESULTS_KEEP_DAYS."""
    return workers.prune_finished_tasks()


@task()
def refresh_statistics_task() -> bool:
    """Once a day: the SQLite planner's statistics made again (core.statistics)."""
    from .statistics import refresh_statistics

    return refresh_statistics()
