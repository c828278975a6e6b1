"""A Persian owner types the Reports page's date range as Solar Hijri days and reads that range."""

from datetime import datetime, time, timedelta
from decimal import Decimal

import jdatetime
import pytest
from django.utils import timezone, translation
from playwright.sync_api import Page, expect

from cxloop.analytics.sync import sync_warehouse
from cxloop.commerce.models import Order
from cxloop.core import formats
from cxloop.core import services as core_services
from cxloop.core.models import Membership
from cxloop.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def test_a_persian_owner_types_a_solar_hijri_range_and_reads_its_days(
    page: Page, live_server, settings, tmp_path
):
    # given a Tehran store with an order five days ago
    settings.CXLOOP_WAREHOUSE_PATH = tmp_path / "analytics.duckdb"
    store, _ = core_services.create_store(
        name="فروشگاه سارا", currency="IRR", slug="sara", timezone="Asia/Tehran"
    )
    owner, _ = core_services.add_staff(
        store=store, email="owner@sara.test", role=Membership.Role.OWNER, password=PASSWORD
    )
    zone = formats.store_zone(store)
    today = timezone.now().astimezone(zone).date()
    first, last = today - timedelta(days=9), today - timedelta(days=3)
    Order.objects.create(
        store=store, platform="shopify", external_id="1", number="#1", currency="IRR",
        total=Decimal("80.00"), created_at=datetime.combine(today - timedelta(days=5), time(12), tzinfo=zone),
    )  # fmt: skip
    sync_warehouse()
    jfirst, jlast = (jdatetime.date.fromgregorian(date=day) for day in (first, last))

    page.goto(f"{live_server.url}/login/")
    page.locator("input[name=username]").fill(owner.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("button.button--primary[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")
    page.context.add_cookies([{"name": "django_language", "value": "fa", "url": live_server.url}])
    page.goto(f"{live_server.url}/analytics/?days=7")

    # when the owner types the range, the first day in Persian digits, the last in ASCII ones with dashes
    form = page.get_by_role("form", name="بازهٔ تاریخ")
    typed_first = f"{jfirst.year}/{jfirst.month:02d}/{jfirst.day:02d}".translate(PERSIAN)
    form.get_by_label("از", exact=True).fill(typed_first)
    form.get_by_label("تا", exact=True).fill(f"{jlast.year}-{jlast.month}-{jlast.day}")
    form.get_by_role("button", name="نمایش").click()

    # then the address asks for the same days in ISO, and the heading names them in Solar Hijri days
    page.wait_for_url(f"{live_server.url}/analytics/?from={first.isoformat()}&to={last.isoformat()}")
    with translation.override("fa"):
        since, until = formats.date_text(first), formats.date_text(last)
    expect(page.locator("p.muted").first).to_contain_text(
        f"{since} – {until}، در مقایسه با همین تعداد روز پیش از آن."
    )
    assert since == f"{jfirst.day} {jdatetime.date.j_months_fa[jfirst.month - 1]} {jfirst.year}".translate(
        PERSIAN
    )
    # and the form keeps the range in Persian digits, written left to right
    expect(form.get_by_label("از", exact=True)).to_have_value(typed_first)
    expect(form.get_by_label("تا", exact=True)).to_have_value(
        f"{jlast.year}/{jlast.month:02d}/{jlast.day:02d}".translate(PERSIAN)
    )
    expect(form.get_by_label("تا", exact=True)).to_have_attribute("dir", "ltr")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path="/tmp/analytics-range-jalali.png", full_page=False)

    # and on a phone the form fits the screen, each day whole in its field
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    for name in ("jfrom", "jto"):
        field = form.locator(f"input[name={name}]")
        assert field.evaluate("input => input.scrollWidth <= input.clientWidth"), name
    page.screenshot(path="/tmp/analytics-range-jalali-390.png", full_page=False)
