"""A Persian reader sees a customer's predictions right to left, in Persian digits, with their ranges."""

import re
from datetime import UTC, datetime

import pytest
from django.utils import translation
from playwright.sync_api import Page

from cxloop.core import services as core_services
from cxloop.core.models import Membership
from cxloop.segments.models import CustomerPrediction
from cxloop.segments.services.predictions import refresh_predictions
from cxloop.segments.tests.test_refresh import simulated_store
from cxloop.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_outlook_card_in_persian(page: Page, live_server, tmp_path):
    store, _ = core_services.create_store(name="فروشگاه سارا", currency="EUR", slug="sara")
    core_services.add_staff(
        store=store, email="owner@sara.test", role=Membership.Role.OWNER, password=PASSWORD
    )
    simulated_store(store, 300)
    refresh_predictions(store, as_of=datetime(2026, 12, 1, tzinfo=UTC))
    prediction = CustomerPrediction.objects.filter(store=store, expected_orders_365__gt=0.5).first()
    page.context.add_cookies([{"name": "django_language", "value": "fa", "url": live_server.url}])
    page.goto(f"{live_server.url}/login/")
    page.locator("input[name=username]").fill("owner@sara.test")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("button.button--primary[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/customers/{prediction.customer_id}/")
    card = page.locator("#outlook")
    card.screenshot(path=tmp_path / "outlook-fa.png")
    text = card.inner_text()

    assert card.evaluate("e => getComputedStyle(e).direction") == "rtl"
    with translation.override("fa"):
        assert str(prediction.get_rfm_group_display()) in text  # the group's Persian name
    assert "چشم‌انداز" in text and "هنوز مشتری است" in text
    assert not re.search("[0-9]", text.replace("EUR", ""))  # every figure in Persian digits
    assert card.locator(".interval").count() == 2
    assert (tmp_path / "outlook-fa.png").stat().st_size > 0
