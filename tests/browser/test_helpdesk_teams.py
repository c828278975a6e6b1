"""An owner makes a routed team; a new conversation goes to its member; the member steps away in one click."""

import os

import pytest
from playwright.sync_api import Browser, expect

from cxloop.core import services as core_services
from cxloop.core.models import Membership
from cxloop.helpdesk.models import AgentProfile, Conversation, DeskSettings, Team
from cxloop.helpdesk.tests.factories import open_conversation
from cxloop.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOT = os.environ.get("CXLOOP_TEAMS_SCREENSHOT", "")


@pytest.fixture
def people(transactional_db):
    store, _ = core_services.create_store(name="Sklep Ania", currency="PLN", slug="sklep-ania")
    owner, _ = core_services.add_staff(
        store=store, email="owner@sklep-ania.test", role=Membership.Role.OWNER, password=PASSWORD
    )
    bob, _ = core_services.add_staff(
        store=store, email="bob@sklep-ania.test", role=Membership.Role.AGENT, password=PASSWORD
    )
    return store, owner, bob


def sign_in(browser: Browser, url: str, user):
    page = browser.new_page()
    page.goto(f"{url}/login/")
    page.get_by_label("Email").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    return page


def test_a_routed_team_takes_new_conversations_and_an_agent_steps_away(browser: Browser, live_server, people):
    store, owner, bob = people
    page = sign_in(browser, live_server.url, owner)
    page.goto(f"{live_server.url}/helpdesk/")
    page.get_by_role("link", name="Teams").click()
    expect(page.get_by_role("heading", name="Teams", level=1)).to_be_visible()

    page.get_by_label("Name").fill("Obsługa")
    page.get_by_label("Languages it serves").fill("pl")
    page.get_by_label("Give new conversations to members in turn").check()
    page.get_by_role("button", name="Create team").click()
    expect(page.get_by_text("Team created.")).to_be_visible()
    page.get_by_label("Add a member").select_option(label="bob@sklep-ania.test")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_text("Team members changed.")).to_be_visible()
    page.get_by_label("Default team", exact=True).select_option(label="Obsługa")
    page.get_by_role("button", name="Save").last.click()
    expect(page.get_by_text("Routing settings saved.")).to_be_visible()
    team = Team.objects.get(store=store)
    assert DeskSettings.objects.get(store=store).default_team == team

    conversation, _ = open_conversation(store)
    conversation.refresh_from_db()
    assert (conversation.team, conversation.assignee) == (team, bob)

    agent_page = sign_in(browser, live_server.url, bob)
    agent_page.goto(f"{live_server.url}/helpdesk/")
    expect(agent_page.get_by_role("status").filter(has_text="You are available")).to_be_visible()
    agent_page.get_by_role("button", name="Go away").click()
    expect(agent_page.get_by_role("status").filter(has_text="You are away")).to_be_visible()
    assert AgentProfile.objects.get(store=store, user=bob).available is False

    later, _ = open_conversation(store, subject="Another")
    assert Conversation.objects.get(pk=later.pk).assignee is None
    page.reload()
    row = page.locator(f'[data-agent="{bob.pk}"]')
    expect(row.get_by_text("Away")).to_be_visible()
    if SCREENSHOT:
        page.screenshot(path=SCREENSHOT, full_page=True)
