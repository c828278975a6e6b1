"""Hostile survey comments, customer names and tags stay text on the staff results and comments pages."""

from datetime import timedelta
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cxloop.commerce.models import Customer
from cxloop.commerce.records import LineData, OrderData
from cxloop.commerce.services import upsert_order
from cxloop.core import services as core_services
from cxloop.core.models import Membership
from cxloop.surveys import services as survey_services
from cxloop.surveys.models import Response
from cxloop.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COMMENTS = [
    "<script>window.__cx_xss = 1; alert('script')</script>",
    "<img src=x onerror=\"window.__cx_xss = 2; alert('img')\"> onerror payload",
    "<a href=\"javascript:alert('link')\">click me</a> onerror again",
    '"><svg onload=alert(1)>',
    "invoice\u202efdp.exe",
    "{{ 7*7 }} {% csrf_token %}",
]
NAME = "<img src=x onerror=\"alert('name')\">"
SURNAME = "\u202eevil"
TAG = "<b onmouseover=alert('tag')>vip</b>"
PRODUCT = "<script>alert('product')</script>"


@pytest.fixture
def shop(transactional_db):
    store, _ = core_services.create_store(name="Sklep Ania", currency="PLN", slug="sklep-ania")
    user, _ = core_services.add_staff(
        store=store, email="owner@sklep-ania.test", role=Membership.Role.OWNER, password=PASSWORD
    )
    now = timezone.now()
    customer = Customer.objects.create(
        store=store, email="hostile@example.com", email_key="hostile@example.com", first_name=NAME,
        last_name=SURNAME, tags=[TAG], created_at=now, updated_at=now,
    )  # fmt: skip
    order, _ = upsert_order(
        store=store,
        platform="shopify",
        data=OrderData(
            external_id="9001", number="#9001", currency="PLN", total=Decimal("10"), created_at=now,
            lines=[LineData(title=PRODUCT, quantity=1, price=Decimal("10"))],
        ),
    )  # fmt: skip
    survey = survey_services.create_survey(store=store, name="<i>NPS</i> survey", kind="nps")
    survey_services.activate_survey(survey=survey)
    for index, comment in enumerate(COMMENTS):
        at = now - timedelta(hours=index + 1)
        Response.objects.create(
            store=store, survey=survey, customer=customer, order=order, channel="email", language="en",
            score=index, band="low", comment=comment, comment_language="en", created_at=at, updated_at=at,
        )  # fmt: skip
    # Themes are phrases several different customers wrote: two more write a hostile one.
    for index in range(2):
        other = Customer.objects.create(
            store=store, email=f"hostile{index}@example.com", email_key=f"hostile{index}@example.com",
            created_at=now, updated_at=now,
        )  # fmt: skip
        Response.objects.create(
            store=store, survey=survey, customer=other, channel="email", language="en", score=1, band="low",
            comment="<b onmouseover=alert(5)>onerror payload</b>", comment_language="en",
            created_at=now - timedelta(minutes=index + 1), updated_at=now,
        )  # fmt: skip
    return survey, user


def sign_in(page: Page, base: str, user) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Email").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()


def assert_inert(page: Page) -> None:
    handlers = page.evaluate(
        """() => [...document.querySelectorAll('*')]
                 .filter(el => [...el.attributes].some(a => a.name.toLowerCase().startsWith('on')))
                 .map(el => el.outerHTML.slice(0, 80))"""
    )
    assert handlers == []
    assert page.locator('[href^="javascript:" i], [src^="javascript:" i]').count() == 0
    assert page.locator("main script, main img, main svg a").count() == 0
    assert page.evaluate("() => window.__cx_xss") is None


def test_hostile_comments_names_and_tags_render_as_text(page: Page, live_server, shop):
    survey, user = shop
    dialogs, foreign_requests = [], []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on(
        "request", lambda r: None if r.url.startswith(live_server.url) else foreign_requests.append(r.url)
    )
    sign_in(page, live_server.url, user)

    # The comments, with names, and the themes built from them.
    page.goto(f"{live_server.url}/surveys/{survey.pk}/comments/")
    comments = page.get_by_role("region", name="Comments")
    for comment in COMMENTS:
        expect(comments.get_by_text(comment, exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="<i>NPS</i> survey")).to_be_visible()
    name = comments.locator("bdi", has_text=NAME).first
    expect(name).to_be_visible()
    assert SURNAME in name.inner_text()
    themes = page.get_by_role("complementary", name="Themes")
    expect(themes.get_by_role("link", name="onerror payload", exact=True)).to_be_visible()
    assert_inert(page)

    # A hostile search is echoed as text in the search box only.
    page.goto(f"{live_server.url}/surveys/{survey.pk}/comments/?q={quote(COMMENTS[0])}")
    expect(page.get_by_label("Search comments")).to_have_value(COMMENTS[0])
    expect(page.get_by_text(COMMENTS[0], exact=True)).to_be_visible()
    assert_inert(page)

    # The results page shows the product bought and the customer tag as text.
    page.goto(f"{live_server.url}/surveys/{survey.pk}/results/")
    expect(page.get_by_role("row", name=PRODUCT)).to_be_visible()
    expect(page.get_by_role("row", name=TAG)).to_be_visible()
    assert_inert(page)

    assert dialogs == []
    assert foreign_requests == []
