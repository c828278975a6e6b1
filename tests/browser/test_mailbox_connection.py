"""An owner connects the store's support mailbox (a real Dovecot) and tests the connection."""

import os

import pytest
from playwright.sync_api import Browser, expect

from cxloop.core import services as core_services
from cxloop.core.models import Membership
from cxloop.helpdesk.models import Mailbox
from cxloop.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAIL_USER = "pomoc@sklep-ania.test"
MAIL_PASSWORD = "hasło skrzynki"
SCREENSHOT = os.environ.get("CXLOOP_MAILBOX_SCREENSHOT", "")


@pytest.fixture
def owner_user(transactional_db):
    store, _ = core_services.create_store(name="Sklep Ania", currency="PLN", slug="sklep-ania")
    user, _ = core_services.add_staff(
        store=store, email="owner@sklep-ania.test", role=Membership.Role.OWNER, password=PASSWORD
    )
    return user


def test_owner_connects_a_mailbox_and_tests_it(browser: Browser, live_server, owner_user, imap_server):
    imap_server.add_user(MAIL_USER, MAIL_PASSWORD)
    imap_server.append(MAIL_USER, b"From: klient@example.pl\r\nSubject: Zwrot\r\n\r\nChce zwrocic buty\r\n")
    page = browser.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(owner_user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()

    # A wrong port number is refused by name, and nothing is saved.
    page.goto(f"{live_server.url}/helpdesk/mailboxes/")
    expect(page.get_by_role("heading", name="Mailboxes", exact=True)).to_be_visible()
    page.get_by_label("Support address").fill(MAIL_USER)
    page.get_by_label("IMAP server").fill(imap_server.host)
    page.get_by_label("Port", exact=True).fill("0")
    page.get_by_label("Security").select_option("none")
    page.get_by_label("User name").fill(MAIL_USER)
    page.get_by_label("Password", exact=True).fill(MAIL_PASSWORD)
    page.get_by_role("button", name="Connect mailbox").click()
    expect(page.get_by_label("Port", exact=True)).to_have_attribute("aria-invalid", "true")
    assert not Mailbox.objects.exists()

    # The right port: connected, and the test signs in.
    page.get_by_label("Port", exact=True).fill(str(imap_server.port))
    page.get_by_label("Password", exact=True).fill(MAIL_PASSWORD)
    page.get_by_role("button", name="Connect mailbox").click()
    expect(page.get_by_role("heading", name=MAIL_USER)).to_be_visible()
    page.get_by_role("button", name="Test connection").click()
    expect(page.get_by_text("Signed in; 1 message in INBOX.")).to_be_visible()
    expect(page.get_by_label("Password", exact=True)).to_have_value("")
    if SCREENSHOT:
        page.screenshot(path=SCREENSHOT, full_page=True)

    # Stopping: the mailbox is no longer read.
    page.get_by_role("button", name="Stop reading").click()
    expect(page.get_by_text("This mailbox is no longer read.")).to_be_visible()
    assert Mailbox.objects.get().enabled is False
