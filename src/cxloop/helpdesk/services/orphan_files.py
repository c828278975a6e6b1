"""Attachment files left in storage without a row: found and deleted by a periodic sweep.

    sweep_orphan_files()   # the daily sweep; returns how many files it deleted

An attachment's file is written inside the transaction that inserts its row, so a
committed row always has its file. The reverse does not hold: a transaction rolled
back after the write (a batch of mails or chat messages stored again one by one),
or a process killed between the write and the commit, or between a purge's commit
and its file deletion, leaves a file that no row names. Such a file is personal
data nobody can find or erase; the sweep deletes it.

It walks `helpdesk/<store_id>/<conversation_id>/` through the Storage API only
(`listdir`, `get_modified_time`, `delete`), so S3-compatible storage works too,
and leaves alone whatever does not have that shape. A file is deleted only if no
Attachment row names it and it was last written before the cutoff: six hours by
default, far longer than any transaction stays open, so the file of a transaction
still in flight is never taken.
"""

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from itertools import islice

from django.utils import timezone

from ..models import Attachment

logger = logging.getLogger(__name__)

ROOT = "helpdesk"


def sweep_orphan_files(
    *, older_than: timedelta = timedelta(hours=6), now: datetime | None = None, batch_size: int = 500
) -> int:
    """Delete the attachment files no row names and last written before `now - older_than`.

    Returns how many files were deleted. Safe to run twice and alongside writers: a row
    committed later names a file younger than the cutoff, and a file already gone is skipped.
    Holds one store's conversation directory names and `batch_size` file names at a time.
    """
    storage = Attachment.file.field.storage
    cutoff = (now or timezone.now()) - older_than
    try:
        store_dirs, _files = storage.listdir(ROOT)
    except FileNotFoundError:  # nothing stored yet
        return 0
    seen = deleted = 0
    for store_dir in sorted(store_dirs):
        if not _is_id(store_dir):
            continue
        names = _files_of_store(storage, f"{ROOT}/{store_dir}")
        while batch := list(islice(names, batch_size)):
            seen += len(batch)
            deleted += _delete_orphans(storage, batch, cutoff)
    logger.info("Help desk: %d orphaned attachment file(s) deleted of %d looked at", deleted, seen)
    return deleted


def _files_of_store(storage, store_path: str) -> Iterator[str]:
    """The names of the files in the store's `<conversation_id>/` directories, a directory at a time."""
    conversation_dirs, _files = storage.listdir(store_path)
    for conversation_dir in sorted(conversation_dirs):
        if _is_id(conversation_dir):
            _dirs, files = storage.listdir(f"{store_path}/{conversation_dir}")
            yield from (f"{store_path}/{conversation_dir}/{name}" for name in sorted(files))


def _is_id(directory: str) -> bool:
    return directory.isascii() and directory.isdigit()


def _delete_orphans(storage, names: list[str], cutoff: datetime) -> int:
    named = set(Attachment.objects.filter(file__in=names).values_list("file", flat=True))
    deleted = 0
    for name in names:
        if name in named:
            continue
        try:
            written_at = storage.get_modified_time(name)
        except FileNotFoundError:  # deleted meanwhile (a rollback's own clean-up, another sweep)
            continue
        if written_at < cutoff:
            storage.delete(name)
            deleted += 1
    return deleted


__all__ = ["sweep_orphan_files"]
