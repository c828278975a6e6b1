"""Replies go out over a real SMTP server (aiosmtpd), threaded under the customer's message."""

import zoneinfo

import pytest
from django.utils import timezone, translation

from cxloop.core import formats
from cxloop.flows.models import Suppression
from cxloop.helpdesk import addresses, tasks
from cxloop.helpdesk.models import Message
from cxloop.helpdesk.services import conversations as services

from .factories import customer_writes, open_conversation

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    return time_machine


def send_reply(task_worker, conversation, author, text="Your parcel left today."):
    with task_worker.committing():
        message = services.reply(conversation=conversation, author=author, text=text)
    return message


def test_a_reply_is_threaded_under_the_customers_last_message(store, agent, smtp_server, task_worker):
    # given a conversation the customer wrote to twice, the second time in a thread
    conversation, _first = open_conversation(store, subject="Parcel", message_id="<first@mail.example.pl>")
    customer_writes(
        store, conversation, text="Any news?", message_id="<second@mail.example.pl>",
        references=["<first@mail.example.pl>"],
    )  # fmt: skip
    store.support_email = "help@sklep.example"
    store.save(update_fields=["support_email"])

    # when an agent replies and the task runs
    reply = send_reply(task_worker, conversation, agent, text="It left <today> & arrives soon.")
    assert task_worker.run_ready() == ["sent"]

    # then one message with the threading headers, From the store, Reply-To the conversation
    [received] = smtp_server.messages
    assert received["Message-ID"].strip() == reply.message_id
    assert received["In-Reply-To"].strip() == "<second@mail.example.pl>"
    assert received["References"].split() == ["<first@mail.example.pl>", "<second@mail.example.pl>"]
    assert received["Subject"] == "Re: Parcel"
    assert received["From"].addresses[0].addr_spec == "help@sklep.example"
    assert received["Reply-To"].addresses[0].addr_spec == addresses.reply_address(conversation)
    assert received["To"].addresses[0].addr_spec == "ania@example.pl"
    text = received.get_body(("plain",)).get_content()
    html = received.get_body(("html",)).get_content()
    assert text.startswith("It left <today> & arrives soon.")
    assert "wrote:" in text and "> Any news?" in text
    assert "It left &lt;today&gt; &amp; arrives soon." in html and "<today>" not in html
    reply.refresh_from_db()
    assert (reply.delivery, reply.attempts, reply.sent_at is not None) == ("sent", 1, True)

    # and running the task again sends nothing more
    assert tasks.send_reply_task.call(reply.pk) == "sent"
    assert len(smtp_server.received) == 1


def test_without_a_support_address_the_reply_comes_from_the_installation_in_the_stores_name(
    store, agent, smtp_server, task_worker, settings
):
    settings.DEFAULT_FROM_EMAIL = "cxloop <noreply@cx.example.com>"
    conversation, _message = open_conversation(store, subject="Re: Zwrot")
    send_reply(task_worker, conversation, agent)
    task_worker.run_ready()

    [received] = smtp_server.messages
    assert received["From"].addresses[0].addr_spec == "noreply@cx.example.com"
    assert received["From"].addresses[0].display_name == store.name
    assert received["Subject"] == "Re: Zwrot"


def test_the_quoted_history_is_dated_in_the_stores_language_and_time(store, agent, smtp_server, task_worker):
    store.default_language, store.timezone = "pl", "Asia/Tehran"
    store.save(update_fields=["default_language", "timezone"])
    conversation, message = open_conversation(store)
    send_reply(task_worker, conversation, agent)
    task_worker.run_ready()

    text = smtp_server.messages[0].get_body(("plain",)).get_content()
    with translation.override("pl"), timezone.override(zoneinfo.ZoneInfo("Asia/Tehran")):
        expected = formats.datetime_text(message.created_at)
    assert f"{expected}, Ania Nowak" in text


def test_a_refused_reply_shows_the_reason_and_is_retried(store, agent, smtp_server, task_worker, clock):
    smtp_server.refuse_next(1, code=451, text="4.3.0 Mailbox busy, try again")
    conversation, _message = open_conversation(store)
    reply = send_reply(task_worker, conversation, agent)

    assert task_worker.run_ready() == ["queued"]
    reply.refresh_from_db()
    assert (reply.delivery, reply.attempts) == ("queued", 1)
    assert "451 4.3.0 Mailbox busy, try again" in reply.delivery_error
    assert smtp_server.received == [] and task_worker.ready() == []

    clock.shift(60)
    assert task_worker.run_ready() == ["sent"]
    reply.refresh_from_db()
    assert (reply.delivery, reply.attempts, reply.delivery_error) == ("sent", 2, "")
    [received] = smtp_server.messages
    assert received["Message-ID"].strip() == reply.message_id


def test_a_missing_mailbox_fails_at_once_and_is_suppressed(store, agent, smtp_server, task_worker):
    smtp_server.refuse_next(1, code=550, text="5.1.1 The email account does not exist", stage="rcpt")
    conversation, _message = open_conversation(store)
    reply = send_reply(task_worker, conversation, agent)

    assert task_worker.run_ready() == ["failed"]
    reply.refresh_from_db()
    assert reply.delivery == "failed"
    assert reply.delivery_error == (
        "The customer's address was refused: 550 5.1.1 The email account does not exist"
    )
    suppression = Suppression.objects.get(store=store)
    assert suppression.email_digest == Suppression.digest("ania@example.pl")
    assert suppression.reason == "bounced"


def test_a_policy_refusal_fails_without_suppressing(store, agent, smtp_server, task_worker):
    smtp_server.refuse_next(1, code=554, text="5.7.1 Relay access denied", stage="rcpt")
    conversation, _message = open_conversation(store)
    reply = send_reply(task_worker, conversation, agent)

    assert task_worker.run_ready() == ["failed"]
    assert Suppression.objects.count() == 0
    reply.refresh_from_db()
    assert "5.7.1 Relay access denied" in reply.delivery_error


def test_a_reply_left_sending_by_a_lost_worker_goes_again_with_the_same_message_id(
    store, agent, smtp_server, task_worker
):
    conversation, _message = open_conversation(store)
    reply = send_reply(task_worker, conversation, agent)
    Message.objects.filter(pk=reply.pk).update(delivery="sending", attempts=1)

    from cxloop.helpdesk.services.sending import deliver_reply

    assert deliver_reply(message_id=reply.pk) == "sending"  # another run holds it: nothing sent
    assert smtp_server.received == []
    assert deliver_reply(message_id=reply.pk, take_over=True) == "sent"
    [received] = smtp_server.messages
    assert received["Message-ID"].strip() == reply.message_id


def test_a_reply_whose_task_never_reached_the_queue_is_sent_by_the_sweep(
    store, agent, smtp_server, task_worker, clock, settings
):
    # given a reply committed, but its task lost (the process died before the enqueue)
    conversation, _message = open_conversation(store)
    reply = services.reply(conversation=conversation, author=agent, text="Lost?")  # on_commit never runs
    from cxloop.helpdesk.services.sending import requeue_stranded_replies

    assert requeue_stranded_replies() == 0  # too recent to call stranded

    # when the sweep runs later
    clock.shift(settings.CXLOOP_STRANDED_AFTER_SECONDS + 1)
    assert requeue_stranded_replies() == 1
    assert requeue_stranded_replies() == 0  # its task now waits
    task_worker.run_ready()

    # then it is sent once
    [received] = smtp_server.messages
    assert received["Message-ID"].strip() == reply.message_id


def test_one_task_sends_the_replies_waiting_and_their_own_tasks_send_nothing_again(
    store, agent, smtp_server, task_worker
):
    # given three replies queued at once (a burst), each with its own task
    conversations = [open_conversation(store, subject=f"Parcel {i}")[0] for i in range(3)]
    with task_worker.committing():
        replies = [services.reply(conversation=c, author=agent, text="On its way.") for c in conversations]

    # when the worker runs the first task only
    assert task_worker.run(task_worker.ready()[0]) == "sent"

    # then all three went, and the other two tasks find nothing left to send
    sent = sorted(m["Message-ID"].strip() for m in smtp_server.messages)
    assert sent == sorted(r.message_id for r in replies)
    assert task_worker.run_ready() == ["sent", "sent"]
    assert len(smtp_server.messages) == 3
    for reply in replies:
        reply.refresh_from_db()
        assert (reply.delivery, reply.attempts) == ("sent", 1)


def test_a_reply_waiting_for_its_retry_is_not_sent_early_by_another_task(
    store, agent, smtp_server, task_worker, clock
):
    # given a reply the server refused for now (a retry is planned)
    first, _ = open_conversation(store, subject="First")
    smtp_server.refuse_next(1, code=451, text="4.3.0 Try again later")
    waiting = send_reply(task_worker, first, agent)
    assert task_worker.run_ready() == ["queued"]

    # when another reply is sent before the retry is due
    second, _ = open_conversation(store, subject="Second")
    other = send_reply(task_worker, second, agent)
    assert task_worker.run_ready() == ["sent"]

    # then only the new one went; the refused one waits for its time
    waiting.refresh_from_db()
    assert (waiting.delivery, waiting.attempts) == ("queued", 1)
    assert [m["Message-ID"].strip() for m in smtp_server.messages] == [other.message_id]


def test_a_reply_carries_its_files_as_attachments_named_in_any_script(
    store, agent, smtp_server, task_worker, settings, tmp_path
):
    # given an agent's reply with a PDF named in Chinese and a photo named in Polish
    from .files import PDF, PNG, upload

    settings.MEDIA_ROOT = tmp_path / "media"
    conversation, _first = open_conversation(store, subject="Faktura", message_id="<first@mail.example.pl>")
    with task_worker.committing():
        reply = services.reply(
            conversation=conversation, author=agent, text="Faktura w załączniku.",
            files=[upload("发票-二〇二六年三月.pdf", PDF), upload("zdjęcie paczki.png", PNG)],
        )  # fmt: skip

    # when the task sends it
    assert task_worker.run_ready() == ["sent"]

    # then the mail has its text, its HTML and both files, named as the agent named them
    [arrived] = smtp_server.received
    received = arrived.message
    assert received.get_content_type() == "multipart/mixed"
    assert received["Message-ID"].strip() == reply.message_id
    assert received["In-Reply-To"].strip() == "<first@mail.example.pl>"
    assert received.get_body(("plain",)).get_content().startswith("Faktura w załączniku.")
    assert "Faktura w załączniku." in received.get_body(("html",)).get_content()
    files = [
        (part.get_filename(), part.get_content_type(), part.get_content())
        for part in received.iter_attachments()
    ]
    assert files == [
        ("发票-二〇二六年三月.pdf", "application/pdf", PDF),
        ("zdjęcie paczki.png", "image/png", PNG),
    ]
    # written as RFC 2231 says (filename*=utf-8''...), which mail clients read, not raw UTF-8
    assert b"filename*=utf-8''%E5%8F%91%E7%A5%A8" in arrived.raw
    assert "发票".encode() not in arrived.raw
