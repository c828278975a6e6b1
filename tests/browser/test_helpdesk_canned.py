"""An agent inserts a canned reply filled in for the customer, then resolves a page of the inbox at once."""

import os

import pytest
from playwright.sync_api import Page, expect

from cxloop.core import services as core_services
from cxloop.core.models import Membership
from cxloop.helpdesk.models import CannedReply, Channel, Conversation
from cxloop.helpdesk.services.intake import Incoming, take_message
from cxloop.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = os.environ.get("CXLOOP_SCREENSHOTS", "")


def _open(store, number: int, name: str):
    conversation, _message, _created = take_message(
        store=store,
        channel=Channel.EMAIL,
        incoming=Incoming(
            text="Where is my parcel?", subject=f"Parcel {number}", from_email=f"c{number}@example.pl",
            from_name=name, message_id=f"<q.{number}@mail.example.pl>",
        ),
        external_id=f"test:canned:{number}",
    )  # fmt: skip
    return conversation


def _shot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, name), full_page=True)


def test_an_agent_inserts_a_canned_reply_and_resolves_the_inbox_in_bulk(page: Page, live_server):
    # given a store with three conversations, a canned reply and an agent
    store, _ = core_services.create_store(name="Sklep Ania", currency="PLN", slug="sklep-ania")
    agent, _ = core_services.add_staff(
        store=store, email="agent@sklep-ania.test", role=Membership.Role.AGENT, password=PASSWORD
    )
    first = _open(store, 1, "Ania Nowak")
    _open(store, 2, "Bartek Kowalski")
    _open(store, 3, "Zofia Wiśniewska")
    body = "Hi {{ customer.first_name }}, order {{ order.name }} left today."
    CannedReply.objects.create(store=store, title="Where is it", body=body)

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(agent.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()

    # when the agent presses c on the conversation page and picks the canned reply
    page.goto(f"{live_server.url}/helpdesk/{first.pk}/")
    page.keyboard.press("c")
    picker = page.get_by_label("Insert a canned reply (shortcut: c)")
    expect(picker).to_be_focused()
    picker.select_option(label="Where is it")

    # then the reply box holds the text filled in for Ania, and the missing order number is named
    reply_box = page.locator("#reply-text")
    expect(reply_box).to_have_value("Hi Ania, order  left today.")
    expect(page.locator("[data-canned-warning]")).to_contain_text("order.name")
    _shot(page, "canned-picker.png")

    # when the agent selects every conversation of the inbox page and resolves them
    page.goto(f"{live_server.url}/helpdesk/")
    page.get_by_label("Select every conversation on this page").check()
    page.get_by_label("With the selected conversations").select_option(label="Resolve")
    _shot(page, "inbox-bulk.png")
    page.get_by_role("button", name="Apply to selected").click()

    # then the inbox says so and shows none left open
    expect(page.get_by_text("3 conversations resolved")).to_be_visible()
    expect(page.get_by_text("No conversations match these filters.")).to_be_visible()
    _shot(page, "bulk-resolved.png")
    assert set(Conversation.objects.values_list("status", flat=True)) == {"resolved"}


def test_an_admin_makes_a_macro_and_applies_it_to_a_conversation(page: Page, live_server):
    # given a store with one conversation and its owner signed in
    store, _ = core_services.create_store(name="Sklep Ania", currency="PLN", slug="sklep-ania")
    owner, _ = core_services.add_staff(
        store=store, email="owner@sklep-ania.test", role=Membership.Role.OWNER, password=PASSWORD
    )
    conversation = _open(store, 1, "Ania Nowak")
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(owner.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()

    # when the owner writes a macro on the macros page
    page.goto(f"{live_server.url}/helpdesk/")
    page.get_by_role("link", name="Macros").click()
    page.get_by_label("Name").fill("Refund sent")
    reply = page.get_by_label("Reply to send (optional)")
    reply.fill("Hi {{ customer.first_name }}, the refund is on its way.")
    page.get_by_label("Add tags (separated by commas)").fill("refund")
    page.get_by_label("Set the status").select_option(label="Resolved")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Macro saved.")).to_be_visible()
    _shot(page, "macro-list.png")

    # and applies it on the conversation
    page.goto(f"{live_server.url}/helpdesk/{conversation.pk}/")
    page.get_by_label("Macro", exact=True).select_option(label="Refund sent")
    page.get_by_role("button", name="Apply macro").click()

    # then the reply, the tag and the status are there, each change naming the macro
    expect(page.get_by_text("Macro “Refund sent” applied.")).to_be_visible()
    expect(page.locator(".message-reply")).to_contain_text("Hi Ania, the refund is on its way.")
    expect(page.get_by_text("set the status to Resolved (macro “Refund sent”)")).to_be_visible()
    _shot(page, "macro-applied.png")
