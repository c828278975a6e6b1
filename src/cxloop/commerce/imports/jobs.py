"""CSV imports as background jobs: check and store the upload, queue it, run it in batches.

    job = queue_import(store=store, kind="shopify_orders", file=upload,
                       file_name="orders_export.csv", actor=user, language="fa")
    # after commit a worker runs run_import_task(job.pk), which calls run_import(job_id=job.pk)

The file is checked before anything is queued (not empty, UTF-8, CSV, the
columns of the export `kind` names, at least one row) and kept in the
database in 4 MB chunks, so a worker on another machine that shares only the
database can read it; the chunks are deleted when the run ends, since the
file holds personal data that erasure could not reach there.

A run claims its job by raising `attempt`. Each committed batch saves the
counts, `rows_processed` and new problems in its own transaction, and only
while the job still belongs to that attempt: two runs never both apply a
batch. A run that has saved nothing for STALLED_AFTER is presumed dead (its
worker stopped): `resume_import` (the job page's button) queues the job
again, and the next run resumes after the last committed batch.
"""

import logging
import tempfile
from contextlib import contextmanager
from datetime import timedelta
from functools import partial

from django.db import transaction
from django.db.models import DateTimeField, F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cxloop.core.errors import InvalidInput
from cxloop.core.models import Store

from ..models import ImportFileChunk, ImportJob, ImportProblem
from . import shopify_customers, shopify_orders
from .reading import open_export
from .summary import ImportSummary

logger = logging.getLogger(__name__)

Kind = ImportJob.Kind
IMPORTERS = {
    Kind.SHOPIFY_CUSTOMERS: shopify_customers.import_shopify_customers,
    Kind.SHOPIFY_ORDERS: shopify_orders.import_shopify_orders,
}
EXPORTS = {
    Kind.SHOPIFY_CUSTOMERS: (shopify_customers.COLUMNS, shopify_customers.REQUIRED, "customers"),
    Kind.SHOPIFY_ORDERS: (shopify_orders.COLUMNS, shopify_orders.REQUIRED, "orders"),
}
CHUNK_BYTES = 4 * 1024 * 1024
STALLED_AFTER = timedelta(minutes=10)
REASON_MAX = 2000


class RunTakenOver(Exception):
    """Another run owns the job now: this one stops, and its open batch rolls back."""


def queue_import(*, store: Store, kind: str, file, file_name: str, actor, language: str = "") -> ImportJob:
    """Check an uploaded export, store it, and queue its import; the task is enqueued after commit.

    Raises InvalidInput (field "file", or "kind") and stores nothing when the
    file is empty, not UTF-8 text, not CSV, lacks the columns of the `kind`
    of export, or has no rows below its header. The file is read through
    before the transaction opens, so SQLite's write lock is not held for it.
    """
    if kind not in IMPORTERS:
        raise InvalidInput(_("Choose what the file holds."), field="kind")
    rows = count_rows(kind, file)
    with transaction.atomic():
        job = ImportJob.objects.create(
            store=store,
            kind=kind,
            file_name=file_name[-255:],
            language=language,
            rows_total=rows,
            created_by=actor,
            created_at=timezone.now(),
        )
        job.file_size = _store_file(job, file)
        job.save(update_fields=["file_size"])
        transaction.on_commit(partial(_enqueue, job.pk))
    return job


def count_rows(kind: str, file) -> int:
    """The number of rows below the header of an export of this kind; raises InvalidInput if unusable.

    Leaves the file at its start.
    """
    file.seek(0)
    if not file.read(1):
        raise InvalidInput(_("The file is empty."), field="file")
    file.seek(0)
    columns, required, name = EXPORTS[kind]
    with open_export(file, columns=columns, required=required, kind=name) as export:
        total = export.total
    if not total:
        raise InvalidInput(_("The file has a header but no rows below it."), field="file")
    file.seek(0)
    return total


def _store_file(job: ImportJob, file) -> int:
    size, index = 0, 0
    while data := file.read(CHUNK_BYTES):
        data = data.encode() if isinstance(data, str) else data
        ImportFileChunk.objects.create(store_id=job.store_id, job=job, index=index, data=data)
        size, index = size + len(data), index + 1
    return size


def _enqueue(job_id: int) -> None:
    from ..tasks import run_import_task  # tasks.py imports this module

    run_import_task.enqueue(job_id)


def run_import(*, job_id: int, take_over: bool = False) -> ImportJob | None:
    """Run a queued import, or resume a stalled one; None when there is nothing to do.

    Safe to run twice: a finished job is left alone, and so is a job another
    run is working on, unless that run stalled or `take_over` says its
    worker is gone (the claim fences the old run out either way). Problem
    reasons are written in the language of the person who uploaded the file.
    """
    job = _claim(job_id, take_over=take_over)
    if job is None:
        return None
    summary = ImportSummary(created=job.created_count, updated=job.updated_count, skipped=job.skipped_count)
    try:
        with translation.override(job.language or job.store.default_language), _job_file(job) as file:
            IMPORTERS[job.kind](
                store=job.store,
                file=file,
                progress=_Checkpoint(job, summary),
                summary=summary,
                skip_rows=job.rows_processed,
            )
    except RunTakenOver:
        return None
    except InvalidInput as error:
        _end(job, ImportJob.Status.FAILED, error.message)
    except Exception:
        logger.exception("Import %s stopped", job.pk)
        _end(job, ImportJob.Status.FAILED, _("The import stopped on an unexpected error."))
        raise
    else:
        _end(job, ImportJob.Status.DONE)
    job.refresh_from_db()
    return job


def _claim(job_id: int, *, take_over: bool = False) -> ImportJob | None:
    now = timezone.now()
    claimable = Q(status=ImportJob.Status.QUEUED) | _stalled(now)
    if take_over:
        claimable |= Q(status=ImportJob.Status.RUNNING)
    claimed = ImportJob.objects.filter(claimable, pk=job_id).update(
        status=ImportJob.Status.RUNNING,
        attempt=F("attempt") + 1,
        heartbeat_at=now,
        started_at=Coalesce(F("started_at"), Value(now, output_field=DateTimeField())),
    )
    return ImportJob.objects.select_related("store").get(pk=job_id) if claimed else None


def _stalled(now) -> Q:
    return Q(status=ImportJob.Status.RUNNING, heartbeat_at__lt=now - STALLED_AFTER)


@contextmanager
def _job_file(job: ImportJob):
    with tempfile.TemporaryFile() as file:
        chunks = ImportFileChunk.objects.filter(job=job).order_by("index").values_list("data", flat=True)
        for data in chunks.iterator(chunk_size=1):
            file.write(data)
        file.seek(0)
        yield file


class _Checkpoint:
    """The progress callback of a run: saves counts and problems with each batch."""

    def __init__(self, job: ImportJob, summary: ImportSummary):
        self.job = job
        self.summary = summary

    def __call__(self, done: int, total: int) -> None:
        saved = ImportJob.objects.filter(pk=self.job.pk, attempt=self.job.attempt).update(
            rows_processed=done,
            rows_total=total,
            created_count=self.summary.created,
            updated_count=self.summary.updated,
            skipped_count=self.summary.skipped,
            heartbeat_at=timezone.now(),
        )
        if not saved:
            raise RunTakenOver(self.job.pk)
        job = self.job
        ImportProblem.objects.bulk_create(
            ImportProblem(store_id=job.store_id, job_id=job.pk, line=p.line, reason=p.reason[:REASON_MAX])
            for p in self.summary.problems
        )
        self.summary.problems.clear()  # saved; a long file's problems never pile up in memory


@transaction.atomic
def _end(job: ImportJob, status: str, error: str = "") -> None:
    now = timezone.now()
    ended = ImportJob.objects.filter(pk=job.pk, attempt=job.attempt).update(
        status=status, error=error, finished_at=now, heartbeat_at=now
    )
    if ended:
        ImportFileChunk.objects.filter(job=job).delete()


def is_stalled(job: ImportJob) -> bool:
    """True when the job's run has saved nothing for STALLED_AFTER (its worker stopped)."""
    if job.status != ImportJob.Status.RUNNING or job.heartbeat_at is None:
        return False
    return job.heartbeat_at < timezone.now() - STALLED_AFTER


def resume_import(*, job: ImportJob) -> bool:
    """Queue a stalled job again; its next run resumes after the last committed batch.

    Returns False (and queues nothing) when the job is not stalled, so asking
    twice queues one run.
    """
    now = timezone.now()
    requeued = ImportJob.objects.filter(_stalled(now), pk=job.pk).update(
        status=ImportJob.Status.QUEUED, heartbeat_at=now
    )
    if requeued:
        transaction.on_commit(partial(_enqueue, job.pk))
    return bool(requeued)
