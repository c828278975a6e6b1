"""An owner opens the Reports page: the paths to a first order and the referred new customers, in
Persian (right to left) too, and downloads the paths."""

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


def test_the_owner_reads_the_paths_to_a_first_order_and_the_referrals(
    page: Page, live_server, settings, tmp_path
):
    # given a new customer who came with another's code, viewed a product, added it to the cart and ordered
    settings.CXLOOP_WAREHOUSE_PATH = tmp_path / "analytics.duckdb"
    store, _ = core_services.create_store(name="Sklep Ani", currency="PLN", slug="sklep-ani")
    owner, _ = core_services.add_staff(
        store=store, email="owner@sklep-ani.test", role=Membership.Role.OWNER, password=PASSWORD
    )
    now = timezone.now()
    ola, zofia = (
        Customer.objects.create(store=store, email=f"{name}@example.pl", created_at=now, updated_at=now)
        for name in ("ola", "zofia")
    )
    steps = [("page_view", {"path": "/products/szal?color=red"}), ("product_view", {}), ("add_to_cart", {})]
    for n, (kind, properties) in enumerate(steps):
        Event.objects.create(
            store=store, event_id=f"e{n}", type=kind, session_id="s1", customer=zofia, properties=properties,
            occurred_at=now - timedelta(minutes=30 - n), received_at=now,
        )  # fmt: skip
    Order.objects.create(
        store=store, customer=zofia, platform="shopify", external_id="1", number="#1", currency="PLN",
        total=Decimal("80.00"), created_at=now - timedelta(minutes=20), referral_code=ola.referral_code,
    )  # fmt: skip
    sync_warehouse()

    # when the owner opens the Reports page for the last 7 days
    page.goto(f"{live_server.url}/login/")
    page.locator("input[name=username]").fill(owner.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("button.button--primary[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/analytics/?days=7")

    # then the path reads step by step, with its customer and share, and the referral is by code
    paths = page.locator("table", has=page.locator("#paths-title"))
    row = paths.locator("tbody tr").first
    expect(row.locator("li")).to_have_text(["/products/szal", "Viewed a product", "Added to cart"])
    expect(row.locator("td.num").nth(0)).to_have_text("1")
    expect(row.locator("td.num").nth(1)).to_have_text("100%")
    referred = page.locator("tr", has_text="With a referral code on the order")
    expect(referred.locator("td.num")).to_have_text("1")
    page.screenshot(path="/tmp/analytics-reports-en.png", full_page=True)

    # and the paths download as CSV
    with page.expect_download() as info:
        page.locator("a[href*='/analytics/paths.csv']").click()
    lines = open(info.value.path(), encoding="utf-8-sig").read().splitlines()
    assert lines[1] == "/products/szal → Viewed a product → Added to cart,1,100.0,600"

    # and in Persian the page runs right to left, the path's arrows too, nothing wider than the window
    page.context.add_cookies([{"name": "django_language", "value": "fa", "url": live_server.url}])
    page.goto(f"{live_server.url}/analytics/?days=7")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    arrow = row.locator("li").nth(1).evaluate("li => getComputedStyle(li, '::before').content")
    assert arrow == '"←"'
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path="/tmp/analytics-reports-fa.png", full_page=True)


def test_on_a_phone_the_paths_stack_and_keep_each_step_whole_in_chinese_and_persian(
    page: Page, live_server, settings, tmp_path
):
    # given a new customer whose way to a first order took six steps
    settings.CXLOOP_WAREHOUSE_PATH = tmp_path / "analytics.duckdb"
    store, _ = core_services.create_store(name="茶叶店", currency="CNY", slug="chaye")
    owner, _ = core_services.add_staff(
        store=store, email="owner@chaye.test", role=Membership.Role.OWNER, password=PASSWORD
    )
    now = timezone.now()
    li = Customer.objects.create(store=store, email="li@example.cn", created_at=now, updated_at=now)
    steps = [("page_view", {"path": "/products/long-jing-green-tea-gift-box"})] + [
        (kind, {})
        for kind in ("product_view", "add_to_cart", "product_view", "add_to_cart", "checkout_started")
    ]
    for n, (kind, properties) in enumerate(steps):
        Event.objects.create(
            store=store, event_id=f"e{n}", type=kind, session_id="s1", customer=li, properties=properties,
            occurred_at=now - timedelta(minutes=30 - n), received_at=now,
        )  # fmt: skip
    Order.objects.create(
        store=store, customer=li, platform="shopify", external_id="1", number="#1", currency="CNY",
        total=Decimal("88.00"), created_at=now - timedelta(minutes=20),
    )  # fmt: skip
    sync_warehouse()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/login/")
    page.locator("input[name=username]").fill(owner.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("button.button--primary[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")

    for language, arrow, customers in (("zh-hans", '"→"', '"客户"'), ("fa", '"←"', '"مشتریان"')):
        # when the owner reads the Reports page on a phone
        page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        page.goto(f"{live_server.url}/analytics/?days=7")
        paths = page.locator("table", has=page.locator("#paths-title"))
        row = paths.locator("tbody tr").first
        expect(row.locator(".journey-step")).to_have_count(6)

        # then nothing is wider than the screen, not even inside the paths' box
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert paths.evaluate("table => table.parentElement.scrollWidth <= table.parentElement.clientWidth")
        # each step is one chip on one line (a word is never split), the arrows point the reading way
        heights = row.locator(".journey-step:not(.journey-step--page)").evaluate_all(
            "steps => steps.map(s => s.offsetHeight / parseFloat(getComputedStyle(s).fontSize))"
        )
        assert len(heights) == 5 and max(heights) < 2, heights
        assert row.locator("li").nth(1).evaluate("li => getComputedStyle(li, '::before').content") == arrow
        # and the figures sit under the path, each with its column's name
        figure = row.locator("td.num").first
        assert figure.evaluate("td => getComputedStyle(td, '::before').content") == customers
        path_box, figure_box = row.locator("td").first.bounding_box(), figure.bounding_box()
        assert figure_box["y"] >= path_box["y"] + path_box["height"]
        page.screenshot(path=f"/tmp/analytics-paths-{language}-390.png", full_page=True)
