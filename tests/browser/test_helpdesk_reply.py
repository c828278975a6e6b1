"""An agent answers a Persian customer in the inbox; the reply reaches the mail server in the thread."""

import re

import pytest
from playwright.sync_api import Page, expect

from cxloop.core import services as core_services
from cxloop.core.models import Membership
from cxloop.helpdesk.models import Channel
from cxloop.helpdesk.services.intake import Incoming, take_message
from cxloop.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUESTION = "سلام، سفارش من هنوز نرسیده است. لطفا کمک کنید."


def test_an_agent_replies_to_a_persian_conversation_and_the_reply_is_threaded(
    page: Page, live_server, smtp_server, task_worker
):
    # given a store with a Persian customer's email and an agent
    store, _ = core_services.create_store(name="فروشگاه نمونه", currency="IRR", slug="forooshgah")
    agent, _ = core_services.add_staff(
        store=store, email="agent@forooshgah.test", role=Membership.Role.AGENT, password=PASSWORD
    )
    take_message(
        store=store,
        channel=Channel.EMAIL,
        incoming=Incoming(
            text=QUESTION, subject="سفارش من", from_email="sara@example.ir", from_name="سارا",
            message_id="<question.1@mail.example.ir>",
        ),
        external_id="test:fa:1",
    )  # fmt: skip

    # when the agent, reading in Persian, opens it from the inbox and replies
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(agent.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    page.context.add_cookies([{"name": "django_language", "value": "fa", "url": live_server.url}])
    page.goto(f"{live_server.url}/helpdesk/")
    page.get_by_role("link", name="سفارش من").click()

    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    text = page.locator(".message-incoming .message__text")
    expect(text).to_have_text(QUESTION)
    assert text.evaluate("element => getComputedStyle(element).direction") == "rtl"
    page.get_by_label(re.compile("sara@example.ir")).fill("سلام سارا، بسته شما امروز ارسال شد.")
    page.locator("form[action$='/reply'] button[type=submit]").click()
    expect(page.locator(".message-reply")).to_contain_text("بسته شما امروز ارسال شد")

    # then the queued reply goes out, threaded under the customer's message
    task_worker.run_ready()
    [received] = smtp_server.messages
    assert received["In-Reply-To"].strip() == "<question.1@mail.example.ir>"
    assert received["To"].addresses[0].addr_spec == "sara@example.ir"
    assert "بسته شما امروز ارسال شد" in received.get_body(("plain",)).get_content()
