"""An owner writes a help-centre article in Persian; a shopper whose browser reads Persian finds it,
right to left, with its size chart, and nothing written in it runs."""

import os

import pytest
from playwright.sync_api import Browser, Page, expect

from cxloop.core import services as core_services
from cxloop.core.models import Membership
from cxloop.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = os.environ.get("CXLOOP_SCREENSHOTS", "")
BODY = "کفش‌ها را **یک سایز بزرگ‌تر** بردارید.\n\n| EU | cm |\n|---:|---:|\n| ۳۸ | 24 |\n\n<img src=x onerror=\"document.title='hacked'\">\n\n[راهنما](javascript:document.title='hacked')"  # noqa: E501


def test_an_owner_writes_in_persian_and_a_persian_shopper_reads_it_right_to_left(
    page: Page, browser: Browser, live_server
):
    store, _ = core_services.create_store(name="Sklep Ania", currency="PLN", slug="sklep-ania")
    owner, _ = core_services.add_staff(
        store=store, email="owner@sklep-ania.test", role=Membership.Role.OWNER, password=PASSWORD
    )
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(owner.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()

    # the owner adds an article, writes it in Persian, previews it and publishes it
    page.goto(f"{live_server.url}/helpdesk/help/")
    page.get_by_label("Title", exact=True).fill("Sizes")
    page.get_by_label("Address", exact=True).fill("sizes")
    page.get_by_label("Category", exact=True).select_option(label="Products and sizes")
    page.get_by_role("region", name="Add an article").get_by_role("button", name="Add").click()
    page.get_by_role("link", name="فارسی").click()
    page.get_by_label("Title").first.fill("راهنمای اندازه")
    page.get_by_label("Article").fill(BODY)
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".help-article strong")).to_have_text("یک سایز بزرگ‌تر")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_label("Published: customers can read it").check()
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Article settings saved.")).to_be_visible()
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, "helpcenter-editor.png"), full_page=True)

    # a shopper whose browser reads Persian opens the help centre
    shopper = browser.new_context(locale="fa-IR").new_page()
    shopper.goto(f"{live_server.url}/help/sklep-ania/")
    expect(shopper.locator("html")).to_have_attribute("dir", "rtl")
    expect(shopper.get_by_role("heading", name="محصولات و اندازه‌ها")).to_be_visible()
    shopper.get_by_role("link", name="راهنمای اندازه").click()

    expect(shopper.get_by_role("heading", name="راهنمای اندازه")).to_be_visible()
    expect(shopper.locator(".help-article table td").first).to_have_text("۳۸")
    expect(shopper.locator(".help-article img")).to_have_count(0)  # the <img> was text, not an image
    expect(shopper.locator(".help-article a")).to_have_count(0)  # the javascript: link is no link
    shopper.wait_for_timeout(300)
    assert shopper.title() != "hacked" and page.title() != "hacked"
    if SCREENSHOTS:
        shopper.screenshot(path=os.path.join(SCREENSHOTS, "helpcenter-fa.png"), full_page=True)
