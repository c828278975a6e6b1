"""A task for testing the task plumbing itself."""

from django_tasks import task


@task()
def noop_task() -> str:
    return "done"
