"""An agent working in Persian refunds one item from the conversation's sidebar, then replies
with a discount code made there too.

The refund reaches the fake Shopify admin API with that line; the reply
reaches the customer's mail server (aiosmtpd) threaded under their message.
A screenshot of the conversation with its sidebar, in Persian at 1280 wide,
goes to var/screenshots/fa/desktop/helpdesk-store-actions.png.
"""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from cxloop.commerce.models import StoreAction
from cxloop.commerce.tests.actions_helpers import connect_shopify, make_customer, make_order
from cxloop.core import services as core_services
from cxloop.core.models import Membership
from cxloop.helpdesk.models import ActionPolicy, Activity, Channel
from cxloop.helpdesk.services.intake import Incoming, take_message
from cxloop.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "fa" / "desktop"
SHOT = SHOTS / "helpdesk-store-actions.png"
QUESTION = "سلام، یکی از دو فنجانی که خریدم شکسته رسید. لطفا پولش را برگردانید."
ANSWER = "سلام سارا، مبلغ یک فنجان به حساب شما برگشت داده شد."


def test_a_persian_speaking_agent_refunds_one_item_from_the_sidebar_and_replies_in_the_thread(
    page: Page, live_server, smtp_server, task_worker, fake_shopify
):
    # given a store connected to Shopify, where agents may refund up to 100.00
    store, _ = core_services.create_store(name="فروشگاه نمونه", currency="PLN", slug="forooshgah")
    agent, _ = core_services.add_staff(
        store=store, email="agent@forooshgah.test", role=Membership.Role.AGENT, password=PASSWORD
    )
    ActionPolicy.objects.create(store=store, kind="refund", agents_may=True, max_amount=Decimal("100"))
    connect_shopify(store, fake_shopify)
    fake_shopify.add_order(1001, lines={7001: (2, "49.00"), 7002: (1, "20.00")}, paid="118.00")
    customer = make_customer(store, email="sara@example.ir", shopify_id=501)
    order = make_order(store, "shopify", 1001, lines={7001: (2, "49.00"), 7002: (1, "20.00")}, total="118.00")
    order.customer = customer
    order.save(update_fields=["customer"])
    order.line_items.filter(external_id="7001").update(title="فنجان آبی")
    order.line_items.filter(external_id="7002").update(title="نعلبکی")
    # and the customer's email about it
    take_message(
        store=store, channel=Channel.EMAIL,
        incoming=Incoming(text=QUESTION, subject="فنجان شکسته", from_email="sara@example.ir",
                          from_name="سارا", message_id="<broken.cup@mail.example.ir>"),
        external_id="test:fa:journey",
    )  # fmt: skip

    # when the agent, reading in Persian, opens it from the inbox
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(agent.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    page.context.add_cookies([{"name": "django_language", "value": "fa", "url": live_server.url}])
    page.goto(f"{live_server.url}/helpdesk/")
    page.get_by_role("link", name="فنجان شکسته").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")

    # and refunds one of the two cups from the sidebar
    refund = page.locator("details.action-form", has=page.locator("form[action$='/actions/refund']"))
    refund.locator("summary").click()
    refund.get_by_label(re.compile("فنجان آبی")).fill("1")
    refund.locator("input[name=reason]").fill("شکسته رسید")
    page.set_viewport_size({"width": 1280, "height": 900})
    SHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOT.with_name("helpdesk-store-actions-form.png")), full_page=True)
    refund.locator("button[type=submit]").click()

    # then Shopify was asked to refund that line, once
    expect(page.locator(".thread .activity").last).to_contain_text("49.00 PLN")
    [call] = fake_shopify.calls("refundCreate")
    assert call.variables["input"]["refundLineItems"] == [
        {"lineItemId": "gid://shopify/LineItem/7001", "quantity": 1, "restockType": "NO_RESTOCK"}
    ]
    assert call.variables["input"]["note"] == "شکسته رسید"
    assert StoreAction.objects.get(kind="refund").actor == agent
    assert Activity.objects.filter(kind=Activity.Kind.ACTION, actor=agent).count() == 1
    page.screenshot(path=str(SHOT), full_page=True)
    page.locator(".thread .activity").last.screenshot(path=str(SHOTS / "helpdesk-store-action-line.png"))

    # when the agent makes a 10% code for her next order and puts it into the reply
    discount = page.locator("details.action-form", has=page.locator("form[action$='/actions/discount']"))
    discount.locator("summary").click()
    discount.locator("input[name=value]").fill("10")
    discount.locator("button[type=submit]").click()
    expect(page.locator(".action-result")).to_contain_text("CX-")
    code = StoreAction.objects.get(kind="discount_code").result["code"]
    assert len(fake_shopify.calls("discountCodeBasicCreate")) == 1
    reply = page.get_by_label(re.compile("sara@example.ir"))
    reply.fill(ANSWER)
    page.locator("[data-insert-reply]").click()
    expect(reply).to_have_value(f"{ANSWER} {code}")
    page.screenshot(path=str(SHOTS / "helpdesk-store-action-code.png"), full_page=True)
    page.locator("form[action$='/reply'] button[type=submit]").click()
    expect(page.locator(".message-reply")).to_contain_text("برگشت داده شد")

    # then the customer's mail client receives it in the thread
    task_worker.run_ready()
    [received] = smtp_server.messages
    assert received["In-Reply-To"].strip() == "<broken.cup@mail.example.ir>"
    assert "<broken.cup@mail.example.ir>" in received["References"].split()
    assert received["Subject"] == "Re: فنجان شکسته"
    assert received["To"].addresses[0].addr_spec == "sara@example.ir"
    assert f"{ANSWER} {code}" in received.get_body(("plain",)).get_content()


def test_an_owner_lets_agents_refund_up_to_an_amount_on_the_settings_page(page: Page, live_server):
    store, _ = core_services.create_store(name="فروشگاه نمونه", currency="PLN", slug="forooshgah")
    owner, _ = core_services.add_staff(
        store=store, email="owner@forooshgah.test", role=Membership.Role.OWNER, password=PASSWORD
    )

    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(owner.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    page.goto(f"{live_server.url}/helpdesk/actions/")
    page.get_by_label("Agents may: Refund").check()
    page.get_by_label("Limit per action: Refund").fill("40")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_label("Agents may: Refund")).to_be_checked()
    expect(page.get_by_label("Limit per action: Refund")).to_have_value("40.00")
    policy = ActionPolicy.objects.get(store=store, kind="refund")
    assert policy.agents_may and policy.max_amount == Decimal("40.00")
    page.context.add_cookies([{"name": "django_language", "value": "fa", "url": live_server.url}])
    page.reload()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.screenshot(path=str(SHOTS / "helpdesk-store-action-settings.png"), full_page=True)
