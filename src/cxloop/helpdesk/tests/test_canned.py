"""Canned replies: variables filled from the store mirror as plain text, never evaluated; their pages."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cxloop.commerce import services as commerce_services
from cxloop.commerce.models import Order
from cxloop.commerce.records import CustomerData, FulfilmentData, OrderData
from cxloop.core.errors import InvalidInput
from cxloop.helpdesk.models import CannedReply
from cxloop.helpdesk.services.canned import VARIABLES, render_canned, render_text, save_canned

from .factories import open_conversation

pytestmark = pytest.mark.django_db

EVERY_VARIABLE = "\n".join(f"{name}={{{{ {name} }}}}" for name in VARIABLES)


def make_customer(store, *, first_name="Ania", last_name="Nowak", email="ania@example.pl"):
    customer, _created = commerce_services.upsert_customer(
        store=store, platform="shopify",
        data=CustomerData(external_id=f"c-{email}", email=email, first_name=first_name, last_name=last_name),
    )  # fmt: skip
    return customer


def make_order(
    store, number, *, email="ania@example.pl", days_ago=0, fulfillment="unfulfilled", shipments=None
):
    order, _created = commerce_services.upsert_order(
        store=store, platform="shopify",
        data=OrderData(external_id=f"o-{number}", number=number, currency="PLN", total=Decimal("120"),
                       created_at=timezone.now() - timedelta(days=days_ago), email=email,
                       fulfillment_status=fulfillment, fulfilments=shipments),
    )  # fmt: skip
    return order


def shipment(external_id, *, days_ago, number="", url="", status="shipped") -> FulfilmentData:
    return FulfilmentData(
        external_id, status=status, carrier="InPost", tracking_number=number, tracking_url=url,
        shipped_at=timezone.now() - timedelta(days=days_ago),
    )  # fmt: skip


def canned(store, body, **fields) -> CannedReply:
    return CannedReply.objects.create(store=store, title=fields.pop("title", "Reply"), body=body, **fields)


def values(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines())


def test_every_variable_is_filled_from_the_customer_their_latest_order_the_agent_and_the_store(store, agent):
    # given
    make_customer(store)
    make_order(store, "#1001", days_ago=10)
    make_order(
        store, "#1002", days_ago=1, fulfillment="fulfilled",
        shipments=[shipment("f-1", days_ago=1, number="620000098765432109876543",
                            url="https://inpost.pl/sledzenie-przesylek?number=620000098765432109876543")],
    )  # fmt: skip
    agent.first_name = "Bartek"
    agent.save(update_fields=["first_name"])
    conversation, _message = open_conversation(store, from_email="ania@example.pl")

    # when
    text, missing = render_canned(canned(store, EVERY_VARIABLE), conversation, agent)

    # then
    assert values(text) == {
        "customer.first_name": "Ania", "customer.last_name": "Nowak", "customer.email": "ania@example.pl",
        "order.name": "#1002",
        "order.tracking_url": "https://inpost.pl/sledzenie-przesylek?number=620000098765432109876543",
        "order.tracking_number": "620000098765432109876543", "order.status": "Fulfilled",
        "agent.first_name": "Bartek", "store.name": "Sklep Ania",
    }  # fmt: skip
    assert missing == []


def test_tracking_comes_from_the_latest_orders_latest_shipment_with_tracking_not_a_cancelled_one(
    store, agent
):
    # given the latest order shipped twice, the newest shipment cancelled, and an older order shipped later
    make_customer(store)
    make_order(store, "#1001", days_ago=10, shipments=[shipment("a", days_ago=0, number="OLDER-ORDER")])
    make_order(
        store, "#1002", days_ago=2,
        shipments=[
            shipment("b", days_ago=2, number="FIRST", url="https://track.example/FIRST"),
            shipment("c", days_ago=1, number="SECOND", url="https://track.example/SECOND"),
            shipment("d", days_ago=0, number="VOID", url="https://track.example/VOID", status="cancelled"),
            shipment("e", days_ago=0),  # no tracking at all
        ],
    )  # fmt: skip
    conversation, _message = open_conversation(store, from_email="ania@example.pl")

    # when
    text, missing = render_text(
        "{{ order.tracking_number }} {{ order.tracking_url }}", conversation=conversation, agent=agent
    )

    # then number and link come from the same, latest live shipment
    assert (text, missing) == ("SECOND https://track.example/SECOND", [])


def test_a_shipment_without_a_link_fills_the_number_and_warns_about_the_link(store, agent):
    make_customer(store)
    make_order(store, "#1002", shipments=[shipment("b", days_ago=0, number="JD014600006281230704")])
    conversation, _message = open_conversation(store, from_email="ania@example.pl")

    text, missing = render_text(
        "{{ order.tracking_number }}|{{ order.tracking_url }}", conversation=conversation, agent=agent
    )

    assert (text, missing) == ("JD014600006281230704|", ["order.tracking_url"])


def test_an_order_not_yet_shipped_leaves_both_tracking_variables_missing(store, agent):
    make_customer(store)
    make_order(store, "#1001", days_ago=5, shipments=[shipment("a", days_ago=4, number="EARLIER")])
    make_order(store, "#1002", days_ago=1)
    conversation, _message = open_conversation(store, from_email="ania@example.pl")

    text, missing = render_text(
        "{{ order.tracking_number }}{{ order.tracking_url }}", conversation=conversation, agent=agent
    )

    assert (text, missing) == ("", ["order.tracking_number", "order.tracking_url"])


def test_a_cancelled_order_says_cancelled(store, agent):
    make_customer(store)
    order = make_order(store, "#7")
    Order.objects.filter(pk=order.pk).update(cancelled_at=timezone.now())
    conversation, _message = open_conversation(store, from_email="ania@example.pl")

    text, _missing = render_text("{{ order.status }}", conversation=conversation, agent=agent)

    assert text == "Cancelled"


def test_the_status_is_written_in_the_canned_replys_language(store, agent):
    make_customer(store)
    make_order(store, "#7", fulfillment="fulfilled")
    conversation, _message = open_conversation(store, from_email="ania@example.pl")

    text, _missing = render_canned(canned(store, "{{order.status}}", language="pl"), conversation, agent)

    assert text == "Zrealizowano"


def test_without_a_customer_record_names_come_from_the_sender_and_order_values_are_missing(store, agent):
    conversation, _message = open_conversation(
        store, from_email="zofia@example.pl", from_name="Zofia Wiśniewska"
    )

    text, missing = render_canned(canned(store, EVERY_VARIABLE), conversation, agent)

    assert values(text)["customer.first_name"] == "Zofia"
    assert values(text)["customer.last_name"] == "Wiśniewska"
    assert values(text)["customer.email"] == "zofia@example.pl"
    assert missing == [
        "order.name", "order.tracking_url", "order.tracking_number", "order.status", "agent.first_name",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "hostile",
    [
        "{% debug %}",
        "{{ store.secret }}",
        "{{ customer.email }}",
        "{% load log %}{% get_admin_log 10 as log %}",
        "{{ request.user.password }}",
        "<script>alert(1)</script>",
    ],
)
def test_a_customers_data_is_inserted_as_literal_text_and_never_evaluated(store, agent, hostile):
    make_customer(store, first_name=hostile, last_name="{{ customer.last_name }}")
    conversation, _message = open_conversation(store, from_email="ania@example.pl")

    text, missing = render_canned(
        canned(store, "Hi {{ customer.first_name }}, {{customer.last_name}}!"), conversation, agent
    )

    assert text == f"Hi {hostile}, {{{{ customer.last_name }}}}!"
    assert missing == []


def test_template_code_in_the_canned_reply_itself_stays_literal(store, agent):
    conversation, _message = open_conversation(store)
    body = "{% debug %} {{ customer.first_name }} {% if 1 %}yes{% endif %}"

    text, _missing = render_text(body, conversation=conversation, agent=agent)

    assert text == "{% debug %} Ania {% if 1 %}yes{% endif %}"


@pytest.mark.parametrize(
    "body, named",
    [
        ("Hi {{ customer.firstname }}", "{{ customer.firstname }}"),
        ("{{ store.secret }}", "{{ store.secret }}"),
        ("{{ customer.first_name|upper }}", "{{ customer.first_name|upper }}"),
        ("{{ settings.SECRET_KEY }}", "{{ settings.SECRET_KEY }}"),
        ("{{}}", "{{}}"),
    ],
)
def test_saving_refuses_an_unknown_variable_and_names_it(store, owner, body, named):
    with pytest.raises(InvalidInput) as refused:
        save_canned(store=store, fields={"title": "Hello", "body": body}, actor=owner)

    assert refused.value.field == "body"
    assert named in refused.value.message and "customer.first_name" in refused.value.message
    assert not CannedReply.objects.exists()


def test_saving_refuses_a_title_the_store_already_uses_whatever_its_case(store, other_store, owner):
    save_canned(store=store, fields={"title": "Refund sent", "body": "Done."}, actor=owner)
    save_canned(store=other_store, fields={"title": "Refund sent", "body": "Done."}, actor=owner)

    with pytest.raises(InvalidInput) as refused:
        save_canned(store=store, fields={"title": "refund SENT", "body": "Again."}, actor=owner)

    assert refused.value.field == "title"
    assert CannedReply.objects.filter(store=store).count() == 1


def test_saving_keeps_the_fields_and_who_made_it(store, owner):
    fields = {"title": "  Where is it ", "body": "Hi {{ customer.first_name }}\r\n", "language": "pl",
              "shortcut": "where"}  # fmt: skip

    saved = save_canned(store=store, fields=fields, actor=owner)

    assert (saved.title, saved.body, saved.language, saved.shortcut) == (
        "Where is it", "Hi {{ customer.first_name }}", "pl", "where",
    )  # fmt: skip
    assert saved.created_by == owner


# The pages


def test_an_admin_adds_a_canned_reply_and_an_agent_only_reads_the_list(store, staff_client, agent_client):
    url = reverse("helpdesk:canned-list")
    fields = {"title": "Thanks", "body": "Thank you, {{ customer.first_name }}!"}

    refused = agent_client.post(url, fields)
    added = staff_client.post(url, fields)
    listed = agent_client.get(url)

    assert refused.status_code == 403
    assert added.status_code == 302
    assert CannedReply.objects.get(store=store).body == "Thank you, {{ customer.first_name }}!"
    assert listed.status_code == 200 and "Thanks" in listed.content.decode()
    assert 'name="body"' not in listed.content.decode()  # no form for agents


def test_the_page_names_the_unknown_variable(store, staff_client):
    response = staff_client.post(
        reverse("helpdesk:canned-list"), {"title": "Bad", "body": "{{ store.owner }}"}
    )

    assert response.status_code == 422
    assert "Unknown variable “{{ store.owner }}”" in response.content.decode()


def test_only_admins_change_or_delete_a_canned_reply(store, staff_client, agent_client):
    reply = canned(store, "Old", title="Old title")
    detail = reverse("helpdesk:canned-detail", args=[reply.pk])
    delete = reverse("helpdesk:canned-delete", args=[reply.pk])

    assert agent_client.get(detail).status_code == 403
    assert agent_client.post(detail, {"title": "X", "body": "Y"}).status_code == 403
    assert agent_client.post(delete).status_code == 403
    assert staff_client.post(detail, {"title": "New title", "body": "New"}).status_code == 302
    reply.refresh_from_db()
    assert (reply.title, reply.body) == ("New title", "New")
    assert staff_client.get(delete).status_code == 405
    assert staff_client.post(delete).status_code == 302
    assert not CannedReply.objects.exists()


def test_the_picker_gets_the_text_filled_for_the_conversation_with_a_warning_for_missing_values(
    store, agent_client
):
    conversation, _message = open_conversation(store, from_name="Ania Nowak")
    reply = canned(store, "Hi {{ customer.first_name }}, order {{ order.name }}.")

    response = agent_client.get(reverse("helpdesk:canned-render", args=[conversation.pk, reply.pk]))

    assert response.status_code == 200
    assert response.json()["text"] == "Hi Ania, order ."
    assert response.json()["missing"] == ["order.name"]
    assert "order.name" in response.json()["warning"]


def test_the_picker_is_404_for_another_stores_canned_reply_or_conversation(store, other_store, agent_client):
    ours, _message = open_conversation(store)
    theirs, _message = open_conversation(other_store)
    their_reply = canned(other_store, "Secret words of another store")
    our_reply = canned(store, "Ours")

    assert (
        agent_client.get(reverse("helpdesk:canned-render", args=[ours.pk, their_reply.pk])).status_code == 404
    )
    assert (
        agent_client.get(reverse("helpdesk:canned-render", args=[theirs.pk, our_reply.pk])).status_code == 404
    )


def test_another_stores_canned_reply_pages_are_404(other_store, staff_client):
    theirs = canned(other_store, "Theirs")
    for name in ("helpdesk:canned-detail", "helpdesk:canned-delete"):
        assert staff_client.post(reverse(name, args=[theirs.pk])).status_code == 404
    assert CannedReply.objects.filter(pk=theirs.pk).exists()


def test_the_conversation_page_offers_the_picker_with_its_shortcut(store, agent_client):
    conversation, _message = open_conversation(store)
    canned(store, "Hello", title="Greeting")

    page = agent_client.get(reverse("helpdesk:conversation", args=[conversation.pk])).content.decode()

    assert "data-canned-picker" in page and 'data-shortcut="c"' in page
    assert reverse("helpdesk:canned-render", args=[conversation.pk, CannedReply.objects.get().pk]) in page
