"""A person's help-desk data erased (Shopify customers/redact, shop/redact) and exported."""

import json
from dataclasses import replace
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from cxloop.commerce.models import Customer
from cxloop.commerce.tests.helpers import hmac_b64
from cxloop.core import services as core_services
from cxloop.helpdesk.models import Activity, Attachment, Conversation, Message
from cxloop.helpdesk.queries import InboxFilter, list_conversations
from cxloop.helpdesk.services import conversations as staff
from cxloop.helpdesk.services import privacy
from cxloop.helpdesk.services.inbound import receive_email

from .factories import customer_writes, open_conversation

pytestmark = pytest.mark.django_db

SECRET = "shpss_test_secret_0123456789"
PAYLOADS = Path(__file__).parents[2] / "commerce" / "tests" / "payloads" / "shopify"
SHOP_REDACT = b'{"shop_id": 954889, "shop_domain": "sklep-ania.myshopify.com"}'
UNINSTALLED = b'{"id": 954889, "domain": "sklep-ania.myshopify.com", "updated_at": "2026-10-05T10:00:00Z"}'


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def deliver(store):
    core_services.set_webhook_secret(store=store, platform="shopify", secret=SECRET)
    client = Client()

    def deliver(topic, body, *, event_id):
        return client.post(
            f"/webhooks/shopify/{store.slug}/",
            data=body,
            content_type="application/json",
            headers={
                "X-Shopify-Topic": topic,
                "X-Shopify-Hmac-Sha256": hmac_b64(SECRET, body),
                "X-Shopify-Event-Id": event_id,
                "X-Shopify-Webhook-Id": f"wh-{event_id}",
                "X-Shopify-Shop-Domain": "sklep-ania.myshopify.com",
            },
        )

    return deliver


def mail_with_attachment(sender="Zofia <Zofia.Nowak@example.pl>", message_id="<z1@example.pl>") -> bytes:
    return (
        f"From: {sender}\r\nTo: sklep-ania@in.cxloop.localhost\r\nSubject: Reklamacja butów\r\n"
        f"Message-ID: {message_id}\r\nCc: Jan Nowak <jan@example.pl>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nMój adres: ul. Długa 5, Gdańsk.\r\n"
        '--B\r\nContent-Type: image/jpeg\r\nContent-Disposition: attachment; filename="paragon-zofia.jpg"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n/9j/4AAQSkZJRgABAQ==\r\n--B--\r\n"
    ).encode()


def redact_zofia() -> bytes:
    return (PAYLOADS / "customers_redact.json").read_bytes()


def zofias_conversation(store, owner):
    """Zofia writes with an attachment; staff reply and leave a note; returns the conversation."""
    message = receive_email(store=store, raw=mail_with_attachment())
    conversation = message.conversation
    staff.reply(conversation=conversation, author=owner, text="Dzień dobry Zofio, prosimy o zdjęcie.")
    staff.add_note(conversation=conversation, author=owner, text="Zofia reklamuje trzeci raz.")
    return conversation


def assert_erased(conversation, *, attachments_gone=True):
    conversation.refresh_from_db()
    assert conversation.subject == privacy.REDACTED
    assert (conversation.contact_email, conversation.contact_name, conversation.customer) == ("", "", None)
    assert conversation.erased_at is not None
    for message in conversation.messages.all():
        assert (message.subject, message.text, message.reply_text, message.html) == (
            privacy.REDACTED, privacy.REDACTED, privacy.REDACTED, "",
        )  # fmt: skip
        assert (message.from_email, message.from_name, message.to, message.cc) == ("", "", [], [])
    if attachments_gone:
        assert not Attachment.objects.filter(message__conversation=conversation).exists()


def test_customers_redact_erases_the_words_of_a_customers_conversations_and_keeps_the_counts(
    store, owner, deliver, django_capture_on_commit_callbacks
):
    # given Zofia, a customer, wrote with an attachment and staff replied and noted
    deliver("orders/create", (PAYLOADS / "orders_create.json").read_bytes(), event_id="e1")
    conversation = zofias_conversation(store, owner)
    assert conversation.customer is not None
    attachment = Attachment.objects.get()
    stored_file = attachment.file.name
    assert default_storage.exists(stored_file)
    kinds = sorted(conversation.messages.values_list("kind", "created_at"))
    activities = Activity.objects.filter(conversation=conversation).count()

    # when Shopify asks to redact her
    with django_capture_on_commit_callbacks(execute=True):
        response = deliver("customers/redact", redact_zofia(), event_id="e2")

    # then her words are gone, her file too, and what reports count stays
    assert response.status_code == 200
    assert_erased(conversation)
    assert not default_storage.exists(stored_file)
    assert sorted(conversation.messages.values_list("kind", "created_at")) == kinds
    assert Activity.objects.filter(conversation=conversation).count() == activities
    assert conversation.number == 1 and conversation.created_at is not None


def test_customers_redact_erases_a_conversation_never_linked_to_a_customer_record(
    store, owner, deliver, django_capture_on_commit_callbacks
):
    # given Zofia wrote before the store knew her (no customer record), in another case
    conversation = zofias_conversation(store, owner)
    assert conversation.customer is None and not Customer.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        deliver("customers/redact", redact_zofia(), event_id="e2")

    assert_erased(conversation)
    assert not any(default_storage.listdir(f"helpdesk/{store.pk}/{conversation.pk}")[1])


def test_erasure_touches_no_one_else_and_no_other_store(store, other_store, owner):
    # given Zofia's conversation, Ania's, and Zofia writing to another store too
    zofia = zofias_conversation(store, owner)
    ania, _message = open_conversation(store, from_email="ania@example.pl", subject="Paczka")
    elsewhere = receive_email(store=other_store, raw=mail_with_attachment(message_id="<z2@example.pl>"))

    erased = privacy.erase_contact(store=store, emails=["ZOFIA.nowak@example.pl"])

    assert erased == 1
    assert_erased(zofia, attachments_gone=False)  # marked here, their files go after commit
    ania.refresh_from_db()
    assert (ania.subject, ania.contact_email) == ("Paczka", "ania@example.pl")
    assert Message.objects.get(conversation=ania).text == "Where is my parcel? I ordered shoes a week ago."
    assert elsewhere.conversation.contact_email == "zofia.nowak@example.pl"
    assert Attachment.objects.filter(store=other_store, purged_at__isnull=True).count() == 1


def test_erasing_twice_is_harmless(store, owner, django_capture_on_commit_callbacks):
    conversation = zofias_conversation(store, owner)

    with django_capture_on_commit_callbacks(execute=True):
        privacy.erase_contact(store=store, emails=["zofia.nowak@example.pl"])
    again = privacy.erase_contact(store=store, emails=["zofia.nowak@example.pl"])

    assert again == 0  # the contact's email is gone: nothing matches any more
    assert_erased(conversation)


def test_a_later_mail_from_the_erased_person_opens_a_fresh_conversation(store, owner):
    conversation = zofias_conversation(store, owner)
    privacy.erase_contact(store=store, emails=["zofia.nowak@example.pl"])

    message = receive_email(store=store, raw=mail_with_attachment(message_id="<z9@example.pl>"))

    assert message.conversation != conversation
    assert message.conversation.contact_email == "zofia.nowak@example.pl"


def test_an_erased_conversation_is_shown_without_a_trace_of_the_person(store, owner, staff_client):
    conversation = zofias_conversation(store, owner)
    privacy.erase_contact(store=store, emails=["zofia.nowak@example.pl"])

    page = staff_client.get(f"/helpdesk/{conversation.pk}/").content.decode()

    assert "Zofia" not in page and "Długa" not in page and "paragon" not in page
    assert privacy.REDACTED in page


def test_shop_redact_removes_every_conversation_and_file_of_the_store(
    store, other_store, owner, deliver, django_capture_on_commit_callbacks
):
    zofias_conversation(store, owner)
    merged, _message = open_conversation(store, from_email="zofia.nowak@example.pl")
    target, _message = open_conversation(store, from_email="zofia.nowak@example.pl")
    staff.merge(source=merged, target=target, actor=owner)
    kept = receive_email(store=other_store, raw=mail_with_attachment(message_id="<z2@example.pl>"))
    stored_file = Attachment.objects.get(store=store).file.name

    deliver("app/uninstalled", UNINSTALLED, event_id="u1")
    with django_capture_on_commit_callbacks(execute=True):
        response = deliver("shop/redact", SHOP_REDACT, event_id="u2")

    assert response.json()["status"] == "processed"
    assert not Conversation.objects.filter(store=store).exists()
    assert not Message.objects.filter(store=store).exists()
    assert not Attachment.objects.filter(store=store).exists()
    assert not default_storage.exists(stored_file)
    assert Attachment.objects.filter(store=other_store).get().file.name == kept.attachments.get().file.name


def test_erasure_listeners_are_told_which_conversations_were_erased(store, owner):
    told = []
    privacy.register_erased_listener(lambda store, ids: told.append((store.pk, sorted(ids))))
    try:
        conversation = zofias_conversation(store, owner)
        privacy.erase_contact(store=store, emails=["zofia.nowak@example.pl"])
    finally:
        privacy.ERASED_LISTENERS.pop()

    assert told == [(store.pk, [conversation.pk])]


def test_the_export_holds_the_customers_conversations_notes_and_attachment_names(
    store, owner, deliver, staff_client
):
    # given Zofia, a customer, with a conversation, and another one from her address unlinked
    deliver("orders/create", (PAYLOADS / "orders_create.json").read_bytes(), event_id="e1")
    conversation = zofias_conversation(store, owner)
    customer_writes(store, conversation, text="Czy są wieści?")
    customer = Customer.objects.get()

    response = staff_client.get(f"/customers/{customer.pk}/export/")

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="customer-{customer.pk}.json"'
    data = json.loads(response.content)
    assert data["customer"]["email"] == "Zofia.Nowak@example.pl"
    [exported] = data["apps"]["helpdesk"]
    assert exported["number"] == conversation.number and exported["subject"] == "Reklamacja butów"
    assert [(m["kind"], m["from"], m["text"].strip()) for m in exported["messages"]] == [
        ("incoming", "zofia.nowak@example.pl", "Mój adres: ul. Długa 5, Gdańsk."),
        ("reply", "staff", "Dzień dobry Zofio, prosimy o zdjęcie."),
        ("note", "staff", "Zofia reklamuje trzeci raz."),
        ("incoming", "zofia.nowak@example.pl", "Czy są wieści?"),
    ]
    assert exported["messages"][0]["attachments"] == [
        {"filename": "paragon-zofia.jpg", "content_type": "image/jpeg", "size": 13, "removed": False}
    ]
    assert owner.email not in response.content.decode()


def test_an_agents_reply_files_are_exported_by_name_then_erased_with_the_customer(
    store, owner, deliver, staff_client, django_capture_on_commit_callbacks
):
    # given staff answered Zofia with a file of their own
    from .files import PDF, upload

    deliver("orders/create", (PAYLOADS / "orders_create.json").read_bytes(), event_id="e1")
    message = receive_email(store=store, raw=mail_with_attachment())
    staff.reply(
        conversation=message.conversation, author=owner, text="Etykieta zwrotna.",
        files=[upload("etykieta-zofia.pdf", PDF)],
    )  # fmt: skip
    sent = Attachment.objects.get(message__kind=Message.Kind.REPLY)
    customer = Customer.objects.get()

    # the export names it beside her own file
    exported = json.loads(staff_client.get(f"/customers/{customer.pk}/export/").content)
    reply_files = exported["apps"]["helpdesk"][0]["messages"][1]["attachments"]
    assert reply_files == [
        {
            "filename": "etykieta-zofia.pdf",
            "content_type": "application/pdf",
            "size": len(PDF),
            "removed": False,
        }
    ]

    # erasing her removes it, row and file, as it removes hers
    with django_capture_on_commit_callbacks(execute=True):
        deliver("customers/redact", redact_zofia(), event_id="e2")
    assert_erased(message.conversation)
    assert not default_storage.exists(sent.file.name)


def test_only_owners_and_admins_export_and_another_stores_customer_is_404(
    store, other_store, deliver, staff_client, agent_client
):
    deliver("orders/create", (PAYLOADS / "orders_create.json").read_bytes(), event_id="e1")
    customer = Customer.objects.get()
    foreign = Customer.objects.create(
        store=other_store, email="x@example.com", email_key="x@example.com",
        created_at=customer.created_at, updated_at=customer.created_at,
    )  # fmt: skip

    assert agent_client.get(f"/customers/{customer.pk}/export/").status_code == 403
    assert staff_client.get(f"/customers/{foreign.pk}/export/").status_code == 404


def test_an_erased_conversation_is_no_longer_found_by_the_persons_words_or_address(
    store, owner, deliver, django_capture_on_commit_callbacks
):
    # given Zofia's conversation, found by her street, her name and her address
    conversation = zofias_conversation(store, owner)
    everyone = InboxFilter(status="")
    for words in ("Długa Gdańsk", "Zofia", "zofia.nowak@example.pl"):
        found = list_conversations(store, replace(everyone, search=words), owner)
        assert [c.pk for c in found] == [conversation.pk], words

    # when Shopify asks for her erasure
    with django_capture_on_commit_callbacks(execute=True):
        deliver("customers/redact", redact_zofia(), event_id="e9")

    # then none of it finds the conversation any more; its number still does
    for words in ("Długa Gdańsk", "Zofia", "zofia.nowak@example.pl", "reklamacja"):
        assert not list_conversations(store, replace(everyone, search=words), owner).exists(), words
    found = list_conversations(store, replace(everyone, search=f"#{conversation.number}"), owner)
    assert [c.pk for c in found] == [conversation.pk]
