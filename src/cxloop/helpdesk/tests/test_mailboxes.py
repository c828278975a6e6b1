"""Reading a support mailbox from a real IMAP server (a private Dovecot, cxloop.testing.imap)."""

import datetime
import imaplib
import socket

import pytest
from django.utils import timezone

from cxloop.helpdesk.imap import MailboxUnreachable, connect
from cxloop.helpdesk.models import Mailbox, Message
from cxloop.helpdesk.services import mailboxes
from cxloop.helpdesk.tasks import poll_mailboxes_task

from .email_standin import receive_email

pytestmark = pytest.mark.django_db

USER = "support@sklep.test"
PASSWORD = "tajne-hasło-123"


def mail(n: int, *, subject: str = "", message_id: str = "") -> bytes:
    return (
        f"From: Klient {n} <klient{n}@example.pl>\r\nTo: {USER}\r\n"
        f"Subject: {subject or f'Pytanie {n}'}\r\nMessage-ID: {message_id or f'<q{n}@example.pl>'}\r\n"
        f"Date: Thu, 03 Dec 2026 10:00:00 +0100\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        f"Gdzie jest moja paczka numer {n}?\r\n"
    ).encode()


@pytest.fixture
def server(imap_server):
    imap_server.add_user(USER, PASSWORD)
    return imap_server


@pytest.fixture
def mailbox(store, server):
    return Mailbox.objects.create(
        store=store, address=USER, host=server.host, port=server.port, security=Mailbox.Security.NONE,
        username=USER, password=PASSWORD,
    )  # fmt: skip


def recorder(store):
    """A deliver that stores through the intake and remembers what it was handed."""
    seen = []

    def deliver(raw, external_id):
        seen.append(external_id)
        receive_email(store=store, raw=raw, external_id=external_id)

    return deliver, seen


def stored_subjects(store):
    return list(Message.objects.filter(store=store).order_by("pk").values_list("subject", flat=True))


def test_new_mail_is_stored_once_in_order_and_left_unread_on_the_server(store, server, mailbox):
    # given
    uids = [server.append(USER, mail(n)) for n in (1, 2, 3)]
    deliver, seen = recorder(store)
    uidvalidity = server.uidvalidity(USER)

    # when
    first = mailboxes.poll_mailbox(mailbox, deliver)
    server.append(USER, mail(4))
    second = mailboxes.poll_mailbox(mailbox, deliver)
    third = mailboxes.poll_mailbox(mailbox, deliver)

    # then
    assert (first.delivered, second.delivered, third.delivered) == (3, 1, 0)
    assert seen[:3] == [f"imap:{mailbox.pk}:{uidvalidity}:{uid}" for uid in uids]
    assert stored_subjects(store) == ["Pytanie 1", "Pytanie 2", "Pytanie 3", "Pytanie 4"]
    mailbox.refresh_from_db()
    assert (mailbox.uidvalidity, mailbox.last_uid, mailbox.last_error) == (uidvalidity, uids[-1] + 1, "")
    assert mailbox.last_polled_at is not None and mailbox.claimed_until is None
    client = server.client(USER)
    client.select("INBOX", readonly=True)
    _typ, flags = client.uid("FETCH", "1:*", "(FLAGS)")
    client.logout()
    assert len(flags) == 4 and not any(b"\\Seen" in line for line in flags)


def test_a_poll_cut_off_mid_way_resumes_at_the_message_it_was_on(store, server, mailbox):
    # given
    for n in range(1, 6):
        server.append(USER, mail(n))

    def failing_on_third(raw, external_id):
        if external_id.endswith(":3"):  # every time: a batch that fails is delivered again mail by mail
            raise ConnectionResetError("the database went away")
        receive_email(store=store, raw=raw, external_id=external_id)

    # when
    with pytest.raises(ConnectionResetError):
        mailboxes.poll_mailbox(mailbox, failing_on_third)
    mailbox.refresh_from_db()
    last_uid_after_failure, error_after_failure = mailbox.last_uid, mailbox.last_error
    deliver, seen = recorder(store)
    result = mailboxes.poll_mailbox(mailbox, deliver)

    # then
    assert last_uid_after_failure == 2
    assert error_after_failure == "A message could not be stored; it will be read again on the next poll."
    assert result.delivered == 3
    assert seen == [f"imap:{mailbox.pk}:{mailbox.uidvalidity}:{uid}" for uid in (3, 4, 5)]
    assert stored_subjects(store) == [f"Pytanie {n}" for n in range(1, 6)]


def test_a_message_handed_over_twice_is_stored_once(store, server, mailbox):
    server.append(USER, mail(1))
    deliver, _seen = recorder(store)
    mailboxes.poll_mailbox(mailbox, deliver)
    Mailbox.objects.filter(pk=mailbox.pk).update(last_uid=0)  # as if the worker died before moving on
    mailbox.refresh_from_db()

    result = mailboxes.poll_mailbox(mailbox, deliver)

    assert result.delivered == 1
    assert stored_subjects(store) == ["Pytanie 1"]


def test_a_new_uidvalidity_reads_again_without_storing_anything_twice(store, server, mailbox):
    # given: three messages read, then the server renumbers its folder and a fourth arrives
    for n in (1, 2, 3):
        server.append(USER, mail(n))
    deliver, _seen = recorder(store)
    mailboxes.poll_mailbox(mailbox, deliver)
    old_uidvalidity = mailbox.uidvalidity
    server.reset_uidvalidity(USER)
    server.append(USER, mail(4))

    # when
    result = mailboxes.poll_mailbox(mailbox, deliver)

    # then
    new_uidvalidity = server.uidvalidity(USER)
    assert new_uidvalidity != old_uidvalidity
    assert (result.delivered, result.skipped) == (1, 3)
    assert stored_subjects(store) == ["Pytanie 1", "Pytanie 2", "Pytanie 3", "Pytanie 4"]
    assert Message.objects.get(subject="Pytanie 4").external_id == f"imap:{mailbox.pk}:{new_uidvalidity}:4"
    mailbox.refresh_from_db()
    assert (mailbox.uidvalidity, mailbox.last_uid) == (new_uidvalidity, 4)


def test_a_newly_connected_mailbox_brings_in_the_last_week_only(store, server, mailbox):
    old = timezone.now() - datetime.timedelta(days=30)
    client = server.client(USER)
    client.append("INBOX", None, imaplib.Time2Internaldate(old.timestamp()), mail(1, subject="Stara"))
    client.logout()
    server.append(USER, mail(2, subject="Nowa"))
    deliver, _seen = recorder(store)

    result = mailboxes.poll_mailbox(mailbox, deliver)

    assert result.delivered == 1 and stored_subjects(store) == ["Nowa"]


def test_a_refused_password_is_recorded_in_words(store, server, mailbox):
    mailbox.password = "wrong"
    mailbox.save()
    deliver, seen = recorder(store)

    result = mailboxes.poll_mailbox(mailbox, deliver)

    mailbox.refresh_from_db()
    assert result.error == mailbox.last_error == "The server refused the user name or password."
    assert seen == [] and mailbox.last_polled_at is not None


def test_a_closed_port_is_recorded_in_words(store, mailbox):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    mailbox.port = closed
    mailbox.save()

    result = mailboxes.poll_mailbox(mailbox, recorder(store)[0])

    assert result.error == f"The server refused the connection on port {closed}."


def test_a_missing_folder_is_named(store, mailbox):
    mailbox.folder = "Wsparcie"
    mailbox.save()

    worked, words = mailboxes.check_connection(mailbox)

    assert (worked, words) == (False, "The folder “Wsparcie” was not found on the server.")


def test_ssl_and_starttls_connect_with_the_certificate_checked(store, server, mailbox):
    for n in (1, 2):
        server.append(USER, mail(n))
    mailbox.security, mailbox.port = Mailbox.Security.SSL, server.ssl_port
    assert mailboxes.check_connection(mailbox, ssl_context=server.ssl_context()) == (
        True,
        "Signed in; 2 messages in INBOX.",
    )
    mailbox.security, mailbox.port = Mailbox.Security.STARTTLS, server.port
    assert mailboxes.check_connection(mailbox, ssl_context=server.ssl_context())[0] is True

    mailbox.security, mailbox.port = Mailbox.Security.SSL, server.ssl_port
    worked, words = mailboxes.check_connection(mailbox)  # the system does not trust a self-signed cert

    assert worked is False and words.startswith("The server's certificate could not be verified")


def test_ssl_to_a_plain_port_fails_in_words(store, server, mailbox):
    mailbox.security = Mailbox.Security.SSL

    worked, words = mailboxes.check_connection(mailbox, ssl_context=server.ssl_context())

    assert worked is False
    assert words == "The secure connection to the server failed; check the port and the security setting."


def test_an_unencrypted_connection_over_a_network_is_refused_before_connecting(mailbox):
    mailbox.host = "imap.example.com"

    with pytest.raises(MailboxUnreachable) as raised:
        connect(mailbox)

    assert raised.value.field == "security"


def test_a_mailbox_being_read_is_left_to_that_poll(store, server, mailbox):
    server.append(USER, mail(1))
    Mailbox.objects.filter(pk=mailbox.pk).update(claimed_until=timezone.now() + datetime.timedelta(minutes=1))
    deliver, seen = recorder(store)

    assert mailboxes.poll_mailbox(mailbox, deliver) is None
    assert seen == []

    Mailbox.objects.filter(pk=mailbox.pk).update(claimed_until=timezone.now() - datetime.timedelta(seconds=1))
    assert mailboxes.poll_mailbox(mailbox, deliver).delivered == 1


def test_the_periodic_task_reads_every_enabled_mailbox(store, other_store, server, mailbox, settings):
    # given: a second store's disabled mailbox on the same server
    settings.CXLOOP_HELPDESK_RECEIVE_EMAIL = "cxloop.helpdesk.tests.email_standin.receive_email"
    server.append(USER, mail(1))
    Mailbox.objects.create(
        store=other_store, address=USER, host=server.host, port=server.port, username=USER,
        password=PASSWORD, security=Mailbox.Security.NONE, enabled=False,
    )  # fmt: skip

    # when
    counts = poll_mailboxes_task.call()

    # then
    assert counts == {"polled": 1, "busy": 0, "failed": 0, "delivered": 1}
    assert stored_subjects(store) == ["Pytanie 1"] and stored_subjects(other_store) == []


def test_the_password_is_encrypted_at_rest(mailbox):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT password FROM helpdesk_mailbox WHERE id = %s", [mailbox.pk])
        [(stored,)] = cursor.fetchall()

    assert PASSWORD not in stored
    assert Mailbox.objects.get(pk=mailbox.pk).password == PASSWORD


def test_a_mailbox_whose_intake_fails_does_not_stop_the_others(store, other_store, server, mailbox):
    # given: two mailboxes with a mail each; storing the first store's mail fails
    server.add_user("sklep2@other.test", PASSWORD)
    server.append(USER, mail(1))
    server.append("sklep2@other.test", mail(2))
    theirs = Mailbox.objects.create(
        store=other_store, address="sklep2@other.test", host=server.host, port=server.port,
        username="sklep2@other.test", password=PASSWORD, security=Mailbox.Security.NONE,
    )  # fmt: skip

    def deliver_for(box):
        def deliver(raw, external_id):
            if box.pk == mailbox.pk:
                raise RuntimeError("the intake is broken")
            receive_email(store=box.store, raw=raw, external_id=external_id)

        return deliver

    # when
    counts = mailboxes.poll_enabled_mailboxes(deliver_for)

    # then
    assert counts == {"polled": 1, "busy": 0, "failed": 1, "delivered": 1}
    assert stored_subjects(store) == [] and stored_subjects(other_store) == ["Pytanie 2"]
    mailbox.refresh_from_db()
    theirs.refresh_from_db()
    assert mailbox.last_error == "A message could not be stored; it will be read again on the next poll."
    assert (mailbox.last_uid, mailbox.claimed_until, theirs.last_uid) == (0, None, 1)


def test_a_server_on_the_private_network_is_refused_unless_allowed(store, mailbox, settings):
    settings.CXLOOP_IMAP_ALLOW_PRIVATE = False

    worked, words = mailboxes.check_connection(mailbox)
    result = mailboxes.poll_mailbox(mailbox, recorder(store)[0])

    expected = "The server's address is on a private network, which this installation does not allow."
    assert (worked, words, result.error) == (False, expected, expected)
