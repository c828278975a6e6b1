"""An owner writes an automation rule from the lists; the next matching conversation is routed by it."""

import os

import pytest
from playwright.sync_api import Browser, expect

from cxloop.core import services as core_services
from cxloop.core.models import Membership
from cxloop.helpdesk.models import Rule, Team
from cxloop.helpdesk.tests.factories import open_conversation
from cxloop.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOT = os.environ.get("CXLOOP_RULES_SCREENSHOT", "")


@pytest.fixture
def owner_user(transactional_db):
    store, _ = core_services.create_store(name="Sklep Ania", currency="PLN", slug="sklep-ania")
    user, _ = core_services.add_staff(
        store=store, email="owner@sklep-ania.test", role=Membership.Role.OWNER, password=PASSWORD
    )
    Team.objects.create(store=store, name="Zwroty")
    return user


def test_owner_writes_a_rule_that_routes_refunds(browser: Browser, live_server, owner_user):
    page = browser.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(owner_user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()

    page.goto(f"{live_server.url}/helpdesk/")
    page.get_by_role("link", name="Rules").click()
    page.get_by_role("link", name="New rule").click()
    page.get_by_label("Name", exact=True).fill("Zwroty do zespołu")
    page.get_by_label("When", exact=True).select_option("created")
    page.get_by_label("Condition 1", exact=True).select_option("text_contains")
    page.get_by_label("Value of condition 1").fill("zwrot, refund")
    page.get_by_label("Action 1", exact=True).select_option("assign_team")
    page.get_by_label("Value of action 1").fill("Nobody")
    page.get_by_role("button", name="Save rule").click()
    # A team the store does not have is refused on its row, and nothing is saved.
    expect(page.get_by_label("Value of action 1")).to_have_attribute("aria-invalid", "true")
    assert not Rule.objects.exists()
    if SCREENSHOT:
        page.screenshot(path=SCREENSHOT.replace(".png", "-form.png"), full_page=True)

    page.get_by_label("Value of action 1").fill("Zwroty")
    page.get_by_role("button", name="Save rule").click()
    expect(page.get_by_role("link", name="Zwroty do zespołu")).to_be_visible()
    expect(page.get_by_text("Subject or message contains any of the words: zwrot, refund")).to_be_visible()

    conversation, _message = open_conversation(owner_user.memberships.get().store, subject="ZWRÓT butów")
    conversation.refresh_from_db()
    assert conversation.team.name == "Zwroty"
    page.reload()
    expect(page.get_by_text("1 time")).to_be_visible()
    if SCREENSHOT:
        page.screenshot(path=SCREENSHOT, full_page=True)
