"""The first hour of a new store owner, end to end, in the browser.

Sign in, set the store's time zone, invite a colleague, read the API docs,
build and send an NPS survey, open the invitation in the outbox, answer it as
a Persian customer, and read the answer in Persian: store-local (Tehran) time,
Solar Hijri date, Persian digits.
"""

import datetime as dt
import zoneinfo

import jdatetime
import pytest
from django.core.cache import cache
from django.utils import timezone, translation
from playwright.sync_api import Browser, expect

from cxloop.core import formats
from cxloop.core import services as core_services
from cxloop.core.models import Membership, OutboxMessage, Store
from cxloop.surveys.models import Response, Survey
from cxloop.surveys.tests.factories import make_customer
from cxloop.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEHRAN = "Asia/Tehran"
COMMENT = "بسته خیلی زود رسید و کیفیتش عالی بود."
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


@pytest.fixture
def shop(transactional_db, settings, live_server):
    cache.clear()  # rate-limit counters: the cache table outlives transactional tests
    settings.CXLOOP_PUBLIC_URL = live_server.url
    settings.CXLOOP_DEV_OUTBOX = True
    settings.EMAIL_BACKEND = "cxloop.core.mail_outbox.OutboxBackend"
    store, _ = core_services.create_store(name="Sklep Ania", currency="PLN", slug="sklep-ania")
    owner, _ = core_services.add_staff(
        store=store, email="owner@sklep-ania.test", role=Membership.Role.OWNER, password=PASSWORD
    )
    make_customer(store, email="zahra@example.ir", first_name="زهرا", last_name="رضایی", language="fa")
    make_customer(store, email="jan@example.pl", first_name="Jan", last_name="Nowak", language="pl")
    yield store, owner
    cache.clear()


def jalali_date_and_time(moment: dt.datetime) -> tuple[str, str]:
    """The Tehran date (Solar Hijri) and time, in Persian digits, worked out without cxloop."""
    local = moment.astimezone(zoneinfo.ZoneInfo(TEHRAN))
    day = jdatetime.date.fromgregorian(date=local.date())
    date = f"{day.day} {jdatetime.date.j_months_fa[day.month - 1]} {day.year}"
    time = f"{local.hour}:{local:%M}"  # CLDR's Persian time is H:mm: no leading zero before 10 a.m.
    return date.translate(PERSIAN_DIGITS), time.translate(PERSIAN_DIGITS)


def test_a_new_owner_goes_from_sign_in_to_a_persian_answer_in_store_time(
    browser: Browser, live_server, shop, task_worker
):
    store, owner = shop
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    main = page.get_by_role("navigation", name="Main")

    # Sign in.
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(owner.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()

    # The store runs on Tehran time.
    main.get_by_role("link", name="Settings").click()
    page.get_by_label("Time zone").fill(TEHRAN)
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("The store's settings were saved.")).to_be_visible()
    assert Store.objects.get(pk=store.pk).timezone == TEHRAN

    # A colleague is invited by email.
    main.get_by_role("link", name="Team").click()
    page.get_by_label("Email", exact=True).fill("kasia@example.com")
    page.get_by_label("Role", exact=True).select_option("admin")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("An invitation was sent to kasia@example.com.")).to_be_visible()

    # The API docs are one link away from the integrations page, and Swagger UI lists the operations.
    main.get_by_role("link", name="Integrations").click()
    page.get_by_role("link", name="API documentation").click()
    expect(page.get_by_role("heading", name="cxloop API")).to_be_visible(timeout=20_000)
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/").first).to_be_visible()
    page.go_back()

    # An NPS survey with the shipped texts is built and activated.
    main.get_by_role("link", name="Surveys").click()
    page.get_by_role("link", name="New survey").first.click()
    page.get_by_role("link", name="Create a NPS survey").click()
    page.get_by_label("Name").fill("After delivery")
    page.get_by_role("button", name="Create survey").click()
    expect(page.get_by_role("heading", name="After delivery")).to_be_visible()
    page.get_by_text("Activate…").click()
    page.get_by_role("button", name="Yes, activate").click()
    expect(page.get_by_text("The survey is active.")).to_be_visible()
    survey = Survey.objects.get()

    # It is sent to every customer; the invitations go out in the background.
    page.get_by_role("link", name="Send", exact=True).click()
    page.get_by_role("button", name="Send to 2 customers").click()
    task_worker.run_ready()
    assert sorted(OutboxMessage.objects.filter(to__contains="@example.").values_list("to", flat=True)) == [
        "jan@example.pl", "kasia@example.com", "zahra@example.ir",
    ]  # fmt: skip

    # The owner opens the Persian customer's invitation in the outbox and clicks a score in it.
    main.get_by_role("link", name="Outbox").click()
    page.get_by_role("row").filter(has_text="zahra@example.ir").get_by_role("link").click()
    email = page.frame_locator("iframe.outbox-frame")
    with page.expect_popup() as popup:
        email.get_by_role("link", name="۹", exact=True).click()
    answer = popup.value

    # The answer page speaks Persian, with the clicked score chosen; a comment is added and sent.
    expect(answer.locator("html")).to_have_attribute("dir", "rtl")
    expect(answer.locator("html")).to_have_attribute("lang", "fa")
    expect(answer.get_by_role("radio", name="۹", exact=True)).to_be_checked()
    answer.get_by_role("textbox").fill(COMMENT)
    answer.get_by_role("button").click()
    expect(answer.get_by_text(COMMENT)).to_be_visible()
    response = Response.objects.get()
    assert (response.score, response.comment, response.language) == (9, COMMENT, "fa")
    assert response.survey_id == survey.pk
    answer.close()

    # Back as staff, in Persian: the comments show the answer at Tehran time, on the Jalali calendar.
    page.locator("#language-switch").select_option("fa")
    expect(page.locator("html")).to_have_attribute("lang", "fa")
    page.goto(f"{live_server.url}/surveys/{survey.pk}/comments/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    comment = page.locator(".comment").filter(has_text=COMMENT)
    expect(comment.locator(".comment__score")).to_have_text("۹")
    with translation.override("fa"), timezone.override(zoneinfo.ZoneInfo(TEHRAN)):
        expected = formats.datetime_text(response.created_at, zone=True)
    date, time = jalali_date_and_time(response.created_at)
    assert date in expected and time in expected
    expect(comment.locator("time")).to_have_text(expected)
    assert dialogs == []
    context.close()
