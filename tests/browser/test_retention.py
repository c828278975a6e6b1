"""An owner reads the Reports page's revenue and retention cards in Persian: Persian digits, and the time
between orders and the monthly active customers charted right to left."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cxloop.analytics.sync import sync_warehouse
from cxloop.commerce.models import Customer, Event, Order
from cxloop.core import services as core_services
from cxloop.core.models import Membership
from cxloop.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_in_persian_the_retention_cards_read_right_to_left_in_persian_digits(
    page: Page, live_server, settings, tmp_path
):
    # given two customers who ordered again, 3 and 30 days after their order before
    settings.CXLOOP_WAREHOUSE_PATH = tmp_path / "analytics.duckdb"
    store, _ = core_services.create_store(name="فروشگاه مینا", currency="IRR", slug="mina")
    owner, _ = core_services.add_staff(
        store=store, email="owner@mina.test", role=Membership.Role.OWNER, password=PASSWORD
    )
    now = timezone.now()
    for n, (name, days_ago) in enumerate((("sara", (5, 2)), ("reza", (40, 10)))):
        who = Customer.objects.create(store=store, email=f"{name}@example.ir", created_at=now, updated_at=now)
        for k, ago in enumerate(days_ago):
            Order.objects.create(
                store=store, customer=who, platform="shopify", external_id=f"{n}-{k}", number=f"#{n}-{k}",
                currency="IRR", total=Decimal("120.00"), created_at=now - timedelta(days=ago),
            )  # fmt: skip
        Event.objects.create(
            store=store, event_id=f"e{n}", type="page_view", session_id=f"s{n}", customer=who,
            occurred_at=now - timedelta(hours=1), received_at=now,
        )  # fmt: skip
    sync_warehouse()

    # when the owner opens the Reports page in Persian
    page.goto(f"{live_server.url}/login/")
    page.locator("input[name=username]").fill(owner.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("button.button--primary[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")
    page.context.add_cookies([{"name": "django_language", "value": "fa", "url": live_server.url}])
    page.goto(f"{live_server.url}/analytics/?days=7")

    # then the figures are in Persian digits: two orders of 120 in these days, the median gap 16.5 days
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    revenue = page.locator("section[aria-labelledby=revenue-title]")
    expect(revenue.locator(".kpi__value").first).to_have_text("۲۴۰٫۰۰ IRR")
    gaps = page.locator("section[aria-labelledby=gaps-title]")
    expect(gaps.locator(".churn-figure strong")).to_have_text("۱۶٫۵ روز")
    expect(gaps.locator("tbody tr").first.locator("td")).to_have_text(["۰–۷ روز", "۱", "۵۰٪"])
    # and both charts run right to left: the first bucket and the oldest month on the right
    for card in (gaps, page.locator("section[aria-labelledby=active-title]")):
        bars = card.locator(".chart--wide rect")
        first, last = bars.first.bounding_box(), bars.last.bounding_box()
        assert first["x"] > last["x"]
    months = page.locator("section[aria-labelledby=active-title] tbody tr").first.locator("td")
    expect(months.nth(1)).to_have_text("۲")  # this month: both visited, and ordered
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path="/tmp/analytics-retention-fa.png", full_page=True)
    for name, card in (
        ("revenue", revenue),
        ("gaps", gaps),
        ("active", page.locator("section[aria-labelledby=active-title]")),
    ):
        card.screenshot(path=f"/tmp/analytics-retention-fa-{name}.png")
