"""The widget's self-service endpoints: suggested articles, the order's status, and the preview page."""

import json
import time

import pytest
from django.core.cache import cache
from django.urls import reverse

from cxloop.chat.models import Deflection
from cxloop.commerce.models import Order
from cxloop.helpcenter import services as helpcenter
from cxloop.helpcenter.categories import default_category

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def post(client, store, name, data, token=""):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post(
        reverse(f"chat:{name}", args=[store.slug]),
        json.dumps(data),
        content_type="application/json",
        headers=headers,
    )


def token_for(client, store, lang="pl"):
    return post(client, store, "start", {"lang": lang}).json()["token"]


def article(store, slug, texts, published=True):
    found = helpcenter.save_article(
        store=store,
        fields={"slug": slug, "category": default_category(store, "other"), "published": published},
    )
    for language, (title, body) in texts.items():
        helpcenter.save_text(article=found, language=language, title=title, body=body)
    return found


def test_a_question_gets_the_best_articles_in_the_visitors_language_and_a_deflection_is_counted(
    client, store
):
    returns = article(store, "returns", {
        "pl": ("Zwroty", "Masz 30 dni na zwrot butów bez podania przyczyny."),
        "en": ("Returns", "You have 30 days to return shoes."),
    })  # fmt: skip
    article(store, "shipping", {"pl": ("Dostawa", "Wysyłamy kurierem w 2 dni.")})
    article(store, "draft", {"pl": ("Zwrot szkic", "zwrot butów")}, published=False)
    token = token_for(client, store, "pl")

    found = post(client, store, "suggest", {"q": "Jak zrobić zwrot butów?"}, token).json()["articles"]

    assert [a["id"] for a in found] == [returns.pk]  # the draft is never offered, nor a non-matching one
    assert found[0]["title"] == "Zwroty" and "lang=pl" in found[0]["url"]
    assert post(client, store, "deflected", {"article_id": returns.pk}, token).status_code == 200
    assert Deflection.objects.get().article == returns
    assert post(client, store, "deflected", {"article_id": "1"}, token).status_code == 422
    assert post(client, store, "suggest", {"q": "xyzzy"}, token).json()["articles"] == []


def test_anothers_stores_article_is_neither_offered_nor_counted(client, store, other_store):
    theirs = article(other_store, "returns", {"pl": ("Zwroty", "zwrot butów")})
    token = token_for(client, store)
    assert post(client, store, "suggest", {"q": "zwrot butów"}, token).json()["articles"] == []
    assert post(client, store, "deflected", {"article_id": theirs.pk}, token).status_code == 422
    assert Deflection.objects.count() == 0


def test_the_order_status_answers_the_same_404_for_a_wrong_email_and_no_order(client, store):
    from django.utils import timezone

    Order.objects.create(
        store=store, platform="shopify", external_id="1", number="#1001", email="ania@example.pl",
        currency="PLN", total="10.00", created_at=timezone.now(),
    )  # fmt: skip
    token = token_for(client, store, "zh-hans")

    right = post(client, store, "order", {"number": "１００１", "email": "ANIA@example.pl"}, token)
    wrong = post(client, store, "order", {"number": "1001", "email": "eve@example.pl"}, token)
    none = post(client, store, "order", {"number": "9999", "email": "ania@example.pl"}, token)

    assert right.status_code == 200 and right.json()["order"]["number"] == "#1001"
    assert wrong.status_code == none.status_code == 404
    assert wrong.json() == none.json()
    assert post(client, store, "order", {"number": "1001", "email": "ania@example.pl"}).status_code == 401


def test_order_lookups_from_one_address_are_limited_with_a_retry_after(client, store):
    token = token_for(client, store)
    answers = [
        post(client, store, "order", {"number": str(n), "email": "a@example.pl"}, token) for n in range(12)
    ]
    assert answers[0].status_code == 404 and answers[-1].status_code == 429
    assert int(answers[-1]["Retry-After"]) > 0 and answers[-1].json()["error"] == "rate_limited"


def test_a_long_poll_waits_and_answers_empty_when_nothing_comes(client, store):
    token = token_for(client, store)
    url = reverse("chat:messages", args=[store.slug])
    began = time.monotonic()
    response = client.get(url, {"after": 0, "wait": 1}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.json() == {"messages": []}
    assert time.monotonic() - began >= 0.9  # it waited (behaviour, not speed)
    bad = client.get(url, {"after": "-1"}, headers={"Authorization": f"Bearer {token}"})
    assert bad.status_code == 422 and bad.json()["field"] == "after"


def test_the_preview_page_loads_the_widget_in_the_chosen_language(client, store):
    html = client.get(reverse("chat:preview", args=[store.slug]), {"lang": "fa"}).content.decode()
    assert 'lang="fa" dir="rtl"' in html and "chat/widget.js" in html and f'data-store="{store.slug}"' in html
    assert client.get(reverse("chat:preview", args=["nope"])).status_code == 404


def test_the_chat_page_counts_questions_offered_articles_answered_and_handed_over(
    client, staff_client, store
):
    article(store, "returns", {"pl": ("Zwroty", "Masz 30 dni na zwrot butów.")})
    answered, handed = token_for(client, store), token_for(client, store)
    for token in (answered, handed):
        [found] = post(client, store, "suggest", {"q": "zwrot butów"}, token).json()["articles"]
    post(client, store, "deflected", {"article_id": found["id"]}, answered)
    post(client, store, "messages", {"text": "Jednak pytanie", "client_id": "1"}, handed)
    post(client, store, "suggest", {"q": "zwrot butów"}, handed)  # offered again: still one visitor

    html = staff_client.get(reverse("chat-staff:settings")).content.decode()

    assert '<p class="kpi__value">2</p>' in html
    assert html.count("50%") == 2  # one of two answered by an article, one of two wrote to a person
