import pytest

from cxloop.commerce.models import Customer
from cxloop.helpdesk import addresses
from cxloop.helpdesk.models import Activity, Channel, Conversation, Message
from cxloop.helpdesk.services.intake import Incoming, take_message
from cxloop.hooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


def incoming(text="Gdzie jest moja paczka? Zamówiłam buty tydzień temu.", **fields):
    return Incoming(
        text=text, subject=fields.pop("subject", "Paczka"), from_email="ANIA@Example.PL", **fields
    )


def test_a_first_message_opens_a_numbered_conversation_linked_to_the_customer(store):
    customer = Customer.objects.create(
        store=store, email="ania@example.pl", email_key="ania@example.pl", created_at="2026-01-01T00:00Z",
        updated_at="2026-01-01T00:00Z",
    )  # fmt: skip
    first, message, created = take_message(store=store, channel=Channel.EMAIL, incoming=incoming())
    second, _message, _created = take_message(
        store=store,
        channel=Channel.FORM,
        incoming=Incoming(text="Hello, where is my order?", from_email="b@x.io"),
    )

    assert created and (first.number, second.number) == (1, 2)
    assert first.customer == customer and first.contact_email == "ania@example.pl"
    assert second.customer is None
    assert first.language == "pl"
    assert message.kind == Message.Kind.INCOMING and message.reply_text == message.text
    assert Activity.objects.filter(conversation=first, kind=Activity.Kind.CREATED).count() == 1


def test_a_retried_delivery_is_stored_once(store):
    conversation, message, created = take_message(
        store=store, channel=Channel.API, incoming=incoming(), external_id="api:abc"
    )
    again, same, created_again = take_message(
        store=store, channel=Channel.API, incoming=incoming(), external_id="api:abc"
    )

    assert created and not created_again
    assert (again.pk, same.pk) == (conversation.pk, message.pk)
    assert Message.objects.count() == 1 and Conversation.objects.count() == 1


def test_a_customer_message_reopens_a_resolved_conversation(store):
    conversation, _message, _created = take_message(store=store, channel=Channel.EMAIL, incoming=incoming())
    Conversation.objects.filter(pk=conversation.pk).update(status=Conversation.Status.RESOLVED)
    conversation.refresh_from_db()

    take_message(
        store=store, channel=Channel.EMAIL, incoming=incoming(text="Still nothing"), conversation=conversation
    )

    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.OPEN
    assert conversation.messages.count() == 2
    assert (
        Activity.objects.filter(conversation=conversation, kind=Activity.Kind.STATUS).get().data["to"]
        == "open"
    )


def test_webhooks_hear_of_the_conversation_and_the_message(store, django_capture_on_commit_callbacks):
    WebhookEndpoint.objects.create(
        store=store, url="https://hooks.example.com/x", events=["conversation.created", "message.created"]
    )
    with django_capture_on_commit_callbacks():
        take_message(store=store, channel=Channel.EMAIL, incoming=incoming())

    assert sorted(WebhookDelivery.objects.values_list("event", flat=True)) == [
        "conversation.created", "message.created",
    ]  # fmt: skip


def test_reply_addresses_name_their_conversation_and_cannot_be_moved(store, settings):
    settings.CXLOOP_HELPDESK_INBOUND_DOMAIN = "in.shop.example"
    first, _m, _c = take_message(store=store, channel=Channel.EMAIL, incoming=incoming())
    second, _m, _c = take_message(
        store=store, channel=Channel.EMAIL, incoming=Incoming(text="x", from_email="b@x.io")
    )

    address = addresses.reply_address(first)
    conversation_id, mac = addresses.read_reply_address(address)

    assert address.startswith("reply+") and address.endswith("@in.shop.example")
    assert conversation_id == first.pk and addresses.token_matches(first, mac)
    assert not addresses.token_matches(second, mac)
    assert addresses.read_reply_address(address.replace("in.shop.example", "evil.example")) is None
    assert addresses.inbound_address(store) == f"{store.slug}@in.shop.example"
