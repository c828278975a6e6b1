"""Where webhooks may go: https, public addresses only in production, checked at each connection."""

import pytest

from cxloop.core.errors import InvalidInput
from cxloop.hooks import services
from cxloop.hooks.addresses import is_public, url_problem
from cxloop.hooks.models import WebhookDelivery


@pytest.fixture
def production(settings):
    settings.CXLOOP_WEBHOOKS_ALLOW_PRIVATE = False


@pytest.mark.parametrize(
    "url",
    ["https://hooks.example.com/cxloop", "https://93.184.215.14:8443/in", "https://[2606:4700::1111]/x"],
)
def test_public_https_urls_are_accepted_in_production(production, url):
    assert url_problem(url) is None


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://hooks.example.com/in", "The URL must start with https://."),
        ("http://127.0.0.1:8000/in", "The URL must start with https://."),
        ("ftp://hooks.example.com/in", "The URL must start with https://."),
        ("https://localhost/in", "Webhooks cannot be sent to this server itself."),
        ("https://127.0.0.1/in", "Webhooks cannot be sent to this server itself."),
        ("https://10.0.0.5/in", "Webhooks cannot be sent to a private, loopback or link-local address."),
        (
            "https://169.254.169.254/latest",
            "Webhooks cannot be sent to a private, loopback or link-local address.",
        ),
        (
            "https://[::ffff:192.168.1.1]/in",
            "Webhooks cannot be sent to a private, loopback or link-local address.",
        ),
        ("https://user:pw@hooks.example.com/", "Put no user name or password in the URL."),
        ("https:///nohost", "This is not a URL."),
        ("https://hooks.example.com:99999/", "This is not a URL."),
        ("not a url", "This is not a URL."),
    ],
)
def test_unsafe_or_broken_urls_are_refused_in_production(production, url, problem):
    assert url_problem(url) == problem


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/in", "http://localhost:9000/", "http://[::1]:80/"])
def test_plain_http_to_this_machine_is_allowed_in_development(url):
    assert url_problem(url) is None


def test_plain_http_elsewhere_is_refused_even_in_development():
    assert url_problem("http://192.168.1.10/in") == "The URL must start with https://."


@pytest.mark.parametrize(
    ("address", "public"),
    [("8.8.8.8", True), ("10.1.2.3", False), ("172.16.0.1", False), ("127.0.0.1", False),
     ("169.254.169.254", False), ("100.64.0.1", False), ("224.0.0.1", False), ("0.0.0.0", False),
     ("::1", False), ("fe80::1", False), ("fd00::1", False), ("::ffff:10.0.0.1", False),
     ("2606:4700::1111", True)],
)  # fmt: skip
def test_only_global_unicast_addresses_are_public(address, public):
    assert is_public(address) is public


def test_creating_an_endpoint_with_a_private_url_in_production_names_the_field(production, store):
    with pytest.raises(InvalidInput) as raised:
        services.create_endpoint(store=store, url="https://10.0.0.5/in", events=["ping"])
    assert raised.value.field == "url"


def test_a_host_resolving_to_a_private_address_is_refused_at_delivery(
    settings, store, webhook_receiver, task_worker
):
    # given an endpoint whose name resolves to this machine (allowed when it was made)
    url = webhook_receiver.url.replace("127.0.0.1", "localhost")
    endpoint = services.create_endpoint(store=store, url=url, events=["ping"])
    with task_worker.committing():
        [delivery] = services.publish(store, "ping", {})

    # when the worker delivers in production
    settings.CXLOOP_WEBHOOKS_ALLOW_PRIVATE = False
    assert task_worker.run_ready() == ["pending"]

    # then nothing was sent, and the log says why
    assert webhook_receiver.received == []
    delivery = WebhookDelivery.objects.get(pk=delivery.pk)
    assert delivery.last_error.startswith("Refused: localhost resolves to ")
    assert "private, loopback or link-local" in delivery.last_error
    assert delivery.endpoint == endpoint


def test_the_same_host_is_delivered_to_in_development(store, webhook_receiver, task_worker):
    url = webhook_receiver.url.replace("127.0.0.1", "localhost")
    services.create_endpoint(store=store, url=url, events=["ping"])
    with task_worker.committing():
        services.publish(store, "ping", {})
    assert task_worker.run_ready() == ["delivered"]
