"""Attachments of resolved conversations are deleted after the store's retention (DeskSettings)."""

import datetime as dt

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from cxloop.helpdesk import tasks
from cxloop.helpdesk.models import Attachment, Conversation
from cxloop.helpdesk.services import attachments as purging
from cxloop.helpdesk.services import conversations as staff
from cxloop.helpdesk.services.desk import settings_for
from cxloop.helpdesk.services.inbound import receive_email

from .files import mail_with_pdfs

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def conversation_with_files(store, n, *, resolved_at=None, files=1) -> Conversation:
    conversation = receive_email(store=store, raw=mail_with_pdfs(n, files)).conversation
    if resolved_at is not None:
        with_time(conversation, resolved_at)
    return conversation


def with_time(conversation, resolved_at):
    staff.set_status(conversation=conversation, status=Conversation.Status.RESOLVED, actor=None)
    Conversation.objects.filter(pk=conversation.pk).update(resolved_at=resolved_at)


def keep_months(store, months):
    settings = settings_for(store)
    settings.attachment_retention_months = months
    settings.save()


def files_of(conversation) -> list[str]:
    return list(
        Attachment.objects.filter(message__conversation=conversation)
        .exclude(file="")
        .values_list("file", flat=True)
    )


def test_attachments_of_a_conversation_resolved_longer_ago_than_the_retention_are_removed(
    store, django_capture_on_commit_callbacks
):
    # given a store keeping attachments 12 months, and a conversation resolved 13 months ago
    keep_months(store, 12)
    old = conversation_with_files(store, 1, resolved_at=NOW - dt.timedelta(days=400), files=2)
    stored = files_of(old)
    assert all(default_storage.exists(name) for name in stored)

    # when the periodic task runs
    with django_capture_on_commit_callbacks(execute=True):
        purged = purging.purge_expired_attachments(now=NOW)

    # then the files are gone and the rows stay as placeholders
    assert purged == 2
    assert not any(default_storage.exists(name) for name in stored)
    rows = Attachment.objects.filter(message__conversation=old).order_by("pk")
    assert [(a.filename, a.file.name, a.removed_after_months) for a in rows] == [
        ("faktura-1-0.pdf", "", 12),
        ("faktura-1-1.pdf", "", 12),
    ]


def test_a_file_an_agent_attached_to_a_reply_is_removed_after_the_retention_too(
    store, owner, django_capture_on_commit_callbacks
):
    from cxloop.helpdesk.tests.files import PDF, upload

    keep_months(store, 12)
    conversation = receive_email(store=store, raw=mail_with_pdfs(1, files=0)).conversation
    reply = staff.reply(
        conversation=conversation, author=owner, text="Korekta faktury.", files=[upload("korekta.pdf", PDF)]
    )
    stored = reply.attachments.get().file.name
    with_time(conversation, NOW - dt.timedelta(days=400))

    with django_capture_on_commit_callbacks(execute=True):
        purged = purging.purge_expired_attachments(now=NOW)

    assert purged == 1 and not default_storage.exists(stored)
    assert [(a.filename, a.file.name, a.removed_after_months) for a in reply.attachments.all()] == [
        ("korekta.pdf", "", 12)
    ]


def test_recent_open_or_kept_forever_attachments_stay(store, other_store, django_capture_on_commit_callbacks):
    keep_months(store, 12)
    recent = conversation_with_files(store, 1, resolved_at=NOW - dt.timedelta(days=300))
    still_open = conversation_with_files(store, 2)
    Conversation.objects.filter(pk=still_open.pk).update(created_at=NOW - dt.timedelta(days=800))
    elsewhere = conversation_with_files(
        other_store, 3, resolved_at=NOW - dt.timedelta(days=4000)
    )  # no retention

    with django_capture_on_commit_callbacks(execute=True):
        purged = purging.purge_expired_attachments(now=NOW)

    assert purged == 0
    for conversation in (recent, still_open, elsewhere):
        assert [default_storage.exists(name) for name in files_of(conversation)] == [True]


def test_months_are_calendar_months(store, django_capture_on_commit_callbacks):
    # given one month's retention, conversations resolved a month ago less a minute and plus a minute
    keep_months(store, 1)
    inside = conversation_with_files(store, 1, resolved_at=dt.datetime(2026, 11, 3, 12, 1, tzinfo=dt.UTC))
    outside = conversation_with_files(store, 2, resolved_at=dt.datetime(2026, 11, 3, 11, 59, tzinfo=dt.UTC))

    with django_capture_on_commit_callbacks(execute=True):
        purging.purge_expired_attachments(now=NOW)

    assert len(files_of(inside)) == 1 and files_of(outside) == []


def test_the_sweep_works_in_batches_and_finishes_every_one(store, django_capture_on_commit_callbacks):
    keep_months(store, 6)
    conversations = [
        conversation_with_files(store, n, resolved_at=NOW - dt.timedelta(days=365), files=3) for n in range(4)
    ]

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        purged = purging.purge_expired_attachments(batch_size=5, now=NOW)

    assert purged == 12 and len(callbacks) == 3  # three batches, each committed on its own
    assert all(files_of(c) == [] for c in conversations)
    assert Attachment.objects.filter(purged_at__isnull=False, removed_after_months=6).count() == 12


def test_a_purge_cut_off_after_marking_its_rows_is_finished_by_the_next_run(store):
    # given rows marked purged whose files were never deleted (the process died after the commit)
    keep_months(store, 12)
    old = conversation_with_files(store, 1, resolved_at=NOW - dt.timedelta(days=400))
    [name] = files_of(old)
    purging.mark_purged(Attachment.objects.all(), removed_after_months=12)  # its after-commit never runs here
    assert default_storage.exists(name)

    # when the task runs again
    purged = tasks.purge_expired_attachments_task.call()

    # then it deletes the file and forgets it
    assert purged == 1
    assert not default_storage.exists(name)
    assert files_of(old) == []


def test_a_removed_attachment_shows_a_placeholder_and_its_download_is_404(
    store, agent_client, django_capture_on_commit_callbacks
):
    keep_months(store, 12)
    conversation = conversation_with_files(store, 1, resolved_at=timezone.now() - dt.timedelta(days=400))
    attachment = Attachment.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        purging.purge_expired_attachments()

    page = agent_client.get(f"/helpdesk/{conversation.pk}/").content.decode()
    download = agent_client.get(f"/helpdesk/{conversation.pk}/attachments/{attachment.pk}")

    assert "faktura-1-0.pdf</bdi>: removed 12 months after the conversation was resolved" in page
    assert f"/attachments/{attachment.pk}" not in page
    assert download.status_code == 404
