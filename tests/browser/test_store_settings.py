"""An owner changes the store's time zone on the settings page, then copies a survey's web link."""

import pytest
from playwright.sync_api import Browser, expect

from cxloop.core import services as core_services
from cxloop.core.models import AuditLog, Membership, Store
from cxloop.surveys.tests.factories import make_survey
from cxloop.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(transactional_db, settings, live_server):
    settings.CXLOOP_PUBLIC_URL = live_server.url
    store, _ = core_services.create_store(name="Sklep Ania", currency="PLN", slug="sklep-ania")
    user, _ = core_services.add_staff(
        store=store, email="owner@sklep-ania.test", role=Membership.Role.OWNER, password=PASSWORD
    )
    return store, user, make_survey(store)


def test_owner_changes_the_time_zone_and_copies_the_survey_link(browser: Browser, live_server, shop):
    store, user, survey = shop
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # A time zone that does not exist is refused by name, and nothing is saved.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", name="Store settings")).to_be_visible()
    page.get_by_label("Time zone").fill("Europe/Warsow")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Nothing was saved. Correct the fields marked below.")).to_be_visible()
    expect(page.get_by_label("Time zone")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#settings-timezone-error")).to_contain_text("Unknown time zone 'Europe/Warsow'")
    assert Store.objects.get(pk=store.pk).timezone == "UTC"

    # The right one is saved and written to the audit log.
    page.get_by_label("Time zone").fill("Europe/Warsaw")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("The store's settings were saved.")).to_be_visible()
    expect(page.get_by_label("Time zone")).to_have_value("Europe/Warsaw")
    assert Store.objects.get(pk=store.pk).timezone == "Europe/Warsaw"
    assert AuditLog.objects.get(store=store).detail == {"timezone": {"from": "UTC", "to": "Europe/Warsaw"}}

    # On the survey page, the web link is copied with one click, and it opens the survey.
    page.goto(f"{live_server.url}/surveys/{survey.pk}/")
    link = f"{live_server.url}/s/w/{survey.public_id}/"
    expect(page.locator("#web-link")).to_have_text(link)
    copy = page.get_by_role("button", name="Copy link")
    copy.click()
    expect(page.locator("[data-copy-target=web-link]")).to_have_attribute("data-copied", "true")
    assert page.evaluate("navigator.clipboard.readText()") == link
    page.get_by_role("button", name="Copy code").click()
    assert page.evaluate("navigator.clipboard.readText()").endswith(
        f'cxloop.push(["survey", "{survey.public_id}"]);</script>'
    )
    answer = context.new_page()
    answer.goto(link)
    expect(answer.locator("form")).to_be_visible()
    context.close()
