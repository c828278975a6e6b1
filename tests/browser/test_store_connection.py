"""An owner connects the store's Shopify admin on the Integrations page; the token is never shown back."""

import os

import pytest
from playwright.sync_api import Browser, expect

from cxloop.commerce.models import PlatformConnection
from cxloop.core import services as core_services
from cxloop.core.models import Membership
from cxloop.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TOKEN = "shpat_0123456789abcdef9876"


@pytest.fixture
def owner(transactional_db):
    store, _ = core_services.create_store(name="Sklep Ania", currency="PLN", slug="sklep-ania")
    user, _ = core_services.add_staff(
        store=store, email="owner@sklep-ania.test", role=Membership.Role.OWNER, password=PASSWORD
    )
    return user


def test_owner_connects_shopify_and_sees_only_the_end_of_the_token(browser: Browser, live_server, owner):
    page = browser.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(owner.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/integrations/")

    # An address that is not the shop's myshopify.com one is refused by name.
    shopify = page.get_by_role("region", name="Shopify").filter(
        has=page.get_by_label("Admin API access token")
    )
    shopify.get_by_label("Shop address (anna.myshopify.com)").fill("shop.example.com")
    shopify.get_by_label("Admin API access token").fill(TOKEN)
    shopify.get_by_role("button", name="Connect").click()
    expect(page.get_by_text("Enter the shop's myshopify.com address")).to_be_visible()
    assert not PlatformConnection.objects.exists()

    shopify = page.get_by_role("region", name="Shopify").filter(
        has=page.get_by_label("Admin API access token")
    )
    shopify.get_by_label("Shop address (anna.myshopify.com)").fill("anna.myshopify.com")
    shopify.get_by_label("Admin API access token").fill(TOKEN)
    shopify.get_by_role("button", name="Connect").click()

    expect(page.get_by_text("The store connection was saved.")).to_be_visible()
    expect(page.get_by_text("Set, ends in …9876")).to_be_visible()
    assert TOKEN not in page.content()
    assert PlatformConnection.objects.get().access_token == TOKEN
    if shot := os.environ.get("CXLOOP_SCREENSHOT"):
        page.locator("#connections-title").scroll_into_view_if_needed()
        page.screenshot(path=shot, full_page=False)
