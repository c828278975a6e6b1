"""An owner builds an NPS survey, edits its Persian texts with the preview following as they type,
activates it, and sees who a send would reach."""

import pytest
from playwright.sync_api import Page, expect

from cxloop.commerce.models import Customer
from cxloop.core import services as core_services
from cxloop.core.models import Membership
from cxloop.surveys.models import Survey
from cxloop.surveys.tests.factories import make_customer
from cxloop.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(transactional_db):
    store, _ = core_services.create_store(name="Sklep Ania", currency="PLN", slug="sklep-ania")
    user, _ = core_services.add_staff(
        store=store, email="owner@sklep-ania.test", role=Membership.Role.OWNER, password=PASSWORD
    )
    make_customer(store, email="sara@example.ir", first_name="سارا", language="fa")
    make_customer(store, email="jan@example.pl", consent=Customer.Consent.NOT_SUBSCRIBED)
    return store, user


def test_owner_builds_a_persian_survey_with_a_live_preview(page: Page, live_server, shop):
    _, user = shop
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # From the Surveys tab to a new NPS survey.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Surveys").click()
    expect(page.get_by_role("heading", name="No surveys yet")).to_be_visible()
    page.get_by_role("link", name="New survey").first.click()
    page.get_by_role("link", name="Create a NPS survey").click()
    page.get_by_label("Name").fill("پس از خرید")

    # The Persian tab: typing the question updates the sandboxed email preview.
    page.get_by_role("group", name="Language of the texts").get_by_text("فارسی").click()
    persian = page.locator(".lang-tabs__panel[lang=fa]")
    persian.get_by_label("Question").fill("چقدر احتمال دارد ما را به دوستان خود پیشنهاد کنید؟")
    persian.get_by_label("Email subject").fill("نظر شما مهم است")
    preview = page.get_by_role("complementary", name="Preview")
    expect(preview).to_contain_text("نظر شما مهم است")
    email = page.frame_locator("iframe[title='Invitation email preview']")
    expect(email.get_by_text("چقدر احتمال دارد ما را به دوستان خود پیشنهاد کنید؟")).to_be_visible()
    expect(email.locator("html")).to_have_attribute("dir", "rtl")
    answer_page = page.frame_locator("iframe[title='Answer page preview']")
    expect(
        answer_page.get_by_role("heading", name="چقدر احتمال دارد ما را به دوستان خود پیشنهاد کنید؟")
    ).to_be_visible()
    for frame in page.locator("iframe").all():
        assert frame.get_attribute("sandbox") == ""

    # Save, activate, and see who a send reaches.
    page.get_by_role("button", name="Create survey").click()
    expect(page.get_by_role("heading", name="پس از خرید")).to_be_visible()
    page.get_by_text("Activate…").click()
    page.get_by_role("button", name="Yes, activate").click()
    expect(page.get_by_text("The survey is active.")).to_be_visible()
    page.get_by_role("link", name="Send", exact=True).click()
    expect(page.get_by_role("button", name="Send to 1 customer")).to_be_visible()
    expect(page.get_by_text("Skipped: No email consent")).to_be_visible()

    survey = Survey.objects.get()
    assert survey.status == "active"
    assert survey.texts == {
        "fa": {
            "question": "چقدر احتمال دارد ما را به دوستان خود پیشنهاد کنید؟",
            "email_subject": "نظر شما مهم است",
        }
    }
    assert dialogs == []
