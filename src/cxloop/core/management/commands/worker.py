from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from cxloop.core.periodic import start_scheduler


class Command(DatabaseWorkerCommand):
    help = "Run background tasks, and enqueue the periodic ones (abandoned carts, ...) when due."

    def handle(self, *args, **options):
        if not options.get("batch"):
            start_scheduler()
        return super().handle(*args, **options)
