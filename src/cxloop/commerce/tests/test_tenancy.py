"""Cross-store sweep: every route that takes an object id answers 404 for
another store's object, for staff pages and for the JSON API alike."""

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from cxloop.api import api
from cxloop.chat.flows import save_flow
from cxloop.chat.models import GuidedFlow
from cxloop.commerce import services
from cxloop.commerce.models import ImportJob, Order
from cxloop.commerce.records import CustomerData, OrderData
from cxloop.core.models import OutboxMessage
from cxloop.core.tests.factories import make_foreign_objects as make_foreign_team_objects
from cxloop.helpcenter.categories import default_category
from cxloop.helpcenter.models import ArticleText, Category
from cxloop.helpcenter.services import save_article, save_text
from cxloop.helpdesk.models import Mailbox
from cxloop.helpdesk.tests.factories import make_foreign_objects as make_foreign_helpdesk_objects
from cxloop.hooks.models import WebhookDelivery, WebhookEndpoint
from cxloop.segments.models import CustomerPrediction
from cxloop.segments.services.segments import create_segment
from cxloop.surveys.tests.factories import make_foreign_objects as make_foreign_survey_objects

ID_PARAMETER = re.compile(r"<(?:int|id):(\w+)>")


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def id_taking_html_routes() -> list[str]:
    return sorted(
        route for route in _walk(get_resolver().url_patterns)
        if ID_PARAMETER.search(route) and not route.startswith("api/")
    )  # fmt: skip


def schema_methods(path: str) -> set[str]:
    """The methods the API declares for a path; the sweep uses one that needs no body."""
    return set(api.get_openapi_schema()["paths"][path])


def id_taking_api_paths() -> list[str]:
    schema = api.get_openapi_schema()
    return sorted(path for path in schema["paths"] if re.search(r"\{\w+_id\}", path))


@pytest.fixture
def foreign_objects(other_store):
    customer, _ = services.upsert_customer(
        store=other_store, platform="shopify",
        data=CustomerData(external_id="b-1", email="canary-b@example.com", first_name="CanaryB"),
    )  # fmt: skip
    order, _ = services.upsert_order(
        store=other_store, platform="shopify",
        data=OrderData(external_id="b-o-1", number="#B1", currency="EUR", total=Decimal("10"),
                       created_at=timezone.now(), email="canary-b@example.com"),
    )  # fmt: skip
    job = ImportJob.objects.create(
        store=other_store, kind="shopify_orders", file_name="orders_export.csv", created_at=timezone.now()
    )
    surveys = make_foreign_survey_objects(other_store)
    team = make_foreign_team_objects(other_store)
    # The development outbox belongs to no store; it is off here, so its pages are a 404 for everyone.
    kept = OutboxMessage.objects.create(from_email="shop@example.com", to="canary-b@example.com", subject="B")
    endpoint = WebhookEndpoint.objects.create(
        store=other_store, url="https://hooks.example.com/cxloop", events=["ping"]
    )
    delivery = WebhookDelivery.objects.create(store=other_store, endpoint=endpoint, event="ping")
    mailbox = Mailbox.objects.create(
        store=other_store, address="help@other.test", host="imap.other.test", username="u", password="p"
    )
    helpdesk = make_foreign_helpdesk_objects(other_store)
    CustomerPrediction.objects.create(
        store=other_store, customer=customer, rfm_group="CHAMPIONS", computed_at=timezone.now()
    )
    segment = create_segment(store=other_store, name="Canary segment", query="amount_spent >= 0")
    category = default_category(other_store, "other")
    article = save_article(
        store=other_store, fields={"slug": "canary", "category": category, "published": "on"}
    )
    save_text(article=article, language="en", title="Canary article", body="canary")
    flow = save_flow(store=other_store, fields={"label_en": "Canary flow"})
    return {**surveys, **team, **helpdesk, "customer_id": customer.pk, "order_id": order.pk, "job_id": job.pk,
            "store_id": other_store.pk, "message_id": kept.pk, "endpoint_id": endpoint.pk,
            "delivery_id": delivery.pk, "mailbox_id": mailbox.pk, "segment_id": segment.pk,
            "article_id": article.pk, "category_id": category.pk, "flow_id": flow.pk}  # fmt: skip


def fill(route: str, ids: dict) -> str:
    def replace(match):
        name = match.group(1)
        assert name in ids, f"the sweep does not know how to fill <{name}> in {route}"
        return str(ids[name])

    return "/" + ID_PARAMETER.sub(replace, route)


def test_the_sweep_covers_the_api_routes():
    assert {"/api/v1/customers/{customer_id}", "/api/v1/orders/{order_id}"} <= set(id_taking_api_paths())  # noqa: E501
    assert {
        "/api/v1/stores/{store_id}/members/{member_id}", "/api/v1/stores/{store_id}/api-keys/{key_id}/rotate",
    } <= set(id_taking_api_paths())  # fmt: skip


def test_every_staff_page_with_an_id_answers_404_for_another_store(staff_client, foreign_objects):
    for route in id_taking_html_routes():
        url = fill(route, foreign_objects)
        for method in ("get", "post"):
            response = getattr(staff_client, method)(url)
            assert response.status_code == 404, f"{method.upper()} {url} -> {response.status_code}"


def test_every_api_path_with_an_id_answers_404_for_another_store(api_client, staff_client, foreign_objects):
    for path in id_taking_api_paths():
        url = re.sub(r"\{(\w+)\}", lambda m: str(foreign_objects[m.group(1)]), path)
        # The team API acts for a signed-in person; the rest takes a store API key.
        client = staff_client if path.startswith("/api/v1/stores/") else api_client
        method = next(m for m in ("get", "delete", "post") if m in schema_methods(path))
        response = getattr(client, method)(url)
        assert response.status_code == 404, f"{method.upper()} {url} -> {response.status_code}"


def test_lists_never_show_another_stores_rows(api_client, staff_client, foreign_objects):
    for url in ("/api/v1/customers", "/api/v1/orders", "/api/v1/events", "/api/v1/conversations"):
        assert "canary" not in api_client.get(url).content.decode().lower()
    for route in ("customers/", "orders/", ""):
        response = Client.get(staff_client, "/" + route)
        if response.status_code == 200:
            assert "canary" not in response.content.decode().lower()


def test_the_sweep_covers_the_import_pages():
    assert {"import/<id:job_id>/", "import/<id:job_id>/resume/"} <= set(id_taking_html_routes())


def test_foreign_order_is_unchanged_after_the_sweep(staff_client, foreign_objects):
    before = Order.objects.values().get(pk=foreign_objects["order_id"])
    job_before = ImportJob.objects.values().get(pk=foreign_objects["job_id"])
    for route in id_taking_html_routes():
        staff_client.post(fill(route, foreign_objects))

    assert Order.objects.values().get(pk=foreign_objects["order_id"]) == before
    assert ImportJob.objects.values().get(pk=foreign_objects["job_id"]) == job_before
    kept = ArticleText.objects.filter(article_id=foreign_objects["article_id"], title="Canary article")
    assert kept.exists()
    assert GuidedFlow.objects.filter(pk=foreign_objects["flow_id"]).exists()  # its delete is a 404
    assert Category.objects.filter(pk=foreign_objects["category_id"]).exists()  # so is its delete
