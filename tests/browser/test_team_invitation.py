"""An owner invites a colleague by email; the colleague sets a password through the link and joins."""

import re

import pytest
from django.core import mail
from playwright.sync_api import Browser, Page, expect

from cxloop.core import services as core_services
from cxloop.core.models import Membership
from cxloop.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(transactional_db):
    store, _ = core_services.create_store(name="Sklep Ania", currency="PLN", slug="sklep-ania")
    user, _ = core_services.add_staff(
        store=store, email="owner@sklep-ania.test", role=Membership.Role.OWNER, password=PASSWORD
    )
    return store, user


def test_owner_invites_a_colleague_who_joins_through_the_link(
    page: Page, browser: Browser, live_server, shop, mailoutbox
):
    _, owner = shop
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(owner.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # The owner invites a colleague as admin.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Team").click()
    expect(page.get_by_text("No pending invitations.")).to_be_visible()
    page.get_by_label("Email", exact=True).fill("kasia@example.com")
    page.get_by_label("Role", exact=True).select_option("admin")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("An invitation was sent to kasia@example.com.")).to_be_visible()
    pending = page.get_by_role("region", name="Pending invitations")
    expect(pending.get_by_text("kasia@example.com", exact=True)).to_be_visible()

    # The colleague opens the emailed link in their own browser and sets a password.
    path = re.search(r"https?://[^/]+(/invitations/\S+/)", mail.outbox[-1].body).group(1)
    colleague = browser.new_context().new_page()
    colleague.goto(f"{live_server.url}{path}")
    expect(colleague.get_by_role("heading", name="Join Sklep Ania")).to_be_visible()
    colleague.get_by_label("Your name").fill("Kasia Wiśniewska")
    colleague.get_by_label("Password", exact=True).fill("another long passphrase 7")
    colleague.get_by_label("Password again").fill("another long passphrase 7")
    colleague.get_by_role("button", name="Create my account and join").click()
    expect(colleague.get_by_text("Welcome to Sklep Ania.")).to_be_visible()

    # The owner sees the new admin, removes them after confirming, and reads the audit log.
    page.reload()
    members = page.get_by_role("region", name="Members")
    row = members.get_by_role("row").filter(has_text="kasia@example.com")
    expect(row).to_contain_text("Admin")
    row.get_by_text("Remove…").click()
    row.get_by_role("button", name="Yes, remove").click()
    expect(page.get_by_text("kasia@example.com was removed from the store.")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log").click()
    log = page.get_by_role("table")
    expect(log.get_by_role("row")).to_have_count(4)  # header, invited, accepted, removed
