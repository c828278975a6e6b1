"""Mail read as it arrives with IMAP IDLE, against a real Dovecot; a server without IDLE is polled."""

import threading
import time

import pytest

from cxloop.helpdesk.models import Mailbox, Message
from cxloop.helpdesk.services import mailboxes
from cxloop.testing.imap import ImapServer

from .email_standin import receive_email

pytestmark = pytest.mark.django_db

USER = "support@sklep.test"
PASSWORD = "idle-password-1"
SAFETY = 60  # seconds: a watch that never sees its mail ends, and the test fails on the count


def mail(n: int) -> bytes:
    return (
        f"From: Klient {n} <klient{n}@example.pl>\r\nTo: {USER}\r\nSubject: Pytanie {n}\r\n"
        f"Message-ID: <idle{n}@example.pl>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        f"Gdzie paczka {n}?\r\n"
    ).encode()


def mailbox_on(store, server) -> Mailbox:
    server.add_user(USER, PASSWORD)
    return Mailbox.objects.create(
        store=store, address=USER, host=server.host, port=server.port, security=Mailbox.Security.NONE,
        username=USER, password=PASSWORD,
    )  # fmt: skip


def test_mail_arriving_during_idle_is_read_in_the_same_connection(store, imap_server):
    # given a watched mailbox with one old mail
    mailbox = mailbox_on(store, imap_server)
    imap_server.append(USER, mail(1))
    delivered: list[str] = []
    idles = []

    def deliver(raw, external_id):
        delivered.append(external_id)
        receive_email(store=store, raw=raw, external_id=external_id)

    def on_idle():
        # when a mail arrives while the server holds the IDLE (appended by another connection)
        idles.append(1)
        if len(idles) == 1:
            threading.Thread(target=imap_server.append, args=(USER, mail(2))).start()

    started = time.monotonic()
    result = mailboxes.watch_mailbox(
        mailbox, deliver, until=lambda: len(delivered) >= 2 or time.monotonic() - started > SAFETY,
        idle_seconds=SAFETY, on_idle=on_idle,
    )  # fmt: skip

    # then both are stored, the second read after the server's word during IDLE
    assert result.idled is True and result.error == ""
    assert list(Message.objects.order_by("pk").values_list("subject", flat=True)) == [
        "Pytanie 1",
        "Pytanie 2",
    ]
    assert len(idles) == 1
    mailbox.refresh_from_db()
    assert mailbox.last_uid == 2 and mailbox.claimed_until is None


def test_a_watched_mailbox_is_not_read_by_a_poll_at_the_same_time(store, imap_server):
    mailbox = mailbox_on(store, imap_server)
    polls = []

    def on_idle():
        polls.append(
            mailboxes.poll_mailbox(Mailbox.objects.get(pk=mailbox.pk), lambda raw, external_id: None)
        )

    mailboxes.watch_mailbox(
        mailbox, lambda raw, eid: None, until=lambda: bool(polls), idle_seconds=1, on_idle=on_idle
    )

    assert polls == [None]  # the poll found the mailbox claimed by the watch


@pytest.fixture
def server_without_idle():
    server = ImapServer(extra_config="imap_capability = IMAP4rev1 LITERAL+ SASL-IR UIDPLUS\n").start()
    try:
        yield server
    finally:
        server.stop()


def test_a_server_without_idle_is_read_once_like_a_poll(store, server_without_idle):
    mailbox = mailbox_on(store, server_without_idle)
    server_without_idle.append(USER, mail(1))
    idles = []

    result = mailboxes.watch_mailbox(
        mailbox, lambda raw, eid: receive_email(store=store, raw=raw, external_id=eid),
        until=lambda: False, on_idle=lambda: idles.append(1),
    )  # fmt: skip

    assert (result.idled, result.delivered, idles) == (False, 1, [])
    assert Message.objects.get().subject == "Pytanie 1"


@pytest.mark.django_db(transaction=True)
def test_the_watcher_stores_mail_as_it_arrives_and_stops_when_told(store, imap_server, settings):
    from cxloop.helpdesk.tasks import deliver_to_inbox
    from cxloop.helpdesk.watching import watch_enabled_mailboxes

    settings.CXLOOP_IMAP_IDLE_SECONDS = 1
    mailbox_on(store, imap_server)
    stop = threading.Event()
    watcher = threading.Thread(target=lambda: watch_enabled_mailboxes(deliver_to_inbox, stop=stop))
    watcher.start()
    try:
        imap_server.append(USER, mail(7))
        deadline = time.monotonic() + SAFETY
        while not Message.objects.filter(subject="Pytanie 7").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stop.set()
        watcher.join(timeout=SAFETY)

    assert not watcher.is_alive()
    assert Message.objects.get().subject == "Pytanie 7"
    assert Mailbox.objects.get().last_error == ""
