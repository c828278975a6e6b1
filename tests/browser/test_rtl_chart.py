"""A Persian reader's revenue chart runs right to left, in Persian digits, while the logo stays as drawn."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page

from cxloop.commerce.models import Order
from cxloop.commerce.tests.test_views import make_order
from cxloop.core import services as core_services
from cxloop.core.models import Membership
from cxloop.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, live_server, language: str) -> None:
    store, _ = core_services.create_store(name="فروشگاه سارا", currency="EUR", slug="sara")
    core_services.add_staff(
        store=store, email="owner@sara.test", role=Membership.Role.OWNER, password=PASSWORD
    )
    for days_ago, total in [(20, "150.00"), (10, "1250.00"), (1, "90.00")]:
        order = make_order(store, number=f"#{100 + days_ago}", total=total)
        Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page.goto(f"{live_server.url}/login/")
    page.locator("input[name=username]").fill("owner@sara.test")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("button.button--primary[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")


def chart_geometry(page: Page) -> dict:
    return page.evaluate(
        """() => {
          const svg = document.querySelector('.chart--wide svg');
          const bars = [...svg.querySelectorAll('rect.chart__bar')].filter(b => b.getBBox().height > 0);
          const ticks = [...svg.querySelectorAll('text.chart__label[dominant-baseline]')];
          return {
            bars: bars.map(b => b.getBoundingClientRect().x),
            ticks: ticks.map(t => t.getBoundingClientRect().x),
            labels: [...svg.querySelectorAll('text.chart__label')].map(t => t.textContent),
            logo: getComputedStyle(document.querySelector('.brand__mark')).transform,
            brand: getComputedStyle(document.querySelector('.brand')).transform,
          };
        }"""
    )


def test_the_persian_revenue_chart_is_mirrored_and_the_logo_is_not(page: Page, live_server, tmp_path):
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, "fa")

    geometry = chart_geometry(page)
    page.locator(".chart--wide").screenshot(path=tmp_path / "overview-chart-fa.png")

    # Oldest order (20 days ago) to the right of the newest (yesterday): time runs right to left.
    assert len(geometry["bars"]) == 3
    assert geometry["bars"] == sorted(geometry["bars"], reverse=True)
    # The value axis stands right of every bar.
    assert min(geometry["ticks"]) > max(geometry["bars"])
    assert geometry["labels"] and not [text for text in geometry["labels"] if re.search("[0-9]", text)]
    assert geometry["logo"] == "none" and geometry["brand"] == "none"
    assert (tmp_path / "overview-chart-fa.png").stat().st_size > 0


def test_the_english_revenue_chart_runs_left_to_right(page: Page, live_server):
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, "en")

    geometry = chart_geometry(page)

    assert geometry["bars"] == sorted(geometry["bars"])
    assert max(geometry["ticks"]) < min(geometry["bars"])
