"""Attachments removed: by retention (months after a conversation was resolved) or by erasure.

    purge_expired_attachments(batch_size=200)   # the periodic sweep; returns how many were purged

A purge is two steps, so a crash anywhere loses nothing and leaves no file behind:

1. in a transaction, the rows are marked `purged_at` (the file's name is
   kept in the row, so the next step can find it);
2. after commit, each file is deleted from storage, then the row forgets it:
   a retention purge keeps the row as the message's placeholder ("invoice.pdf,
   removed after 12 months"), an erasure deletes the row.

A process killed between the two leaves rows marked but still naming a
file; every sweep first finishes those (`finish_purges`), and deleting a file
already gone is harmless. The sweep works in batches of `batch_size`, each
committed on its own, so a long first run on a big store makes progress and
lets other writers in between.
"""

import logging
from datetime import datetime

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from ..models import Attachment, Conversation, DeskSettings

logger = logging.getLogger(__name__)


def mark_purged(attachments: QuerySet, *, removed_after_months: int | None = None) -> int:
    """Mark attachments purged now and finish them after commit; return how many were marked.

    Rows marked without `removed_after_months` (an erasure) lose their file name at once and
    are deleted once their file is gone; with it (retention) they stay as the message's placeholder.
    """
    ids = list(attachments.filter(purged_at__isnull=True).values_list("pk", flat=True))
    changes: dict = {"purged_at": timezone.now(), "removed_after_months": removed_after_months}
    if removed_after_months is None:
        changes |= {"filename": "", "content_id": ""}
    marked = Attachment.objects.filter(pk__in=ids).update(**changes)
    if ids:
        transaction.on_commit(lambda: finish_purges(ids))
    return marked


def finish_purges(ids: list[int] | None = None, *, batch_size: int = 500) -> int:
    """Delete the files of purged attachments (those of `ids`, or all), then their rows or file names.

    Safe to run twice and after a crash: a file already deleted is simply gone.
    """
    storage = Attachment.file.field.storage
    pending = Attachment.objects.filter(purged_at__isnull=False).exclude(file="")
    if ids is not None:
        pending = pending.filter(pk__in=ids)
    finished = 0
    while batch := list(pending.values_list("pk", "file", "removed_after_months")[:batch_size]):
        for _pk, name, _months in batch:
            storage.delete(name)
        erased = [pk for pk, _name, months in batch if months is None]
        kept = [pk for pk, _name, months in batch if months is not None]
        Attachment.objects.filter(pk__in=erased).delete()
        Attachment.objects.filter(pk__in=kept).update(file="")
        finished += len(batch)
    return finished


def delete_files(names: list[str]) -> None:
    """Delete stored files by name (after the commit that removed their rows); a missing one is fine."""
    storage = Attachment.file.field.storage
    for name in names:
        storage.delete(name)


def purge_expired_attachments(*, batch_size: int = 200, now: datetime | None = None) -> int:
    """Purge the attachments of conversations resolved longer ago than their store's retention.

    Stores without a retention (None) keep every attachment. Returns how many were purged
    this run, rows whose earlier purge a crash cut short included.
    """
    now = now or timezone.now()
    purged = finish_purges()
    retention = DeskSettings.objects.filter(attachment_retention_months__isnull=False)
    for store_id, months in retention.values_list("store_id", "attachment_retention_months"):
        expired = Attachment.objects.filter(
            store_id=store_id,
            purged_at__isnull=True,
            message__conversation__status=Conversation.Status.RESOLVED,
            message__conversation__resolved_at__lt=now - relativedelta(months=months),
        )
        while True:
            with transaction.atomic():
                batch = list(expired.values_list("pk", flat=True)[:batch_size])
                if not batch:
                    break
                mark_purged(Attachment.objects.filter(pk__in=batch), removed_after_months=months)
            purged += len(batch)  # the files went after the commit just above
    if purged:
        logger.info("Help desk: %d attachment(s) purged", purged)
    return purged


__all__ = ["mark_purged", "finish_purges", "delete_files", "purge_expired_attachments"]
