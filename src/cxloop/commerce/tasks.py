"""Background entry points of the store mirror: load by id, call the verb."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from cxloop.core import workers
from cxloop.core.models import Store

from . import recovery, services
from .imports import jobs
from .integrations import ecwid


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
    its run, and a stalled one is resumed after its last committed batch. Run
    again after its worker was lost, it takes the job over from the lost run.
    """
    job = jobs.run_import(job_id=job_id, take_over=workers.resumed_after_lost_worker())
    return job.status if job else None


@task()
def mark_abandoned_checkouts_task() -> int:
    """Periodic: mark open carts with no order after the store's window as abandoned."""
    cutoff = timezone.now() - timedelta(minutes=settings.CXLOOP_ABANDONED_AFTER_MINUTES)
    return sum(
        services.mark_abandoned_checkouts(store=store, older_than=cutoff) for store in Store.objects.all()
    )


@task()
def requeue_stuck_deliveries_task() -> int:
    """Periodic: queue the Ecwid fetches whose task was lost (a process died before enqueuing it)."""
    return recovery.requeue_stuck_deliveries()


@task()
def requeue_stranded_imports_task() -> int:
    """Periodic: queue the CSV imports whose task was lost or whose run was cut off."""
    return recovery.requeue_stranded_imports()
