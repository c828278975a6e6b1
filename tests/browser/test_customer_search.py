"""A staff member finds a customer by their Persian name and sees their orders."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cxloop.commerce.records import CustomerData, LineData, OrderData
from cxloop.commerce.services import upsert_customer, upsert_order
from cxloop.core import services as core_services
from cxloop.core.models import Membership, Platform
from cxloop.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(transactional_db):
    store, _ = core_services.create_store(name="Sklep Ania", currency="PLN", slug="sklep-ania")
    user, _ = core_services.add_staff(
        store=store, email="owner@sklep-ania.test", role=Membership.Role.OWNER, password=PASSWORD
    )
    upsert_customer(
        store=store,
        platform=Platform.SHOPIFY,
        data=CustomerData(email="anna@example.pl", first_name="Anna", last_name="Kowalska"),
    )
    upsert_order(
        store=store,
        platform=Platform.SHOPIFY,
        data=OrderData(
            external_id="5001",
            number="#5001",
            currency="PLN",
            total=Decimal("240.00"),
            subtotal=Decimal("240.00"),
            created_at=timezone.now() - timedelta(days=3),
            email="zahra@example.ir",
            customer=CustomerData(
                external_id="77", email="zahra@example.ir", first_name="زهرا", last_name="رضایی"
            ),
            financial_status="paid",
            lines=[LineData(title="Linen shirt", quantity=2, price=Decimal("120.00"))],
        ),
    )
    return store, user


def test_staff_finds_a_persian_customer_and_sees_their_orders(page: Page, live_server, shop):
    _, user = shop
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    # Sign in through the form.
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()

    # Search as you type, in Persian.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Customers").click()
    results = page.get_by_role("region", name="Customers")
    expect(results.get_by_role("link", name="Anna Kowalska")).to_be_visible()
    page.get_by_label("Search customers").press_sequentially("رضا")
    expect(results.get_by_role("link", name="Anna Kowalska")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"q=%D8%B1%D8%B6%D8%A7"))

    # Open the customer and find the order on their timeline.
    results.get_by_role("link", name="زهرا رضایی").click()
    expect(page.get_by_role("heading", name="زهرا رضایی")).to_be_visible()
    timeline = page.get_by_role("region", name="Timeline")
    timeline.get_by_role("link", name="Order #5001").click()

    expect(page.get_by_role("heading", name="Order #5001")).to_be_visible()
    expect(page.get_by_role("cell", name="Linen shirt")).to_be_visible()
    assert dialogs == []
