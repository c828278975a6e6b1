"""An agent types a word without its accents in the inbox's search and sees where it was found."""

import pytest
from playwright.sync_api import Page, expect

from cxloop.core import services as core_services
from cxloop.core.models import Membership
from cxloop.helpdesk.models import Channel
from cxloop.helpdesk.services.intake import Incoming, take_message
from cxloop.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_agent_finds_a_polish_message_typing_without_diacritics(page: Page, live_server):
    # given a store with two customers' questions, one of them in a resolved conversation
    store, _ = core_services.create_store(name="Sklep", currency="PLN", slug="sklep")
    agent, _ = core_services.add_staff(
        store=store, email="agent@sklep.test", role=Membership.Role.AGENT, password=PASSWORD
    )
    for number, (subject, text) in enumerate(
        [("Zwrot", "Dzień dobry, chcę zwrócić <b>buty</b>, są za małe."), ("Paczka", "Gdzie jest paczka?")]
    ):
        take_message(
            store=store, channel=Channel.EMAIL, external_id=f"test:pl:{number}",
            incoming=Incoming(text=text, subject=subject, from_email=f"k{number}@example.pl"),
        )  # fmt: skip

    # when the agent types the word plainly in the search box
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(agent.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/helpdesk/")
    page.get_by_role("searchbox", name="Search").fill("zwrocic")

    # then only that conversation is listed, the written word marked, the customer's markup shown as text
    results = page.locator("#inbox-results")
    expect(results.get_by_role("link", name="Paczka")).to_have_count(0)
    expect(results.locator("mark")).to_have_text("zwrócić")
    expect(results.locator(".search-snippet")).to_contain_text("<b>buty</b>")
