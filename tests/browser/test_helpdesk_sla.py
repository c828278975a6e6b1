"""An owner sets the help desk's hours and an SLA policy, then sees a conversation's time left."""

import os

import pytest
from playwright.sync_api import Browser, expect

from cxloop.core import services as core_services
from cxloop.core.models import Membership
from cxloop.helpdesk.models import DeskSettings
from cxloop.helpdesk.tests.factories import open_conversation
from cxloop.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("CXLOOP_SLA_SCREENSHOTS", "")


@pytest.fixture
def owner_user(transactional_db):
    store, _ = core_services.create_store(name="Sklep Ania", currency="PLN", slug="sklep-ania")
    user, _ = core_services.add_staff(
        store=store, email="owner@sklep-ania.test", role=Membership.Role.OWNER, password=PASSWORD
    )
    return user


def test_owner_sets_hours_and_a_policy_and_sees_time_left(browser: Browser, live_server, owner_user):
    page = browser.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(owner_user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()

    # An hour that does not exist is refused next to Monday's field.
    page.goto(f"{live_server.url}/helpdesk/settings/")
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"):
        page.get_by_label(day).fill("00:00-24:00")
    page.get_by_label("Monday").fill("09:00-25:00")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_label("Monday")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("'25:00' is not a time like 09:30")).to_be_visible()
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/sla-settings-error.png", full_page=True)
    page.get_by_label("Monday").fill("00:00-24:00")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The help desk's settings were saved.")).to_be_visible()
    assert DeskSettings.objects.get().business_hours["week"]["mon"] == [["00:00", "24:00"]]

    page.goto(f"{live_server.url}/helpdesk/sla/")
    page.get_by_label("Name").fill("Everyone")
    page.get_by_label("First response within (minutes)").fill("120")
    page.get_by_role("button", name="Add policy").click()
    expect(page.get_by_role("link", name="Everyone")).to_be_visible()

    conversation, _message = open_conversation(owner_user.memberships.get().store)
    page.goto(f"{live_server.url}/helpdesk/{conversation.pk}/")
    sla = page.get_by_role("region", name="SLA")
    expect(sla.get_by_text("First response")).to_be_visible()
    expect(sla.get_by_text("2 hr of business time left")).to_be_visible()
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/sla-conversation.png", full_page=True)
    page.goto(f"{live_server.url}/helpdesk/?sla=on_track")
    expect(page.get_by_text("2 hr left")).to_be_visible()
