"""Attachment files left in storage without a row are deleted by a periodic sweep (services.orphan_files)."""

import datetime as dt
import os

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from cxloop.helpdesk import tasks
from cxloop.helpdesk.models import Attachment
from cxloop.helpdesk.services.conversations import merge
from cxloop.helpdesk.services.inbound import receive_email
from cxloop.helpdesk.services.orphan_files import sweep_orphan_files

from .files import mail_with_pdfs, stored_files

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def attached_files(store, n: int, files: int = 1, hours_old: float = 48) -> list[str]:
    """Store a mail with `files` attachments; return their stored names, last written `hours_old` ago."""
    message = receive_email(store=store, raw=mail_with_pdfs(n, files))
    names = list(Attachment.objects.filter(message=message).values_list("file", flat=True))
    assert len(names) == files
    for name in names:
        age(name, hours_old)
    return names


def orphan(path: str, hours_old: float = 48) -> str:
    """Write a file no row names at `path` (in storage), last written `hours_old` ago."""
    name = default_storage.save(path, ContentFile(b"%PDF-1.4\n"))
    age(name, hours_old)
    return name


def age(name: str, hours: float) -> None:
    written_at = (timezone.now() - dt.timedelta(hours=hours)).timestamp()
    os.utime(default_storage.path(name), (written_at, written_at))


def test_a_file_a_row_names_is_kept_however_old(store):
    [name] = attached_files(store, 1, hours_old=24 * 400)

    deleted = sweep_orphan_files()

    assert deleted == 0
    assert default_storage.exists(name)


def test_an_old_file_no_row_names_is_deleted_beside_the_attached_ones(store):
    # given a conversation's attached file, and a file without a row in the same directory
    [attached] = attached_files(store, 1)
    conversation_dir = attached.rsplit("/", 1)[0]
    left = orphan(f"{conversation_dir}/0123456789abcdef", hours_old=7)

    # when the sweep runs
    deleted = sweep_orphan_files()

    # then only the file without a row is gone
    assert deleted == 1
    assert not default_storage.exists(left)
    assert default_storage.exists(attached)


def test_a_file_younger_than_the_cutoff_is_kept_as_its_transaction_may_still_be_open(store):
    five_hours = orphan(f"helpdesk/{store.pk}/41/five-hours", hours_old=5)
    two_hours = orphan(f"helpdesk/{store.pk}/41/two-hours", hours_old=2)

    assert sweep_orphan_files() == 0  # the default cutoff: 6 hours
    assert default_storage.exists(five_hours) and default_storage.exists(two_hours)

    assert sweep_orphan_files(older_than=dt.timedelta(hours=3)) == 1
    assert not default_storage.exists(five_hours)
    assert default_storage.exists(two_hours)


def test_another_stores_file_without_a_row_is_deleted_and_its_attached_files_kept(store, other_store):
    # given both stores with attached files, and a file without a row in the other store's directory
    [mine] = attached_files(store, 1)
    theirs = attached_files(other_store, 2, files=2)
    left = orphan(f"helpdesk/{other_store.pk}/987654/rolled-back")

    # when the sweep runs
    deleted = sweep_orphan_files()

    # then the other store's file without a row is gone, every attached file stays
    assert deleted == 1
    assert not default_storage.exists(left)
    assert all(default_storage.exists(name) for name in [mine, *theirs])


def test_no_helpdesk_directory_yet_deletes_nothing(store, media):
    assert not media.exists()
    assert sweep_orphan_files() == 0

    default_storage.save("exports/report.csv", ContentFile(b"a,b\n"))  # storage in use, no attachment yet
    assert sweep_orphan_files() == 0


def test_files_outside_the_store_and_conversation_directories_are_left_alone(store, media):
    # given old files in the help-desk tree whose place is not helpdesk/<store id>/<conversation id>/<file>
    odd = [
        orphan("helpdesk/readme.txt"),
        orphan("helpdesk/tmp/1/upload"),
        orphan(f"helpdesk/{store.pk}/stray.pdf"),
        orphan(f"helpdesk/{store.pk}/drafts/note.pdf"),
        orphan(f"helpdesk/{store.pk}/12/thumbnails/small.png"),
    ]

    # when the sweep runs
    deleted = sweep_orphan_files()

    # then nothing of them is touched
    assert deleted == 0
    assert all(default_storage.exists(name) for name in odd)


def test_more_files_than_one_batch_are_looked_up_a_batch_at_a_time(store, media, django_assert_num_queries):
    # given 2 attached files and 7 without a row, in three conversation directories
    attached = attached_files(store, 1, files=2)
    conversation_dir = attached[0].rsplit("/", 1)[0]
    left = [orphan(f"{conversation_dir}/left-{i}") for i in range(3)]
    left += [orphan(f"helpdesk/{store.pk}/{conversation}/left-{conversation}") for conversation in (700, 701)]
    left += [orphan(f"helpdesk/{store.pk}/702/left-{i}") for i in range(2)]

    # when the sweep runs in batches of 3 names
    with django_assert_num_queries(3):  # 9 files: one lookup per batch
        deleted = sweep_orphan_files(batch_size=3)

    # then every file without a row is gone and the attached ones stay
    assert deleted == 7
    assert not any(default_storage.exists(name) for name in left)
    assert sorted(path.relative_to(media).as_posix() for path in stored_files(media)) == sorted(attached)


class RolledBack(Exception):
    pass


def test_the_file_of_a_mail_whose_transaction_rolled_back_is_deleted_after_the_cutoff(store, media):
    # given a mail with an attachment stored in a transaction that is then rolled back
    with pytest.raises(RolledBack):
        with transaction.atomic():
            receive_email(store=store, raw=mail_with_pdfs(1))
            assert Attachment.objects.count() == 1
            raise RolledBack
    assert Attachment.objects.count() == 0
    [left] = stored_files(media)  # the row went with the rollback, its file stayed

    # when the sweep runs, before and then after the cutoff has passed
    right_away = sweep_orphan_files()
    later = sweep_orphan_files(now=timezone.now() + dt.timedelta(hours=7))

    # then the file is kept while its transaction might still be open, and deleted after
    assert right_away == 0
    assert later == 1
    assert not left.exists()
    assert stored_files(media) == []


def test_the_sweep_runs_daily_as_a_task(store):
    [attached] = attached_files(store, 1, hours_old=7)
    left = orphan(f"helpdesk/{store.pk}/555/left", hours_old=7)

    deleted = tasks.sweep_orphan_files_task.call()

    assert settings.CXLOOP_PERIODIC_TASKS[tasks.sweep_orphan_files_task.module_path] == 86400
    assert deleted == 1
    assert not default_storage.exists(left)
    assert default_storage.exists(attached)


def test_a_file_kept_under_its_first_conversation_after_a_merge_moved_its_message_is_kept(store, owner):
    moved = attached_files(store, 7)  # stored under the conversation the mail opened
    source = Attachment.objects.get(file=moved[0]).message.conversation
    other = receive_email(store=store, raw=mail_with_pdfs(8).replace(b"ania8@", b"ania7@")).conversation
    merge(source=source, target=other, actor=owner)

    assert Attachment.objects.get(file=moved[0]).message.conversation_id == other.pk
    assert sweep_orphan_files() == 0 and default_storage.exists(moved[0])
