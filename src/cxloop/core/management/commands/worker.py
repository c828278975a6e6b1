from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from cxloop.core import workers
from cxloop.core.periodic import start_scheduler
from cxloop.core.startup import settle


class Command(DatabaseWorkerCommand):
    help = (
        "Run background tasks, enqueue the periodic ones (abandoned carts, ...) when due, "
        "and queue again the tasks of workers that stopped mid-task."
    )

    def handle(self, *args, **options):
        worker_id = options["worker_id"]
        # Registered before the first claim, so no sweeper mistakes this worker's tasks for lost ones.
        workers.register_worker(worker_id)
        workers.recover_lost_tasks(own_worker_id=worker_id)
        heartbeat = workers.start_heartbeat(worker_id)
        if not options.get("batch"):
            start_scheduler()
        settle()  # start-up objects out of the collector's full passes (core/startup.py)
        try:
            return super().handle(*args, **options)
        finally:
            heartbeat.stop.set()
            workers.unregister_worker(worker_id)
