"""A poll's fetched batch: one transaction, the store's configuration read once, edits seen next batch."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

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
