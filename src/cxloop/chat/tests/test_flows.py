"""Guided flows: the owner sets them, the widget offers them, a request reaches the inbox tagged."""

import json

import pytest
from django.urls import reverse

from cxloop.chat import flows
from cxloop.chat.models import GuidedFlow
from cxloop.core.errors import InvalidInput
from cxloop.helpcenter import services as helpcenter
from cxloop.helpcenter.categories import default_category
from cxloop.helpdesk.models import Conversation

pytestmark = pytest.mark.django_db


def post(client, store, name, data, token=""):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post(
        reverse(f"chat:{name}", args=[store.slug]),
        json.dumps(data),
        content_type="application/json",
        headers=headers,
    )


@pytest.fixture(autouse=True)
def polish_store(store):
    store.default_language = "pl"
    store.save()


@pytest.fixture
def returns(store):
    article = helpcenter.save_article(
        store=store,
        fields={"slug": "returns", "category": default_category(store, "returns"), "published": "on"},
    )
    helpcenter.save_text(article=article, language="pl", title="Zwroty", body="30 dni na zwrot.")
    helpcenter.save_text(article=article, language="en", title="Returns", body="30 days to return.")
    return article


def test_the_owner_adds_a_flow_and_the_widget_offers_it_in_the_visitors_language(
    staff_client, client, store, returns
):
    response = staff_client.post(reverse("chat-staff:settings"), {
        "label_en": "Returns", "label_pl": "Zwroty", "article": str(returns.pk), "ask_order": "on",
        "tag": "return", "position": "1", "enabled": "on",
    })  # fmt: skip
    assert response.status_code == 302

    started = post(client, store, "start", {"lang": "pl"}).json()

    [offered] = started["flows"]
    assert offered["label"] == "Zwroty" and offered["ask_order"] is True
    assert offered["article"]["title"] == "Zwroty" and offered["article"]["url"].endswith("/returns/?lang=pl")


def test_a_flows_request_becomes_the_visitors_message_with_the_tag(client, store, returns):
    flow = flows.save_flow(
        store=store,
        fields={"label_pl": "Zwroty", "article": str(returns.pk), "ask_order": "on", "tag": "return"},
    )
    token = post(client, store, "start", {"lang": "pl"}).json()["token"]

    missing = post(client, store, "flow", {"flow_id": flow.pk, "text": "x", "client_id": "f1"}, token)
    sent = post(client, store, "flow", {"flow_id": flow.pk, "order_number": "#1001", "text": "Za małe",
                                        "client_id": "f2"}, token)  # fmt: skip
    again = post(client, store, "flow", {"flow_id": flow.pk, "order_number": "#1001", "text": "Za małe",
                                         "client_id": "f2"}, token)  # fmt: skip

    assert missing.status_code == 422 and missing.json()["field"] == "order_number"
    assert sent.status_code == 201 and again.status_code == 200
    conversation = Conversation.objects.get(store=store)
    assert list(conversation.tags.values_list("name", flat=True)) == ["return"]
    text = conversation.messages.get().text
    assert text.startswith("Zwroty\n") and "#1001" in text and text.endswith("\n\nZa małe")


def test_another_stores_or_a_disabled_flow_is_404(client, store, other_store):
    theirs = flows.save_flow(store=other_store, fields={"label_en": "Returns", "label_pl": "Zwroty"})
    off = flows.save_flow(store=store, fields={"label_pl": "Zwroty", "enabled": ""})
    token = post(client, store, "start", {"lang": "pl"}).json()["token"]
    for flow in (theirs, off):
        response = post(
            client,
            store,
            "flow",
            {"flow_id": flow.pk, "order_number": "1", "client_id": f"x{flow.pk}"},
            token,
        )
        assert response.status_code == 404
    assert Conversation.objects.count() == 0


def test_bad_flows_are_refused_naming_the_field(store, other_store):
    cases = [
        ({"label_en": "Returns"}, "label_pl"),  # the store's language (pl) is required
        ({"label_pl": "x" * 61}, "label_pl"),
        ({"label_pl": "Zwroty", "article": "999999"}, "article"),
        ({"label_pl": "Zwroty", "position": "-1"}, "position"),
        ({"label_pl": "evil \u202e"}, "label_pl"),
    ]
    for fields, field in cases:
        with pytest.raises(InvalidInput) as raised:
            flows.save_flow(store=store, fields=fields)
        assert raised.value.field == field
    assert GuidedFlow.objects.count() == 0


def test_agents_see_the_chat_page_but_change_nothing(agent_client, store):
    page = agent_client.get(reverse("chat-staff:settings"))
    assert page.status_code == 200 and "data-store=&quot;" + store.slug in page.content.decode()
    assert agent_client.post(reverse("chat-staff:settings"), {"label_pl": "Zwroty"}).status_code == 403
    assert GuidedFlow.objects.count() == 0
