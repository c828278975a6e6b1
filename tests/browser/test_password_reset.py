"""A staff member who forgot their password gets a link by email, sets a new one and signs in."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from playwright.sync_api import Page, expect

from cxloop.core import services as core_services
from cxloop.core.models import Membership
from cxloop.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "linen shirts and 7 blue mugs"


@pytest.fixture
def owner(transactional_db):
    # Throttle counters live in the cache table, which transactional tests do not empty.
    cache.clear()
    store, _ = core_services.create_store(name="Sklep Ania", currency="PLN", slug="sklep-ania")
    user, _ = core_services.add_staff(
        store=store, email="owner@sklep-ania.test", role=Membership.Role.OWNER, password=PASSWORD
    )
    yield user
    cache.clear()


def test_forgotten_password_link_new_password_sign_in(page: Page, live_server, owner, settings):
    settings.CXLOOP_PUBLIC_URL = live_server.url

    # Ask for a link from the sign-in page.
    page.goto(f"{live_server.url}/login/")
    page.get_by_role("link", name="Forgot password?").click()
    page.get_by_label("Email").fill("Owner@Sklep-Ania.test")
    page.get_by_role("button", name="Send reset link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    # Open the link from the email and choose a new password.
    [message] = mail.outbox
    link = re.search(r"https?://\S+/password-reset/\S+/", message.body).group(0)
    page.goto(link)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("heading", name="Password changed")).to_be_visible()

    # Sign in with it.
    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Email").fill(owner.username)
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/$"))
