"""A mailbox read cut off by kill -9 loses no mail and stores none twice (DESIGN.md, Guarantees).

A real `cxloop worker` reads 200 mails from a real IMAP server (a private Dovecot); it
is killed with SIGKILL while it is storing them, frozen mid-write, a new worker is
started, and every mail must end up stored exactly once.
"""

from cxloop.testing.imap import ImapServer

USER = "support@crash.test"
PASSWORD = "crash-password"
MAILS = 200

SEED = """
from cxloop.core import services as core_services
from cxloop.helpdesk.models import Mailbox
store, _ = core_services.create_store(name="Crash Shop", currency="EUR", slug="crash-shop")
Mailbox.objects.create(
    store=store, address=USER, host=HOST, port=PORT, security="none", username=USER, password=PASSWORD
)
"""

STORED = "SELECT COUNT(*) FROM helpdesk_message WHERE external_id LIKE 'imap:%'"


def mail(n: int) -> bytes:
    return (
        f"From: Customer {n} <c{n}@example.com>\r\nTo: {USER}\r\nSubject: Question {n}\r\n"
        f"Message-ID: <crash-{n}@example.com>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        f"Where is my parcel number {n}?\r\n"
    ).encode()


def read_200_mails_killing_a_worker_mid_way(installation, worker_names: list[str]):
    """Seed 200 mails and a mailbox, start workers, kill the first mid-read; return the count at the kill."""
    server = ImapServer().start()
    try:
        server.add_user(USER, PASSWORD)
        server.append_many(USER, [mail(n) for n in range(1, MAILS + 1)])
        installation.env.update(
            CXLOOP_HELPDESK_RECEIVE_EMAIL="cxloop.helpdesk.tests.email_standin.receive_email",
            CXLOOP_IMAP_POLL_SECONDS="1",
            CXLOOP_IMAP_LEASE_SECONDS="3",
        )
        settings = f"USER = {USER!r}\nPASSWORD = {PASSWORD!r}\nHOST = {server.host!r}\nPORT = {server.port}\n"
        installation.python(settings + SEED)
        workers = [installation.start_worker(name) for name in worker_names]

        # the workers are frozen while storing, part-way through, and the first is killed
        lock, stored_at_kill = installation.freeze_when(STORED, lambda n: n >= 20, table="helpdesk_message")
        installation.kill(workers[0])
        lock.rollback()
        lock.close()
        if len(workers) == 1:
            installation.start_worker()

        installation.wait_for(STORED, lambda n: n >= MAILS, timeout=180, what="mails stored")
        installation.wait_for(
            "SELECT last_uid FROM helpdesk_mailbox", lambda uid: uid == MAILS, what="last_uid"
        )
        installation.stop_all()  # before the server goes: a later poll would record its absence
    finally:
        server.stop()
    return stored_at_kill


def assert_every_mail_stored_once(installation):
    assert installation.value(STORED) == MAILS
    assert installation.value("SELECT COUNT(DISTINCT external_id) FROM helpdesk_message") == MAILS
    assert installation.value("SELECT COUNT(DISTINCT subject) FROM helpdesk_message") == MAILS
    assert installation.value("SELECT last_error FROM helpdesk_mailbox") == ""


def test_a_mailbox_read_cut_off_by_kill_9_stores_every_mail_exactly_once(installation):
    stored_at_kill = read_200_mails_killing_a_worker_mid_way(installation, [""])

    assert 20 <= stored_at_kill < MAILS
    assert_every_mail_stored_once(installation)


def test_on_postgresql_two_workers_share_a_mailbox_and_the_live_one_finishes_after_a_kill(
    postgres_installation,
):
    # the worker killed may be the one reading or the one waiting for the claim: either way, once
    stored_at_kill = read_200_mails_killing_a_worker_mid_way(postgres_installation, ["worker-a", "worker-b"])

    assert 20 <= stored_at_kill < MAILS
    assert_every_mail_stored_once(postgres_installation)
