"""The attachment retention sweep cut off by kill -9 leaves no file behind and no row unfinished.

A real `cxloop worker` purges 200 attachments in batches of 10; it is frozen
part-way (the test holds the write lock) and killed with SIGKILL, a new
worker is started, and every file must be gone from the disk and every row
left as the message's "removed after 1 month" placeholder.
"""

from pathlib import Path

ATTACHMENTS = 200
PER_MAIL = 10

SEED = r"""
import datetime as dt
from django.utils import timezone
from cxloop.core import services as core_services
from cxloop.helpdesk.models import Conversation, DeskSettings
from cxloop.helpdesk.services.inbound import receive_email
store, _ = core_services.create_store(name="Crash Shop", currency="EUR", slug="crash-shop")
DeskSettings.objects.create(store=store, attachment_retention_months=1)
for n in range(MAILS):
    parts = "".join(
        "--B\r\nContent-Type: application/pdf\r\n"
        f'Content-Disposition: attachment; filename="f{n}-{i}.pdf"\r\n\r\n%PDF-1.4 {n}-{i}\r\n'
        for i in range(PER_MAIL)
    )
    raw = (
        f"From: c{n}@example.com\r\nTo: crash-shop@in.cxloop.localhost\r\nSubject: Invoice {n}\r\n"
        f"Message-ID: <retention-{n}@example.com>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\n"
        f"Invoice attached.\r\n{parts}--B--\r\n"
    ).encode()
    receive_email(store=store, raw=raw)
Conversation.objects.update(status="resolved", resolved_at=timezone.now() - dt.timedelta(days=62))
"""

PURGED = "SELECT COUNT(*) FROM helpdesk_attachment WHERE purged_at IS NOT NULL"
FINISHED = "SELECT COUNT(*) FROM helpdesk_attachment WHERE purged_at IS NOT NULL AND file = ''"


def stored_files(installation) -> list[Path]:
    return [path for path in (installation.root / "media").rglob("*") if path.is_file()]


def test_a_retention_sweep_cut_off_by_kill_9_is_finished_by_the_next_worker(installation):
    purge_killing_a_worker_mid_way(installation)


def test_on_postgresql_a_retention_sweep_cut_off_by_kill_9_is_finished(postgres_installation):
    purge_killing_a_worker_mid_way(postgres_installation)


def purge_killing_a_worker_mid_way(installation):
    # given 200 attachments of conversations resolved two months ago, kept one month
    installation.env.update(CXLOOP_HELPDESK_PURGE_SECONDS="1", CXLOOP_HELPDESK_PURGE_BATCH="10")
    installation.python(f"MAILS = {ATTACHMENTS // PER_MAIL}\nPER_MAIL = {PER_MAIL}\n" + SEED)
    assert len(stored_files(installation)) == ATTACHMENTS

    # when a worker purging them is frozen part-way and killed
    worker = installation.start_worker()
    lock, purged_at_kill = installation.freeze_when(PURGED, lambda n: n >= 30, table="helpdesk_attachment")
    installation.kill(worker)
    lock.rollback()
    lock.close()
    assert 30 <= purged_at_kill < ATTACHMENTS

    # then the next worker finishes: every file gone, every row a placeholder
    installation.start_worker()
    installation.wait_for(FINISHED, lambda n: n == ATTACHMENTS, timeout=180, what="attachments purged")
    installation.stop_all()
    assert stored_files(installation) == []
    assert installation.value("SELECT COUNT(*) FROM helpdesk_attachment WHERE removed_after_months = 1") == (
        ATTACHMENTS
    )
    assert installation.value("SELECT COUNT(DISTINCT filename) FROM helpdesk_attachment") == ATTACHMENTS
