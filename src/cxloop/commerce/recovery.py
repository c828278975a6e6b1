"""Queue again the store mirror's background work that no task will finish.

A process can die between committing work and enqueuing its task (an
import job queued, an Ecwid event recorded as pending), and a worker can
be killed so often on one task that the task is given up (core.workers).
The worker runs these sweeps every minute: work waiting longer than
settings.CXLOOP_STRANDED_AFTER_SECONDS with no waiting or running task for
it gets one. Each sweep reads the queue before the work, so work enqueued
meanwhile is young enough to be left alone, and each is safe to run twice.
"""

from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from cxloop.core import workers

from .models import ImportFileChunk, ImportJob, WebhookDelivery

MAX_IMPORT_RUNS = 10  # runs cut off before an import is given up (a file that kills its worker)


def requeue_stranded_imports(*, now=None) -> int:
    """Queue the import jobs whose run is gone; return how many were queued or given up.

    A queued job without a task gets one. A running job without a task and
    without progress for the stranded time lost its run: it is queued again
    and resumes after its last committed batch (the new run's claim fences
    out the old one, should it still be alive). A job cut off MAX_IMPORT_RUNS
    times fails.
    """
    from .tasks import run_import_task

    now = now or timezone.now()
    pending = workers.pending_task_args(run_import_task)
    before = workers.stranded_before(now)
    jobs = (
        ImportJob.objects.annotate(touched_at=Coalesce("heartbeat_at", "created_at"))
        .filter(status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING], touched_at__lt=before)
        .exclude(pk__in=pending)
        .order_by("pk")
    )
    count = 0
    for job in jobs.only("pk", "status", "attempt", "heartbeat_at"):
        same = ImportJob.objects.filter(pk=job.pk, status=job.status, attempt=job.attempt)
        if job.status == ImportJob.Status.RUNNING and job.attempt >= MAX_IMPORT_RUNS:
            error = _("The import was cut off %(runs)s times and was stopped.") % {"runs": job.attempt}
            if same.update(status=ImportJob.Status.FAILED, error=error, finished_at=now):
                ImportFileChunk.objects.filter(job_id=job.pk).delete()
                count += 1
            continue
        if same.update(status=ImportJob.Status.QUEUED, heartbeat_at=now):
            run_import_task.enqueue(job.pk)
            count += 1
    return count


def requeue_stuck_deliveries(*, now=None) -> int:
    """Queue the Ecwid fetches of pending deliveries that have no task; return how many.

    The fetch is safe to run twice, so a race with a slow worker does no harm.
    """
    from .tasks import fetch_ecwid_event_task

    now = now or timezone.now()
    pending = workers.pending_task_args(fetch_ecwid_event_task)
    stuck = WebhookDelivery.objects.filter(
        status=WebhookDelivery.Status.PENDING, received_at__lt=workers.stranded_before(now)
    ).exclude(pk__in=pending)
    ids = list(stuck.order_by("pk").values_list("pk", flat=True))
    for delivery_id in ids:
        fetch_ecwid_event_task.enqueue(delivery_id)
    return len(ids)
