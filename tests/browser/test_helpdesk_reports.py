"""An agent reading in Persian opens the help-desk reports, switches the grouping and downloads a table."""

import re

import pytest
from playwright.sync_api import Page, expect

from cxloop.core import services as core_services
from cxloop.core.models import Membership
from cxloop.helpdesk.models import Channel
from cxloop.helpdesk.services import conversations as services
from cxloop.helpdesk.services.intake import Incoming, take_message
from cxloop.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_agent_reads_the_reports_in_persian_and_downloads_the_agents_table(page: Page, live_server):
    # given a store in Tehran with two conversations, one answered and resolved by the agent
    store, _ = core_services.create_store(name="فروشگاه نمونه", currency="IRR", slug="forooshgah")
    store.timezone = "Asia/Tehran"
    store.save(update_fields=["timezone"])
    agent, _ = core_services.add_staff(
        store=store, email="agent@forooshgah.test", role=Membership.Role.AGENT, password=PASSWORD
    )
    for number in (1, 2):
        conversation, _m, _c = take_message(
            store=store,
            channel=Channel.EMAIL,
            incoming=Incoming(
                text="سلام، سفارش من کجاست؟", subject=f"سفارش {number}", from_email=f"c{number}@example.ir",
                from_name="سارا", message_id=f"<q.{number}@mail.example.ir>",
            ),
            external_id=f"test:fa:{number}",
        )  # fmt: skip
    services.reply(conversation=conversation, author=agent, text="ارسال شد.")
    services.set_status(conversation=conversation, status="resolved", actor=agent)

    # when the agent, reading in Persian, opens the reports from the inbox
    page.context.add_cookies([{"name": "django_language", "value": "fa", "url": live_server.url}])
    page.goto(f"{live_server.url}/login/")
    page.locator("input[name=username]").fill(agent.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("button.button--primary[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/helpdesk/")
    page.locator("a[href='/helpdesk/reports/']").click()

    # then the key numbers read in Persian digits, and the SLA card says there are no policies yet
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    opened = page.locator(".kpi").nth(4).locator(".kpi__value")
    expect(opened).to_have_text("۲")
    expect(page.locator("#report-sla")).to_be_visible()
    page.screenshot(path="/tmp/helpdesk-reports-fa.png", full_page=True)

    # and per day, the agent's row is there; its CSV downloads with the same grouping
    page.locator("a[href*='per=day']").first.click()
    expect(page.locator("#agents-title")).to_be_visible()
    assert "per=day" in page.url
    with page.expect_download() as info:
        page.locator("a[href*='/helpdesk/reports/agents.csv']").click()
    text = open(info.value.path(), encoding="utf-8-sig").read()
    assert "agent@forooshgah.test" in text.splitlines()[1]

    # and a Solar Hijri day typed in the range: a month 13 is named where the results go, without a
    # page load; a real day moves the page to its ISO address
    since = page.locator("#report-since")
    since.fill("۱۴۰۵/۱۳/۰۱")
    since.press("Tab")
    error = page.locator("#report-results [role=alert]")
    expect(error).to_contain_text("۱۴۰۵/۱۳/۰۱")
    expect(error).to_contain_text("از")
    since.fill("۱۴۰۵/۰۹/۰۱")
    since.press("Tab")
    expect(error).to_have_count(0)
    expect(page).to_have_url(re.compile(r"since=2026-11-22"))
