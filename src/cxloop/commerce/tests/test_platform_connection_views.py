"""The store admin connection on the Integrations page: owners set it, nobody sees it again."""

import pytest
from django.test import Client
from django.urls import reverse

from cxloop.commerce.models import PlatformConnection
from cxloop.core.models import AuditLog, Membership
from cxloop.testing.fixtures import make_staff

TOKEN = "shpat_0123456789abcdef1234"
URL = reverse("commerce:integrations-connection", args=["shopify"])


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_owner_connects_shopify_and_the_page_shows_only_the_tokens_end(staff_client, store):
    answer = staff_client.post(URL, {"address": "anna.myshopify.com", "access_token": TOKEN})

    assert answer.status_code == 302
    connection = PlatformConnection.objects.get(store=store)
    assert connection.base_url == "https://anna.myshopify.com" and connection.api_version == "2026-10"
    assert connection.access_token == TOKEN
    page = staff_client.get(reverse("commerce:integrations")).content.decode()
    assert "Set, ends in …1234" in page
    assert TOKEN not in page
    audit = AuditLog.objects.get(action=AuditLog.Action.PLATFORM_CONNECTION_SET)
    assert TOKEN not in str(audit.detail) and audit.detail["address"] == "https://anna.myshopify.com"


def test_saving_again_without_a_token_keeps_the_saved_one(staff_client, store):
    staff_client.post(URL, {"address": "anna.myshopify.com", "access_token": TOKEN})

    staff_client.post(URL, {"address": "anna.myshopify.com", "api_version": "2026-07"})

    connection = PlatformConnection.objects.get(store=store)
    assert connection.access_token == TOKEN and connection.api_version == "2026-07"


def test_a_shop_address_that_is_not_myshopify_is_refused_and_nothing_is_saved(staff_client, store):
    answer = staff_client.post(URL, {"address": "https://evil.example.com", "access_token": TOKEN})

    assert answer.status_code == 422
    assert "myshopify.com address" in answer.content.decode()
    assert not PlatformConnection.objects.exists()


def test_plain_http_is_refused_for_a_woocommerce_site(staff_client, store):
    url = reverse("commerce:integrations-connection", args=["woocommerce"])

    answer = staff_client.post(
        url, {"address": "http://shop.example.com", "consumer_key": "ck_1", "consumer_secret": "cs_1"}
    )

    assert answer.status_code == 422
    assert "must start with https://" in answer.content.decode()


def test_woocommerce_keys_are_both_required_the_first_time(staff_client, store):
    url = reverse("commerce:integrations-connection", args=["woocommerce"])

    answer = staff_client.post(url, {"address": "https://shop.example.com", "consumer_key": "ck_1"})

    assert answer.status_code == 422
    assert not PlatformConnection.objects.exists()


def test_admins_see_the_connection_but_cannot_change_it(store):
    admin = make_staff(store, Membership.Role.ADMIN)
    client = signed_in(admin)

    page = client.get(reverse("commerce:integrations")).content.decode()
    answer = client.post(URL, {"address": "anna.myshopify.com", "access_token": TOKEN})

    assert "Only an owner can change this connection." in page
    assert answer.status_code == 403
    assert not PlatformConnection.objects.exists()


def test_agents_cannot_connect(agent_client):
    assert agent_client.post(URL, {"address": "anna.myshopify.com", "access_token": TOKEN}).status_code == 403


def test_an_unknown_platform_is_404(staff_client):
    url = reverse("commerce:integrations-connection", args=["ecwid"])
    assert staff_client.post(url, {"address": "x", "access_token": TOKEN}).status_code == 404


def test_unreadable_credentials_are_told_in_words_and_can_be_set_again(staff_client, store, settings):
    from cryptography.fernet import Fernet

    from cxloop.commerce import actions
    from cxloop.commerce.actions import ActionError

    settings.CXLOOP_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    staff_client.post(URL, {"address": "anna.myshopify.com", "access_token": TOKEN})
    settings.CXLOOP_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]  # the old key was lost

    with pytest.raises(ActionError, match="cannot be read"):
        actions.get_connection(store, "shopify")
    assert staff_client.get(reverse("commerce:integrations")).status_code == 200
    staff_client.post(URL, {"address": "anna.myshopify.com", "access_token": "shpat_new_token_5555"})
    assert actions.get_connection(store, "shopify").access_token == "shpat_new_token_5555"
