"""A Persian customer answers a survey from their invitation link; staff read the answer; the widget.

Elements are found by role and by the survey's own (owner-written) Persian
texts, not by cxloop's interface strings, so the journey holds once those
are translated too.
"""

import re
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from cxloop.commerce.models import Customer
from cxloop.core import services as core_services
from cxloop.core.models import Membership
from cxloop.flows import services as flows_services
from cxloop.surveys import services
from cxloop.surveys.models import Response
from cxloop.surveys.tokens import invitation_token
from cxloop.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PERSIAN_TEXTS = {
    "question": "چقدر احتمال دارد فروشگاه ما را به یک دوست پیشنهاد کنید؟",
    "scale_low_label": "اصلاً احتمال ندارد",
    "scale_high_label": "بسیار محتمل",
    "follow_up_low": "متأسفیم. چه چیزی اشتباه پیش رفت؟",
    "follow_up_mid": "چه کاری می‌توانستیم بهتر انجام دهیم؟",
    "follow_up_high": "سپاسگزاریم! چه چیزی را دوست داشتید؟",
    "thank_you": "از بازخورد شما سپاسگزاریم!",
}
COMMENT = "ارسال خیلی سریع بود و بسته‌بندی عالی."
XSS = '<img src=x onerror="window.__cx_xss=1;alert(1)"><script>window.__cx_xss=1;alert(2)</script>'


@pytest.fixture
def shop(transactional_db):
    cache.clear()  # rate-limit counters: the cache table outlives transactional tests
    store, _ = core_services.create_store(name="Sklep Ania", currency="PLN", slug="sklep-ania")
    user, _ = core_services.add_staff(
        store=store, email="owner@sklep-ania.test", role=Membership.Role.OWNER, password=PASSWORD
    )
    survey = services.create_survey(store=store, name="NPS", kind="nps", texts={"fa": PERSIAN_TEXTS})
    services.activate_survey(survey=survey)
    now = timezone.now()
    customer = Customer.objects.create(
        store=store,
        email="zahra@example.ir",
        email_key="zahra@example.ir",
        first_name="زهرا",
        last_name="رضایی",
        language="fa",
        email_consent=Customer.Consent.SUBSCRIBED,
        created_at=now,
        updated_at=now,
    )
    invitation = services.invite_customer(survey=survey, customer=customer)
    yield store, user, survey, invitation
    cache.clear()


def watch_dialogs(page: Page) -> list[str]:
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    return dialogs


def assert_inert(page: Page) -> None:
    assert page.evaluate("window.__cx_xss") is None
    assert page.locator("[onerror], [onload], [onclick]").count() == 0


def test_a_persian_customer_answers_from_the_invitation_link_and_staff_see_the_answer(
    page: Page, live_server, shop
):
    _, user, survey, invitation = shop
    dialogs = watch_dialogs(page)

    # The customer opens the link from the email: the page reads right to left.
    page.goto(live_server.url + reverse("surveys:answer", args=[invitation_token(invitation)]))
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    scale = page.get_by_role("group", name=PERSIAN_TEXTS["question"])
    expect(scale).to_be_visible()

    # Picking a score asks that score's follow-up question.
    scale.get_by_role("radio", name="۹", exact=True).check()
    comment = page.get_by_label(PERSIAN_TEXTS["follow_up_high"])
    expect(comment).to_be_visible()
    comment.fill(COMMENT)
    page.get_by_role("button").click()

    # The thank-you page, in Persian, shows what was recorded.
    expect(page.get_by_role("heading", name=PERSIAN_TEXTS["thank_you"])).to_be_visible()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.get_by_text(COMMENT)).to_be_visible()
    expect(page.get_by_text("۹", exact=False).first).to_be_visible()
    assert Response.objects.values_list("score", "comment", "language").get() == (9, COMMENT, "fa")

    # A staff member signs in and finds the answer on the survey's page.
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    page.goto(live_server.url + reverse("surveys:survey-detail", args=[survey.pk]))
    answers = page.get_by_role("region", name="Latest answers")
    row = answers.get_by_role("listitem").filter(has_text=COMMENT)
    expect(row).to_be_visible()
    expect(row.get_by_text(re.compile(r"^9$"))).to_be_visible()

    # The customer's name there leads to their page, where the answer is on the timeline.
    row.get_by_role("link", name="زهرا رضایی").click()
    expect(page.get_by_role("heading", name="زهرا رضایی")).to_be_visible()
    timeline = page.get_by_role("region", name="Timeline")
    entry = timeline.get_by_role("listitem").filter(has_text=COMMENT)
    expect(entry).to_be_visible()
    expect(entry.get_by_role("link", name=survey.name)).to_be_visible()
    assert dialogs == []


def test_query_string_and_comment_payloads_stay_inert_on_public_and_staff_pages(
    page: Page, live_server, shop
):
    _, user, survey, invitation = shop
    dialogs = watch_dialogs(page)
    answer_url = live_server.url + reverse("surveys:answer", args=[invitation_token(invitation)])
    web_url = live_server.url + reverse("surveys:web-answer", args=[survey.public_id])

    # Reflected: payloads in every query parameter the public pages read.
    for url in [
        f"{answer_url}?score={XSS}&lang={XSS}",
        f"{web_url}?score={XSS}&lang={XSS}&embed={XSS}",
        f"{web_url}?c={XSS}",
        f"{web_url}thanks/?k={XSS}&lang={XSS}",
    ]:
        page.goto(url)
        assert_inert(page)
        assert "<script>" not in page.locator("body").inner_html()

    # Stored: a comment full of markup, sent through the page, shown back and to staff.
    page.goto(answer_url)
    page.get_by_role("radio", name="۲", exact=True).check()
    page.locator("textarea").fill(XSS)
    page.get_by_role("button").click()
    expect(page.get_by_text(XSS)).to_be_visible()
    assert_inert(page)

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(live_server.url + reverse("surveys:survey-detail", args=[survey.pk]))
    expect(page.get_by_role("region", name="Latest answers").get_by_text(XSS)).to_be_visible()
    assert_inert(page)
    assert dialogs == []


@pytest.fixture
def storefront():
    """A shop's own site on another origin (another port of the loopback address).

    Served for real rather than through a Playwright route: Chromium refuses
    a page it cannot place in an address space the right to load from
    127.0.0.1, where the live server runs.
    """
    pages = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = pages.get(self.path.split("?")[0], "").encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield pages, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_storefront_widget_asks_once_per_window(page: Page, live_server, shop, storefront):
    store, _, survey, _ = shop
    pages, shop_url = storefront
    flows_services.set_contact_policy(store=store, survey_window_days=30, survey_audience="opted_in")
    html = (
        "<!doctype html><html lang='fa'><head><title>Shop</title>"
        f"<script src='{live_server.url}/static/cxloop/cxloop.js' async></script></head>"
        "<body><h1>Shop</h1><script>"
        f"window.cxloop = window.cxloop || []; cxloop.push(['survey', '{survey.public_id}']);"
        "</script></body></html>"
    )
    pages.update({"/": html, "/other": html})
    panel = page.locator(f"[data-cxloop-survey='{survey.public_id}']")

    # The snippet opens the survey in a panel on the store's own site.
    page.goto(shop_url + "/")
    widget = page.frame_locator(f"[data-cxloop-survey='{survey.public_id}'] iframe")
    widget.get_by_role("radio", name="۸", exact=True).check()
    widget.get_by_label(PERSIAN_TEXTS["follow_up_mid"]).fill("سایز بیشتر")
    widget.get_by_role("button").click()
    expect(widget.get_by_role("heading", name=PERSIAN_TEXTS["thank_you"])).to_be_visible()
    response = Response.objects.get()
    assert (response.channel, response.score, response.language) == ("widget", 8, "fa")

    # The survey page reported the store's 30-day window; the snippet remembers it.
    page.wait_for_function(
        f"parseInt(localStorage.getItem('cxloop_survey_{survey.public_id}')) < Date.now() + 31 * 86400000"
    )
    until = int(page.evaluate(f"localStorage.getItem('cxloop_survey_{survey.public_id}')"))
    days = (until / 1000 - timezone.now().timestamp()) / 86400
    assert 29 < days <= 30

    # The customer closes the panel; another page of the shop does not ask again.
    page.get_by_role("button", name="Close").click()
    expect(panel).to_have_count(0)
    page.goto(shop_url + "/other")
    page.wait_for_function("window.cxloop && window.cxloop.__loaded")
    expect(panel).to_have_count(0)

    # Once the window has passed it may ask again.
    passed = int((timezone.now() - timedelta(days=1)).timestamp() * 1000)
    page.evaluate(f"localStorage.setItem('cxloop_survey_{survey.public_id}', '{passed}')")
    page.goto(shop_url + "/")
    expect(panel).to_be_visible()


def test_the_answer_page_works_without_javascript(browser, live_server, shop):
    _, _, _, invitation = shop
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()

    page.goto(live_server.url + reverse("surveys:answer", args=[invitation_token(invitation)]) + "?score=3")
    expect(page.get_by_role("radio", name="۳", exact=True)).to_be_checked()
    page.get_by_label(PERSIAN_TEXTS["follow_up_low"]).fill("دیر رسید")
    page.get_by_role("button").click()

    expect(page.get_by_role("heading", name=PERSIAN_TEXTS["thank_you"])).to_be_visible()
    assert Response.objects.values_list("score", "comment").get() == (3, "دیر رسید")
    context.close()
