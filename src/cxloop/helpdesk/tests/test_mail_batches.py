"""A poll's fetched batch: one transaction, the store's configuration read once, edits seen next batch."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cxloop.helpdesk.models import Conversation, Mailbox, Message, Rule
from cxloop.helpdesk.services import mailboxes
from cxloop.helpdesk.services import rules as rule_services
from cxloop.helpdesk.tasks import deliver_to_inbox

pytestmark = pytest.mark.django_db(transaction=True)


def mail(n: int) -> bytes:
    return (
        f"From: Klient {n} <klient{n}@example.pl>\r\nTo: support@sklep.test\r\nSubject: Zwrot {n}\r\n"
        f"Message-ID: <batch{n}@example.pl>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        f"Chcę zwrócić buty numer {n}.\r\n"
    ).encode()


@pytest.fixture
def mailbox(store, settings):
    settings.CXLOOP_ENCRYPTION_KEYS = ["YmVuY2gtZW5jcnlwdGlvbi1rZXktMzItYnl0ZXMtLS0="]
    return Mailbox.objects.create(
        store=store, address="support@sklep.test", host="imap.sklep.test", username="u", password="p"
    )


def store_batch(mailbox, numbers):
    result = mailboxes.PollResult()
    raws = [(n, mail(n)) for n in numbers]
    mailboxes.store_fetched(mailbox, 1, raws, deliver_to_inbox(mailbox), result)
    return result


def tag_rule(store, tag):
    return rule_services.save_rule(
        store=store,
        fields={"name": f"Tag {tag}", "trigger": "created", "conditions": [],
                "actions": [{"kind": "add_tags", "value": tag}]},
        actor=None,
    )  # fmt: skip


def tags_of(store, subject):
    conversation = Conversation.objects.get(store=store, subject=subject)
    return sorted(conversation.tags.values_list("name", flat=True))


def test_a_batch_reads_the_rules_once_and_runs_them_on_every_mail(store, mailbox):
    tag_rule(store, "zwrot")

    with CaptureQueriesContext(connection) as queries:
        result = store_batch(mailbox, range(1, 6))

    rule_reads = [q["sql"] for q in queries.captured_queries if 'FROM "helpdesk_rule"' in q["sql"]]
    assert result.delivered == 5
    assert len(rule_reads) == 1
    assert all(tags_of(store, f"Zwrot {n}") == ["zwrot"] for n in range(1, 6))
    mailbox.refresh_from_db()
    assert mailbox.last_uid == 5


def test_a_rule_changed_between_batches_is_seen_by_the_next_batch(store, mailbox):
    first = tag_rule(store, "zwrot")
    store_batch(mailbox, [1])

    rule_services.set_rule_enabled(rule=first, enabled=False)
    tag_rule(store, "nowe")
    store_batch(mailbox, [2])

    assert tags_of(store, "Zwrot 1") == ["zwrot"]
    assert tags_of(store, "Zwrot 2") == ["nowe"]
    assert Rule.objects.filter(store=store).count() == 2


def test_a_failing_delivery_keeps_the_batch_before_it_and_stops_last_uid_there(store, mailbox):
    deliver = deliver_to_inbox(mailbox)

    def failing_on_third(raw, external_id):
        if external_id.endswith(":3"):
            raise ConnectionResetError("the disk went away")
        deliver(raw, external_id)

    result = mailboxes.PollResult()
    with pytest.raises(mailboxes._NotStored):
        mailboxes.store_fetched(mailbox, 1, [(n, mail(n)) for n in range(1, 6)], failing_on_third, result)

    mailbox.refresh_from_db()
    assert mailbox.last_uid == 2
    assert sorted(Message.objects.filter(store=mailbox.store).values_list("subject", flat=True)) == [
        "Zwrot 1", "Zwrot 2",
    ]  # fmt: skip


def from_one_sender(n: int, *, in_reply_to: str = "") -> bytes:
    thread = f"In-Reply-To: {in_reply_to}\r\n" if in_reply_to else ""
    return (
        f"From: Ania <ania@example.pl>\r\nTo: support@sklep.test\r\nSubject: Pytanie {n}\r\n"
        f"Message-ID: <ania{n}@example.pl>\r\n{thread}Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"Pytanie numer {n}.\r\n"
    ).encode()


def test_a_batch_asks_for_its_customers_and_counts_once_and_links_each_mail(store, mailbox):
    from cxloop.commerce.models import Customer

    known = Customer.objects.create(
        store=store, email="Klient2@Example.pl", email_key="klient2@example.pl",
        created_at=timezone.now(), updated_at=timezone.now(),
    )  # fmt: skip

    with CaptureQueriesContext(connection) as queries:
        result = store_batch(mailbox, range(1, 6))

    sql = [q["sql"] for q in queries.captured_queries]
    assert result.delivered == 5
    assert sum('FROM "commerce_customer"' in s for s in sql) == 1
    assert sum("COUNT(" in s and 'FROM "helpdesk_message"' in s for s in sql) == 1
    assert Conversation.objects.get(store=store, subject="Zwrot 2").customer == known
    assert Conversation.objects.filter(store=store, customer__isnull=True).count() == 4
    numbers = sorted(Conversation.objects.filter(store=store).values_list("number", flat=True))
    assert numbers == [1, 2, 3, 4, 5]


def test_a_flood_inside_one_batch_is_counted_mail_by_mail_and_leaves_no_gap(store, mailbox, settings):
    settings.CXLOOP_HELPDESK_FLOOD_LIMIT = 3
    raws = [(n, from_one_sender(n)) for n in range(1, 6)] + [(6, mail(6))]

    result = mailboxes.PollResult()
    mailboxes.store_fetched(mailbox, 1, raws, deliver_to_inbox(mailbox), result)

    subjects = sorted(Message.objects.filter(store=store).values_list("subject", flat=True))
    assert subjects == ["Pytanie 1", "Pytanie 2", "Pytanie 3", "Zwrot 6"]  # the 4th and 5th: refused
    numbers = sorted(Conversation.objects.filter(store=store).values_list("number", flat=True))
    assert numbers == [1, 2, 3, 4]  # the refused mails' rolled-back numbers are taken again
    mailbox.refresh_from_db()
    assert mailbox.last_uid == 6

    # The next batch counts what the first stored: Ania is still over the limit.
    mailboxes.store_fetched(mailbox, 1, [(7, from_one_sender(7))], deliver_to_inbox(mailbox), result)
    assert not Message.objects.filter(store=store, subject="Pytanie 7").exists()


def test_a_reply_to_a_mail_of_the_same_batch_joins_its_conversation(store, mailbox):
    raws = [(1, from_one_sender(1)), (2, from_one_sender(2, in_reply_to="<ania1@example.pl>"))]

    mailboxes.store_fetched(mailbox, 1, raws, deliver_to_inbox(mailbox), mailboxes.PollResult())

    first = Message.objects.get(store=store, message_id="<ania1@example.pl>")
    second = Message.objects.get(store=store, message_id="<ania2@example.pl>")
    assert second.conversation_id == first.conversation_id
    assert Conversation.objects.filter(store=store).count() == 1


def test_a_reply_to_a_mail_of_an_earlier_batch_is_threaded_from_the_batchs_lookup(store, mailbox):
    mailboxes.store_fetched(
        mailbox, 1, [(1, from_one_sender(1))], deliver_to_inbox(mailbox), mailboxes.PollResult()
    )
    raws = [(2, from_one_sender(2, in_reply_to="<ania1@example.pl>")), (3, mail(3))]

    with CaptureQueriesContext(connection) as queries:
        mailboxes.store_fetched(mailbox, 1, raws, deliver_to_inbox(mailbox), mailboxes.PollResult())

    conversation = Message.objects.get(store=store, message_id="<ania1@example.pl>").conversation_id
    assert Message.objects.get(store=store, message_id="<ania2@example.pl>").conversation_id == conversation
    thread_reads = [
        q["sql"] for q in queries.captured_queries if "JOIN" in q["sql"] and "message_id" in q["sql"]
    ]
    assert len(thread_reads) == 1  # the batch's one lookup, not one per mail


def test_a_number_taken_meanwhile_sends_the_mail_the_ordinary_way_and_nothing_is_lost(store, mailbox, caplog):
    deliver = deliver_to_inbox(mailbox)

    def racing(raw, external_id):
        if external_id.endswith(":3") and not Conversation.objects.filter(store=store, number=3).exists():
            # Another channel opens conversation number 3 after the batch counted on it.
            Conversation.objects.create(
                store=store, number=3, subject="Z formularza", reply_key="r" * 20,
                created_at=timezone.now(), updated_at=timezone.now(), last_message_at=timezone.now(),
            )  # fmt: skip
        deliver(raw, external_id)

    racing.prepare = deliver.prepare
    result = mailboxes.PollResult()
    mailboxes.store_fetched(mailbox, 1, [(n, mail(n)) for n in range(1, 6)], racing, result)

    assert result.delivered == 5
    assert [r.getMessage() for r in caplog.records if "one by one" in r.getMessage()] == [
        "A batch of 5 mails is delivered one by one"
    ]
    subjects = set(Conversation.objects.filter(store=store).values_list("subject", flat=True))
    assert {f"Zwrot {n}" for n in range(1, 6)} <= subjects
    numbers = list(Conversation.objects.filter(store=store).values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == 6


@pytest.mark.parametrize(
    "header",
    [
        b"Message-ID: <abc.1@example.pl>",
        b"message-id:\r\n <abc.1@example.pl>",
        b"Message-Id: <abc.1@example.pl> (comment)",
        b"X-Other: 1",
    ],
)
def test_the_batchs_message_id_is_the_one_the_parser_stores(header):
    from cxloop.helpdesk.mail.parse import parse_email

    body = b"Message-ID: <in-the-body@example.pl>\r\n"
    raw = b"From: a@example.pl\r\n" + header + b"\r\nSubject: x\r\n\r\n" + body

    assert mailboxes._message_id(raw) == parse_email(raw).message_id


def test_fetches_are_cut_by_count_and_by_bytes(monkeypatch):
    monkeypatch.setattr(mailboxes, "FETCH_BATCH", 3)
    monkeypatch.setattr(mailboxes, "FETCH_BYTES", 100)

    plan = mailboxes.plan_batches([(1, 10), (2, 10), (3, 10), (4, 10), (5, 95), (6, 500), (7, 1), (8, 1)])

    assert plan == [[1, 2, 3], [4], [5], [6], [7, 8]]
    assert mailboxes.plan_batches([]) == []


def test_a_batch_rolled_back_for_a_flood_leaves_only_the_files_of_the_mails_kept(
    store, mailbox, settings, tmp_path
):
    import base64

    from cxloop.helpdesk.models import Attachment

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CXLOOP_HELPDESK_FLOOD_LIMIT = 1
    with_file = (
        "From: Ania <ania@example.pl>\r\nTo: support@sklep.test\r\nSubject: Faktura\r\n"
        "Message-ID: <faktura@example.pl>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nW załączniku faktura.\r\n"
        '--B\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="f.pdf"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(b"%PDF-1.4 x").decode() + "--B--\r\n"
    ).encode()

    # All at once first: the second mail of Ania is over the limit after it was written, so the batch
    # is rolled back (the first mail's file too) and delivered again one by one.
    result = mailboxes.PollResult()
    mailboxes.store_fetched(
        mailbox, 1, [(1, with_file), (2, from_one_sender(2))], deliver_to_inbox(mailbox), result
    )

    kept = list(Attachment.objects.filter(store=store).values_list("file", flat=True))
    on_disk = sorted(
        str(path.relative_to(settings.MEDIA_ROOT))
        for path in settings.MEDIA_ROOT.rglob("*")
        if path.is_file()
    )
    assert len(kept) == 1 and on_disk == kept
    assert list(Message.objects.filter(store=store).values_list("subject", flat=True)) == ["Faktura"]
