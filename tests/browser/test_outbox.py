"""A newcomer reads the demo's mail on the outbox page; the email's script never runs there."""

import io

import pytest
from django.core.mail import EmailMultiAlternatives, get_connection
from django.test import override_settings
from playwright.sync_api import Page, expect

from cxloop.core import services as core_services
from cxloop.core.models import Membership
from cxloop.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def send_survey_mail(link: str) -> None:
    html = (
        f'<html><body><p>How likely are you to recommend us?</p><a href="{link}">10 – very likely</a>'
        "<script>document.body.dataset.ran = '1'; alert('script'); parent.document.title = 'owned';</script>"
        "<img src=\"x\" onerror=\"document.body.dataset.ran = '2'; alert('img')\"></body></html>"
    )
    message = EmailMultiAlternatives(
        subject="Your opinion, please", body=f"Answer here: {link}", from_email="shop@example.com",
        to=["ania@example.com"],
    )  # fmt: skip
    message.attach_alternative(html, "text/html")
    get_connection("cxloop.core.mail_outbox.OutboxBackend", stream=io.StringIO()).send_messages([message])


@override_settings(CXLOOP_DEV_OUTBOX=True)
def test_staff_open_a_sent_email_and_follow_its_link_while_its_script_stays_inert(page: Page, live_server):
    store, _ = core_services.create_store(name="Sklep Ania", currency="PLN", slug="sklep-ania")
    user, _ = core_services.add_staff(
        store=store, email="owner@sklep-ania.test", role=Membership.Role.OWNER, password=PASSWORD
    )
    link = f"{live_server.url}/outbox/?from=email"
    send_survey_mail(link)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Outbox").click()
    page.get_by_role("link", name="Your opinion, please").click()

    frame = page.frame_locator("iframe.outbox-frame")
    expect(frame.get_by_text("How likely are you to recommend us?")).to_be_visible()
    expect(frame.locator("body")).not_to_have_attribute("data-ran", "1")
    expect(frame.locator("body")).not_to_have_attribute("data-ran", "2")
    with page.expect_popup() as popup:
        frame.get_by_role("link", name="10 – very likely").click()
    assert popup.value.url == link
    assert page.title() != "owned"
    assert dialogs == []
