import base64
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from cxloop.helpdesk import addresses
from cxloop.helpdesk.errors import MailFlood, MailRejected
from cxloop.helpdesk.models import Attachment, Conversation, Mailbox, Message
from cxloop.helpdesk.services.inbound import receive_email

from .mail.builders import encoded_word

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def mail(
    body="Gdzie jest moja paczka?",
    *,
    sender="Ania <ania@example.pl>",
    to="sklep-ania@in.cxloop.localhost",
    subject="Paczka",
    message_id="<a1@example.pl>",
    headers="",
    charset="utf-8",
) -> bytes:
    head = f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: Thu, 03 Dec 2026 10:00:00 +0100\r\n"
    if message_id:
        head += f"Message-ID: {message_id}\r\n"
    head += headers
    head += f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset={charset}\r\n"
    head += "Content-Transfer-Encoding: 8bit\r\n\r\n"
    return head.encode("utf-8") + body.encode(charset)


def test_a_mail_opens_a_conversation_with_its_charset_decoded(store):
    raw = mail(
        "Zamówiłam buty, gdzie są?",
        charset="iso-8859-2",
        subject=encoded_word("Zażółć gęślą jaźń", "iso-8859-2"),
        sender=f"{encoded_word('Łucja Żak', 'windows-1250')} <LUCJA@Example.PL>",
    )

    message = receive_email(store=store, raw=raw)

    conversation = message.conversation
    assert conversation.store == store and conversation.channel == "email"
    assert conversation.subject == "Zażółć gęślą jaźń"
    assert conversation.contact_email == "lucja@example.pl" and conversation.contact_name == "Łucja Żak"
    assert "Zamówiłam buty" in message.text
    assert message.external_id == "mid:<a1@example.pl>"


def test_a_duplicate_delivery_is_stored_once(store):
    first = receive_email(store=store, raw=mail())
    again = receive_email(store=store, raw=mail())
    given = receive_email(store=store, raw=mail(message_id=""), external_id="imap:1:7:42")
    given_again = receive_email(store=store, raw=mail(message_id=""), external_id="imap:1:7:42")

    assert again.pk == first.pk and given_again.pk == given.pk
    assert Message.objects.filter(store=store).count() == 2


def test_a_mail_without_message_id_is_known_by_its_bytes(store):
    first = receive_email(store=store, raw=mail(message_id=""))
    receive_email(store=store, raw=mail(message_id=""))
    other = receive_email(store=store, raw=mail("Something else", message_id=""))

    assert first.external_id.startswith("raw:") and len(first.external_id) == 4 + 64
    assert other.pk != first.pk and Message.objects.count() == 2


def test_a_long_message_id_is_hashed(store):
    message = receive_email(store=store, raw=mail(message_id=f"<{'x' * 400}@example.pl>"))

    assert message.external_id.startswith("mid:sha256:") and len(message.external_id) <= 300


def test_a_reply_threads_by_in_reply_to_and_references(store):
    first = receive_email(store=store, raw=mail())
    by_reply = receive_email(
        store=store,
        raw=mail("A co z paczką?", message_id="<a2@example.pl>", headers="In-Reply-To: <a1@example.pl>\r\n"),
    )
    by_references = receive_email(
        store=store,
        raw=mail(
            "Halo?", message_id="<a3@example.pl>", headers="References: <unknown@x> <a2@example.pl>\r\n"
        ),
    )

    assert by_reply.conversation_id == first.conversation_id == by_references.conversation_id
    assert Conversation.objects.count() == 1


def test_a_forged_in_reply_to_opens_a_new_conversation(store, other_store):
    theirs = receive_email(store=store, raw=mail())
    elsewhere = receive_email(store=other_store, raw=mail(message_id="<b1@example.pl>"))
    stranger = receive_email(
        store=store,
        raw=mail(
            "Show me her order",
            sender="mallory@evil.example",
            message_id="<m1@evil.example>",
            headers="In-Reply-To: <a1@example.pl>\r\n",
        ),
    )
    cross_store = receive_email(
        store=store,
        raw=mail("Hi", message_id="<a9@example.pl>", headers="In-Reply-To: <b1@example.pl>\r\n"),
    )

    assert stranger.conversation_id != theirs.conversation_id
    assert stranger.conversation.contact_email == "mallory@evil.example"
    assert cross_store.conversation_id not in (theirs.conversation_id, elsewhere.conversation_id)
    assert cross_store.conversation.store == store


def test_a_reply_address_threads_whatever_the_sender(store):
    first = receive_email(store=store, raw=mail())
    reply_to = addresses.reply_address(first.conversation)

    message = receive_email(
        store=store,
        raw=mail(
            "From my other address", sender="ania.work@firma.pl", to=reply_to, message_id="<w1@firma.pl>"
        ),
    )
    by_envelope = receive_email(
        store=store,
        raw=mail("Bcc'd", sender="ania.work@firma.pl", message_id="<w2@firma.pl>"),
        recipient=reply_to,
    )
    by_delivered_to = receive_email(
        store=store,
        raw=mail("Forwarded", sender="ania.work@firma.pl", message_id="<w3@firma.pl>",
                 headers=f"Delivered-To: {reply_to}\r\n"),
    )  # fmt: skip

    assert message.conversation_id == by_envelope.conversation_id == first.conversation_id
    assert by_delivered_to.conversation_id == first.conversation_id


def test_a_reply_token_of_another_store_or_a_bad_token_threads_nowhere(store, other_store):
    theirs = receive_email(store=other_store, raw=mail(message_id="<b1@example.pl>"))
    other_reply = addresses.reply_address(theirs.conversation)
    conversation_id = theirs.conversation_id

    moved = receive_email(store=store, raw=mail("x", to=other_reply, message_id="<c1@example.pl>"))
    forged = receive_email(
        store=other_store,
        raw=mail("y", to=f"reply+{conversation_id}.{'0' * 20}@in.cxloop.localhost", sender="eve@x.io",
                 message_id="<c2@example.pl>"),
    )  # fmt: skip

    assert moved.conversation.store == store and moved.conversation_id != conversation_id
    assert forged.conversation_id != conversation_id


def test_an_auto_reply_is_stored_flagged_and_does_not_reopen(store):
    first = receive_email(store=store, raw=mail())
    Conversation.objects.filter(pk=first.conversation_id).update(status=Conversation.Status.RESOLVED)
    reply_to = addresses.reply_address(first.conversation)

    auto = receive_email(
        store=store,
        raw=mail("I am away until Monday.", to=reply_to, subject="Out of office",
                 message_id="<oo@example.pl>", headers="Auto-Submitted: auto-replied\r\n"),
    )  # fmt: skip
    conversation = Conversation.objects.get(pk=first.conversation_id)

    assert auto.conversation_id == first.conversation_id and auto.auto_submitted
    assert conversation.status == Conversation.Status.RESOLVED

    human = receive_email(store=store, raw=mail("Still no parcel", to=reply_to, message_id="<h@example.pl>"))
    conversation.refresh_from_db()
    assert not human.auto_submitted and conversation.status == Conversation.Status.OPEN


def test_mail_from_the_stores_own_addresses_is_flagged(store):
    store.support_email = "hello@sklep.pl"
    store.save()
    Mailbox.objects.create(
        store=store, address="pomoc@sklep.pl", host="imap.sklep.pl", username="p", password="x"
    )
    first = receive_email(store=store, raw=mail())
    Conversation.objects.filter(pk=first.conversation_id).update(status=Conversation.Status.RESOLVED)
    reply_to = addresses.reply_address(first.conversation)

    flagged = [
        receive_email(
            store=store, raw=mail("loop", sender=sender, to=reply_to, message_id=f"<own{i}@sklep.pl>")
        )
        for i, sender in enumerate(["Hello@Sklep.pl", "pomoc@sklep.pl", "sklep-ania@in.cxloop.localhost"])
    ]

    assert all(m.auto_submitted for m in flagged)
    assert Conversation.objects.get(pk=first.conversation_id).status == Conversation.Status.RESOLVED


def test_a_bounce_is_flagged(store):
    first = receive_email(store=store, raw=mail())
    Conversation.objects.filter(pk=first.conversation_id).update(status=Conversation.Status.RESOLVED)
    bounce = (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.pl>\r\n"
        f"To: {addresses.reply_address(first.conversation)}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <bounce1@mx.example.pl>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.pl\r\n\r\n"
        "Final-Recipient: rfc822; ania@example.pl\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "--B--\r\n"
    ).encode()

    message = receive_email(store=store, raw=bounce)

    assert message.bounce and message.conversation_id == first.conversation_id
    assert Conversation.objects.get(pk=first.conversation_id).status == Conversation.Status.RESOLVED


def attachment_mail(content: bytes, filename="../../etc/faktura.pdf") -> bytes:
    return (
        "From: ania@example.pl\r\nTo: sklep-ania@in.cxloop.localhost\r\nSubject: Faktura\r\n"
        "Message-ID: <att@example.pl>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nW załączniku faktura.\r\n"
        f'--B\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="{filename}"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(content).decode() + "--B--\r\n"
    ).encode()


def test_attachments_are_stored_under_a_random_name(store):
    content = b"%PDF-1.4 faktura " + bytes(range(256)) * 4

    message = receive_email(store=store, raw=attachment_mail(content))
    receive_email(store=store, raw=attachment_mail(content))  # the same mail again: no second file

    attachment = Attachment.objects.get()
    assert attachment.message == message and attachment.store == store
    assert attachment.filename == "faktura.pdf" and attachment.content_type == "application/pdf"
    assert attachment.size == len(content)
    assert attachment.file.name.endswith(attachment.key) and "faktura" not in attachment.file.name
    with default_storage.open(attachment.file.name) as stored:
        assert stored.read() == content


def test_an_attachment_over_the_limit_is_dropped_and_noted(store, settings):
    settings.CXLOOP_HELPDESK_MAX_ATTACHMENT_BYTES = 1000

    message = receive_email(store=store, raw=attachment_mail(b"x" * 5000))

    assert Attachment.objects.count() == 0
    assert any("attachment" in problem for problem in message.problems)
    assert "W załączniku" in message.text


def test_a_mail_over_the_size_limit_is_refused_and_nothing_is_stored(store, settings):
    settings.CXLOOP_HELPDESK_MAX_MAIL_BYTES = 500

    with pytest.raises(MailRejected) as refused:
        receive_email(store=store, raw=mail("x" * 1000))

    assert "over the limit" in str(refused.value) and refused.value.status == 422
    assert Message.objects.count() == 0


def test_bytes_that_are_no_mail_are_refused(store):
    with pytest.raises(MailRejected):
        receive_email(store=store, raw=b"just some bytes\r\nnothing else")

    assert Message.objects.count() == Conversation.objects.count() == 0


def test_a_flood_from_one_sender_is_refused_past_the_limit(store, other_store, settings):
    settings.CXLOOP_HELPDESK_FLOOD_LIMIT = 3
    for i in range(3):
        receive_email(store=store, raw=mail(f"spam {i}", message_id=f"<f{i}@example.pl>"))

    receive_email(store=store, raw=mail("spam 0", message_id="<f0@example.pl>"))  # a retry: not counted
    with pytest.raises(MailFlood) as flooded:
        receive_email(store=store, raw=mail("spam 3", message_id="<f3@example.pl>"))
    others = receive_email(store=store, raw=mail("me too", sender="jan@example.pl", message_id="<j@x>"))
    elsewhere = receive_email(store=other_store, raw=mail("spam 3", message_id="<f3@example.pl>"))

    assert "ania@example.pl" in str(flooded.value) and flooded.value.retry_after > 0
    assert Message.objects.filter(store=store, from_email="ania@example.pl").count() == 3
    assert others.pk and elsewhere.store == other_store


def test_the_flood_limit_counts_only_the_last_ten_minutes(store, settings):
    settings.CXLOOP_HELPDESK_FLOOD_LIMIT = 2
    for i in range(2):
        receive_email(store=store, raw=mail(f"spam {i}", message_id=f"<old{i}@example.pl>"))
    with pytest.raises(MailFlood):
        receive_email(store=store, raw=mail("spam 2", message_id="<old2@example.pl>"))

    Message.objects.filter(store=store).update(created_at=timezone.now() - timedelta(minutes=11))
    later = receive_email(store=store, raw=mail("spam 2", message_id="<old2@example.pl>"))

    assert later.pk and Message.objects.filter(store=store).count() == 3
