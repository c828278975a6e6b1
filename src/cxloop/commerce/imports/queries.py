"""Store-scoped reads of CSV import jobs."""

from django.db.models import QuerySet
from django.http import Http404

from cxloop.core.models import Store

from ..models import ImportJob, ImportProblem


def get_import_job(store: Store, job_id) -> ImportJob:
    """The store's import job with this id; Http404 for any other store's id."""
    try:
        return ImportJob.objects.select_related("created_by").get(store=store, pk=int(job_id))
    except (ImportJob.DoesNotExist, ValueError, TypeError):
        raise Http404("No such import.") from None


def list_import_jobs(store: Store) -> QuerySet[ImportJob]:
    """The store's imports, newest first."""
    return ImportJob.objects.filter(store=store).select_related("created_by").order_by("-created_at", "-id")


def list_import_problems(job: ImportJob) -> QuerySet[ImportProblem]:
    """The rows a job skipped or imported in part, in the order it met them."""
    return ImportProblem.objects.filter(store_id=job.store_id, job=job).order_by("id")
