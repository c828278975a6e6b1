"""An owner of a Persian store makes a category in Persian, moves an article into it, puts it first with
the keyboard, and a Persian shopper finds it at the top of the help centre, right to left."""

import os

import pytest
from playwright.sync_api import Browser, Page, expect

from cxloop.core import services as core_services
from cxloop.core.models import Membership
from cxloop.helpcenter import services as helpcenter
from cxloop.helpcenter.categories import default_category
from cxloop.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = os.environ.get("CXLOOP_SCREENSHOTS", "")
NAME = "نگهداری کفش"


def test_an_owner_makes_a_persian_category_and_a_persian_shopper_sees_it_first(
    page: Page, browser: Browser, live_server
):
    store, _ = core_services.create_store(name="Kafsh", currency="EUR", language="fa", slug="kafsh")
    owner, _ = core_services.add_staff(
        store=store, email="owner@kafsh.test", role=Membership.Role.OWNER, password=PASSWORD
    )
    article = helpcenter.save_article(
        store=store,
        fields={"slug": "leather", "category": default_category(store, "other"), "published": "on"},
    )
    helpcenter.save_text(article=article, language="fa", title="تمیز کردن چرم", body="با پارچهٔ نم‌دار.")
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(owner.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()

    # the owner adds a category, named in the store's language, Persian
    page.goto(f"{live_server.url}/helpdesk/help/categories/")
    add = page.get_by_role("region", name="Add a category")
    add.get_by_label("Name in Persian").fill(NAME)
    add.get_by_label("Short description (optional)").fill("تمیز کردن و نگهداری")
    add.get_by_role("button", name="Add").click()
    expect(page.get_by_role("heading", name=NAME, level=1)).to_be_visible()

    # moves the article into it
    page.goto(f"{live_server.url}/helpdesk/help/")
    page.get_by_role("link", name="تمیز کردن چرم").click()
    page.get_by_label("Category", exact=True).select_option(label=NAME)
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Article settings saved.")).to_be_visible()

    # and puts the category first with the keyboard: the moved row's button keeps the focus
    page.goto(f"{live_server.url}/helpdesk/help/categories/")
    up, down = (page.get_by_role("button", name=f"Move {NAME} {way}") for way in ("up", "down"))
    up.focus()
    for place in range(8):
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(down if place == 7 else up).to_be_focused()  # at the top "up" is disabled
    expect(up).to_be_disabled()
    expect(page.locator("tbody tr").first).to_contain_text(NAME)
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, "helpcenter-categories.png"), full_page=True)

    # a shopper whose browser reads Persian sees it first, with the article, right to left
    shopper = browser.new_context(locale="fa-IR").new_page()
    shopper.goto(f"{live_server.url}/help/kafsh/")
    expect(shopper.locator("html")).to_have_attribute("dir", "rtl")
    expect(shopper.get_by_role("heading", level=2).first).to_have_text(NAME)
    expect(shopper.get_by_role("heading", name="پرسش‌های دیگر")).to_have_count(0)  # now empty: not shown
    shopper.get_by_role("link", name=NAME).click()
    expect(shopper.get_by_role("heading", name=NAME, level=1)).to_be_visible()
    expect(shopper.get_by_text("تمیز کردن و نگهداری")).to_be_visible()
    shopper.get_by_role("link", name="تمیز کردن چرم").click()
    expect(shopper.get_by_role("heading", name="تمیز کردن چرم")).to_be_visible()
    expect(shopper.get_by_role("link", name=NAME)).to_be_visible()  # the way back to its category
    if SCREENSHOTS:
        shopper.screenshot(path=os.path.join(SCREENSHOTS, "helpcenter-category-fa.png"), full_page=True)
