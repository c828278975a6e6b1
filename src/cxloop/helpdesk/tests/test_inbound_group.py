"""Inbound webhooks that arrive together share one transaction; each request hears its own mail's outcome."""

import threading
import time

import pytest
from django.db import connection

from cxloop.core import services as core_services
from cxloop.helpdesk.errors import MailFlood, MailRejected
from cxloop.helpdesk.models import Conversation, Message
from cxloop.helpdesk.services import inbound_group
from cxloop.helpdesk.services.inbound import receive_email

pytestmark = pytest.mark.django_db(transaction=True)


def mail(n: int, *, sender: str = "", in_reply_to: str = "", body: str = "") -> bytes:
    sender = sender or f"klient{n}@example.pl"
    reply = f"In-Reply-To: {in_reply_to}\r\n" if in_reply_to else ""
    return (
        f"From: Klient {n} <{sender}>\r\nTo: sklep@in.cxloop.localhost\r\nSubject: Paczka {n}\r\n"
        f"Message-ID: <group{n}@example.pl>\r\n{reply}Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{body or f'Gdzie jest paczka numer {n}?'}\r\n"
    ).encode()


@pytest.fixture(autouse=True)
def no_last_group(monkeypatch):
    monkeypatch.setattr(inbound_group, "_last_group", 1)  # as in a process that just started


@pytest.fixture
def groups(monkeypatch):
    """The size of every group stored, and whether it was stored together."""
    seen = []
    together = inbound_group._together

    def spy(group):
        stored = together(group)
        seen.append((len(group), stored))
        return stored

    monkeypatch.setattr(inbound_group, "_together", spy)
    return seen


def arrive_together(items):
    """Hold the groups as if one were being stored, let every (store, raw) request wait, then let them
    through: the first stores them all as one group. Each request's message or error, in order."""
    outcomes = [None] * len(items)

    def request(index, store, raw):
        try:
            outcomes[index] = inbound_group.receive(store=store, raw=raw)
        except BaseException as error:
            outcomes[index] = error
        finally:
            connection.close()

    held_then_released([threading.Thread(target=request, args=(n, *item)) for n, item in enumerate(items)])
    return outcomes


def held_then_released(threads):
    """Start `threads` (each sends one mail) while a group is being stored; release once all wait."""
    with inbound_group._turn:
        inbound_group._storing = True
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 10
    while len(inbound_group._waiting) < len(threads):
        assert time.monotonic() < deadline, "the requests never queued"
        time.sleep(0.01)
    with inbound_group._turn:
        inbound_group._storing = False
        inbound_group._turn.notify_all()
    for thread in threads:
        thread.join(timeout=30)


def test_mails_that_arrive_together_are_stored_in_one_group_each_once_for_its_own_request(store, groups):
    other, _created = core_services.create_store(name="Drugi", currency="PLN", slug="drugi")
    items = [(store, mail(1)), (other, mail(2)), (store, mail(3)), (other, mail(4))]

    outcomes = arrive_together(items)

    assert groups == [(4, True)]
    assert all(isinstance(outcome, Message) for outcome in outcomes)
    for (owner, raw), message in zip(items, outcomes, strict=True):
        message.refresh_from_db()
        assert message.store_id == owner.pk
        assert message.message_id in raw.decode()
    assert Message.objects.filter(store=store).count() == 2
    assert Message.objects.filter(store=other).count() == 2
    assert Conversation.objects.filter(store__in=[store, other]).count() == 4


def test_a_flooding_senders_mail_fails_alone_and_the_rest_of_its_group_is_stored(store, groups, settings):
    settings.CXLOOP_HELPDESK_FLOOD_LIMIT = 2
    items = [(store, mail(n, sender="flood@example.pl")) for n in range(1, 4)] + [(store, mail(9))]

    outcomes = arrive_together(items)

    assert groups == [(4, False)]  # rolled back, then each mail alone
    assert [type(outcome) for outcome in outcomes] == [Message, Message, MailFlood, Message]
    assert outcomes[2].retry_after > 0
    assert Message.objects.filter(store=store, from_email="flood@example.pl").count() == 2
    assert Message.objects.filter(store=store, from_email="klient9@example.pl").count() == 1


def test_a_mail_that_cannot_be_read_is_refused_to_its_own_request_only(store, groups, settings):
    settings.CXLOOP_HELPDESK_MAX_MAIL_BYTES = 2_000
    items = [(store, mail(1)), (store, mail(2, body="x" * 5_000)), (store, mail(3))]

    outcomes = arrive_together(items)

    assert [type(outcome) for outcome in outcomes] == [Message, MailRejected, Message]
    assert sorted(Message.objects.filter(store=store).values_list("subject", flat=True)) == [
        "Paczka 1", "Paczka 3",
    ]  # fmt: skip


def test_a_mail_delivered_twice_in_one_group_is_stored_once_and_both_requests_get_it(store, groups):
    outcomes = arrive_together([(store, mail(1)), (store, mail(1)), (store, mail(2))])

    assert groups == [(3, True)]
    assert outcomes[0].pk == outcomes[1].pk
    assert Message.objects.filter(store=store).count() == 2


def test_a_reply_to_a_mail_of_the_same_group_joins_its_conversation(store, groups):
    first = mail(1)
    reply = mail(2, sender="klient1@example.pl", in_reply_to="<group1@example.pl>")

    outcomes = arrive_together([(store, first), (store, reply)])

    assert groups == [(2, True)]
    assert outcomes[0].conversation_id == outcomes[1].conversation_id
    assert Conversation.objects.filter(store=store).count() == 1


def test_a_mail_delivered_again_after_its_group_committed_is_answered_with_the_stored_message(store, groups):
    outcomes = arrive_together([(store, mail(1)), (store, mail(2))])

    again = inbound_group.receive(store=store, raw=mail(2))

    assert again.pk == outcomes[1].pk
    assert receive_email(store=store, raw=mail(1)).pk == outcomes[0].pk
    assert Message.objects.filter(store=store).count() == 2


def test_a_lone_mail_is_stored_as_before_without_a_group(store, groups):
    message = inbound_group.receive(store=store, raw=mail(1))

    assert groups == []  # a group of one goes straight to receive_email
    assert Message.objects.get(store=store).pk == message.pk


def test_a_group_waits_for_as_many_mails_as_the_last_group_had(store, groups, monkeypatch):
    monkeypatch.setattr(inbound_group, "GROUP_WAIT", 10)
    monkeypatch.setattr(inbound_group, "_last_group", 3)
    outcomes = []

    def request(raw):
        try:
            outcomes.append(inbound_group.receive(store=store, raw=raw))
        finally:
            connection.close()

    first = threading.Thread(target=request, args=(mail(1),))
    first.start()
    time.sleep(0.3)  # the first mail waits for two more ...
    others = [threading.Thread(target=request, args=(mail(n),)) for n in (2, 3)]
    for thread in others:
        thread.start()
    for thread in [first, *others]:
        thread.join(timeout=30)

    assert groups == [(3, True)]  # ... and the three are stored together
    assert len(outcomes) == 3 and Message.objects.filter(store=store).count() == 3


def test_a_group_is_cut_by_count_and_by_bytes(monkeypatch, store):
    monkeypatch.setattr(inbound_group, "GROUP_MAILS", 3)
    monkeypatch.setattr(inbound_group, "GROUP_BYTES", 250)
    waiting = [inbound_group._Waiting(store, b"x" * size, "") for size in (100, 100, 100, 10)]
    monkeypatch.setattr(inbound_group, "_waiting", list(waiting))

    assert inbound_group._take() == waiting[:2]  # a third would pass 250 bytes
    assert inbound_group._take() == waiting[2:]
    monkeypatch.setattr(inbound_group, "_waiting", [inbound_group._Waiting(store, b"x" * 900, "")])
    assert len(inbound_group._take()) == 1  # a mail larger than the limit goes alone


def test_a_failure_of_the_whole_group_reaches_every_request_still_waiting(store, monkeypatch):
    def broken(group):
        raise KeyboardInterrupt

    monkeypatch.setattr(inbound_group, "_together", broken)

    outcomes = arrive_together([(store, mail(1)), (store, mail(2))])

    assert [type(outcome) for outcome in outcomes] == [KeyboardInterrupt, KeyboardInterrupt]
    assert not inbound_group._storing and not inbound_group._waiting
