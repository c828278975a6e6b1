"""The webhooks page: owners and admins only, store-scoped, the secret shown once, the log escaped."""

import pytest
from django.urls import reverse

from cxloop.core.models import Membership
from cxloop.hooks import services
from cxloop.hooks.models import WebhookDelivery, WebhookEndpoint
from cxloop.testing.fixtures import make_staff

LIST = reverse("hooks:endpoint-list")


def detail(endpoint):
    return reverse("hooks:endpoint-detail", args=[endpoint.pk])


@pytest.fixture
def endpoint(store):
    return services.create_endpoint(store=store, url="https://hooks.example.com/in", events=["ping"])


def test_the_navigation_links_the_webhooks_page_for_owners(staff_client):
    page = staff_client.get(reverse("web:overview")).content.decode()
    assert f'href="{LIST}"' in page


def test_adding_an_endpoint_shows_its_secret_once(staff_client, store):
    response = staff_client.post(
        LIST, {"url": "https://hooks.example.com/in", "description": "ERP", "events": ["ping"]}
    )
    assert response.status_code == 201
    endpoint = WebhookEndpoint.objects.get(store=store)
    page = response.content.decode()
    assert endpoint.secret in page
    assert "data-copy-target" in page
    assert (endpoint.url, endpoint.description, endpoint.events) == (
        "https://hooks.example.com/in",
        "ERP",
        ["ping"],
    )
    # and never again
    assert endpoint.secret not in staff_client.get(LIST).content.decode()
    assert endpoint.secret not in staff_client.get(detail(endpoint)).content.decode()


def test_a_bad_url_is_refused_with_the_form_kept_and_nothing_saved(staff_client, settings):
    settings.CXLOOP_WEBHOOKS_ALLOW_PRIVATE = False
    response = staff_client.post(LIST, {"url": "https://10.0.0.1/in", "events": ["ping"]})
    assert response.status_code == 422
    page = response.content.decode()
    assert "Webhooks cannot be sent to a private, loopback or link-local address." in page
    assert 'value="https://10.0.0.1/in"' in page
    assert WebhookEndpoint.objects.count() == 0


def test_no_event_chosen_is_refused(staff_client):
    response = staff_client.post(LIST, {"url": "https://hooks.example.com/in"})
    assert response.status_code == 422
    assert "Choose at least one event." in response.content.decode()


def test_an_admin_may_use_the_page(store):
    from django.test import Client

    client = Client()
    client.force_login(make_staff(store, Membership.Role.ADMIN))
    assert client.get(LIST).status_code == 200


def test_agents_get_403_on_every_webhooks_page(agent_client, endpoint, task_worker):
    delivery = services.send_test_event(endpoint=endpoint)
    assert agent_client.get(LIST).status_code == 403
    assert agent_client.post(LIST, {"url": "https://x.example/", "events": ["ping"]}).status_code == 403
    assert agent_client.get(detail(endpoint)).status_code == 403
    for name in ("endpoint-rotate", "endpoint-active", "endpoint-test", "endpoint-delete"):
        assert agent_client.post(reverse(f"hooks:{name}", args=[endpoint.pk])).status_code == 403
    assert agent_client.post(reverse("hooks:delivery-redeliver", args=[delivery.pk])).status_code == 403
    assert WebhookEndpoint.objects.count() == 1
    assert f'href="{LIST}"' not in agent_client.get(reverse("web:overview")).content.decode()


def test_another_stores_endpoint_and_delivery_are_404(staff_client, other_store):
    theirs = services.create_endpoint(store=other_store, url="https://x.example/", events=["ping"])
    delivery = services.send_test_event(endpoint=theirs)
    assert staff_client.get(detail(theirs)).status_code == 404
    for name in ("endpoint-rotate", "endpoint-active", "endpoint-test", "endpoint-delete"):
        assert staff_client.post(reverse(f"hooks:{name}", args=[theirs.pk])).status_code == 404
    assert staff_client.post(reverse("hooks:delivery-redeliver", args=[delivery.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.active
    assert WebhookDelivery.objects.get(pk=delivery.pk).attempts == 0


def test_rotating_shows_a_new_secret(staff_client, endpoint):
    old = endpoint.secret
    response = staff_client.post(reverse("hooks:endpoint-rotate", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint.secret != old
    assert endpoint.secret in response.content.decode()


def test_disabling_and_enabling(staff_client, endpoint):
    staff_client.post(reverse("hooks:endpoint-active", args=[endpoint.pk]), {"active": "0"})
    endpoint.refresh_from_db()
    assert not endpoint.active
    staff_client.post(reverse("hooks:endpoint-active", args=[endpoint.pk]), {"active": "1"})
    endpoint.refresh_from_db()
    assert endpoint.active


def test_send_test_event_queues_a_ping_shown_in_the_log(staff_client, endpoint, task_worker):
    with task_worker.committing():
        response = staff_client.post(reverse("hooks:endpoint-test", args=[endpoint.pk]), follow=True)
    [delivery] = WebhookDelivery.objects.filter(endpoint=endpoint)
    assert delivery.event == "ping"
    assert len(task_worker.ready("cxloop.hooks.tasks.deliver_webhook_task")) == 1
    assert str(delivery.event_id) in response.content.decode()


def test_the_log_shows_payload_and_answer_as_escaped_text(staff_client, store, endpoint):
    services.publish(store, "ping", {"note": "<script>alert(1)</script>"})
    WebhookDelivery.objects.update(
        status="pending", attempts=1, last_status_code=500, response_excerpt="<img src=x onerror=alert(2)>",
        last_error="The receiver answered HTTP 500.",
    )  # fmt: skip
    page = staff_client.get(detail(endpoint)).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page
    assert "The receiver answered HTTP 500." in page


def test_the_log_is_paged_newest_first(staff_client, store, endpoint, django_assert_max_num_queries):
    for n in range(30):
        services.publish(store, "ping", {"n": n})
    newest = WebhookDelivery.objects.order_by("-pk").first()
    oldest = WebhookDelivery.objects.order_by("pk").first()
    with django_assert_max_num_queries(12):
        first_page = staff_client.get(detail(endpoint)).content.decode()
    assert str(newest.event_id) in first_page
    assert str(oldest.event_id) not in first_page
    assert str(oldest.event_id) in staff_client.get(detail(endpoint) + "?page=2").content.decode()


def test_redeliver_queues_the_same_delivery_again(staff_client, endpoint, task_worker):
    delivery = services.send_test_event(endpoint=endpoint)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="failed", attempts=8, next_attempt_at=None)
    with task_worker.committing():
        staff_client.post(reverse("hooks:delivery-redeliver", args=[delivery.pk]))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 0)
    assert len(task_worker.ready("cxloop.hooks.tasks.deliver_webhook_task")) == 1


def test_deleting_an_endpoint(staff_client, endpoint):
    response = staff_client.post(reverse("hooks:endpoint-delete", args=[endpoint.pk]))
    assert response.status_code == 302
    assert not WebhookEndpoint.objects.exists()
