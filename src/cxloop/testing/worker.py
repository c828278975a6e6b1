"""Run queued background tasks in a test, the way the database worker runs them.

    def test_invitation_is_sent(task_worker, ...):
        with task_worker.committing():            # on_commit hooks run: tasks reach the queue
            services.invite_customer(...)
        task_worker.run_ready()                   # every task whose run_after has come, in order

Tasks go through the real database queue (django-tasks-db): `run_after`
counts, so a retry planned for "in 60 seconds" runs only once the test
travels there with time-machine. Each task runs with its on_commit hooks
executed, as after a real commit, and a task that raises fails the test.
"""

from contextlib import contextmanager

import pytest
from django_tasks.base import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult


class TaskWorker:
    def __init__(self, capture_on_commit_callbacks):
        self._capture = capture_on_commit_callbacks
        self._worker = Worker(
            queue_names=["*"], interval=0, batch=True, backend_name="default", startup_delay=False,
            max_tasks=None, worker_id="test-worker", excluded_queue_names=[],
        )  # fmt: skip

    @contextmanager
    def committing(self):
        """Run the block's on_commit hooks (and theirs) when it ends, as a real commit would."""
        with self._capture(execute=True):
            yield

    def ready(self, task_path: str | None = None) -> list[DBTaskResult]:
        """The queued tasks due now, oldest first."""
        tasks = DBTaskResult.objects.ready().order_by("enqueued_at")
        return list(tasks.filter(task_path=task_path) if task_path else tasks)

    def run_ready(self, limit: int = 100) -> list:
        """Run due tasks until none is left (tasks they enqueue included); return their results."""
        values = []
        for _ in range(limit):
            due = self.ready()
            if not due:
                return values
            values.append(self.run(due[0]))
        raise AssertionError(f"tasks still queued after {limit} runs")

    def run(self, result: DBTaskResult):
        result.claim(self._worker.worker_id)
        with self.committing():
            self._worker.run_task(result)
        result.refresh_from_db()
        if result.status != TaskResultStatus.SUCCESSFUL:
            raise AssertionError(f"{result.task_path} failed:\n{result.traceback}")
        return result.return_value


@pytest.fixture
def task_worker(django_capture_on_commit_callbacks):
    """Runs the test's queued tasks on demand (see TaskWorker)."""
    return TaskWorker(django_capture_on_commit_callbacks)
