"""An owner adds a webhook endpoint, keeps its secret, sends a test event and reads the delivery log."""

import pytest
from playwright.sync_api import Page, expect

from cxloop.core import services as core_services
from cxloop.core.models import Membership
from cxloop.hooks import services
from cxloop.hooks.models import WebhookDelivery
from cxloop.hooks.signatures import is_valid
from cxloop.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def owner(transactional_db):
    store, _ = core_services.create_store(name="Sklep Ania", currency="PLN", slug="sklep-ania")
    user, _ = core_services.add_staff(
        store=store, email="owner@sklep-ania.test", role=Membership.Role.OWNER, password=PASSWORD
    )
    return user


def test_owner_adds_an_endpoint_and_sees_the_test_event_delivered(
    page: Page, live_server, owner, webhook_receiver
):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(owner.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # The owner adds an endpoint and copies its secret, shown once.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Webhooks").click()
    expect(page.get_by_text("No endpoints yet.")).to_be_visible()
    page.get_by_label("URL").fill(webhook_receiver.url)
    page.get_by_label("Description (optional)").fill("Our ERP")
    page.get_by_label("ping").check()
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.get_by_role("heading", name="Endpoint added")).to_be_visible()
    secret = page.locator("#endpoint-secret").inner_text()
    assert secret.startswith("whsec_")

    # They send a test event; the worker delivers it.
    page.get_by_role("link", name="Go to the endpoint").click()
    page.get_by_role("button", name="Send test event").click()
    expect(page.get_by_text("A test event is on its way")).to_be_visible()
    [delivery] = WebhookDelivery.objects.all()
    assert services.deliver(delivery_id=delivery.pk) == "delivered"

    # The receiver checks the signature with the secret the owner copied; the log says delivered.
    [request] = webhook_receiver.received
    timestamp = int(request.headers["X-Cxloop-Timestamp"])
    assert is_valid(secret, timestamp, request.body, request.headers["X-Cxloop-Signature"])
    page.reload()
    log = page.get_by_role("region", name="Delivery log")
    row = log.get_by_role("row").filter(has_text=str(delivery.event_id))
    expect(row).to_contain_text("Delivered")
    expect(row).to_contain_text("200")
