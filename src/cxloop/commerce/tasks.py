"""Background entry points of the store mirror: load by id, call the verb."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from cxloop.core.models import Store

from . import services
from .imports import jobs
from .integrations import ecwid
from .models import WebhookDelivery


@task()
def fetch_ecwid_event_task(delivery_id: int) -> None:
    """Fetch the order or customer a pending Ecwid event points at, and apply it.

    Safe to run twice: a delivery that is no longer pending is left alone.
    """
    ecwid.process_event(delivery_id)


@task()
def run_import_task(job_id: int) -> str | None:
    """Run an uploaded CSV import in batches; return its final status.

    Safe to run twice: a finished job is left alone, a running one is left to
    its run, and a stalled one is resumed after its last committed batch.
    """
    job = jobs.run_import(job_id=job_id)
    return job.status if job else None


@task()
def mark_abandoned_checkouts_task() -> int:
    """Periodic: mark open carts with no order after the store's window as abandoned."""
    cutoff = timezone.now() - timedelta(minutes=settings.CXLOOP_ABANDONED_AFTER_MINUTES)
    return sum(
        services.mark_abandoned_checkouts(store=store, older_than=cutoff)
        for store in Store.objects.all()
    )


@task()
def requeue_stuck_deliveries_task() -> int:
    """Periodic: re-enqueue Ecwid fetches whose task was lost (a worker crashed).

    A pending delivery with no waiting or running task gets a new one; the
    fetch is safe to run twice, so a race with a slow worker does no harm.
    """
    from django_tasks_db.models import DBTaskResult

    path = f"{fetch_ecwid_event_task.func.__module__}.{fetch_ecwid_event_task.func.__name__}"
    waiting = {
        args["args"][0]
        for args in DBTaskResult.objects.filter(task_path=path, status__in=["READY", "RUNNING"])
        .values_list("args_kwargs", flat=True)
        if args.get("args")
    }
    stuck = WebhookDelivery.objects.filter(
        status=WebhookDelivery.Status.PENDING, received_at__lt=timezone.now() - timedelta(minutes=5)
    ).exclude(pk__in=waiting)
    count = 0
    for delivery_id in stuck.values_list("pk", flat=True):
        fetch_ecwid_event_task.enqueue(delivery_id)
        count += 1
    return count
