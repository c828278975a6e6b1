"""Staff pages show times in the store's zone, one date format per language, and Persian digits in Persian."""

import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from cxloop.commerce.models import Order
from cxloop.core.models import Store

from .test_views import make_order

pytestmark = pytest.mark.django_db

PLACED = datetime(2026, 12, 2, 9, 46, tzinfo=UTC)  # 10:46 in Warsaw (CET)


@pytest.fixture
def warsaw_order(store):
    Store.objects.filter(pk=store.pk).update(timezone="Europe/Warsaw")
    order = make_order(store, total="13250.21")
    Order.objects.filter(pk=order.pk).update(created_at=PLACED)
    return order


def test_an_order_placed_at_10_46_in_warsaw_reads_10_46_with_the_zone_named(staff_client, warsaw_order):
    page = staff_client.get(reverse("commerce:order-detail", args=[warsaw_order.pk])).text

    placed = page.split("<dt>Placed</dt><dd>")[1].split("</dd>")[0]
    assert ">Dec 2, 2026, 10:46\u202fAM\xa0CET</time>" in placed
    assert "9:46" not in page
    assert "13,250.21 PLN" in page


def test_the_order_list_shows_store_time_and_names_the_zone_in_its_heading(staff_client, warsaw_order):
    page = staff_client.get(reverse("commerce:order-list")).text

    assert 'Date <span class="muted zone-name">(Europe/Warsaw)</span>' in page
    assert "Dec 2, 2026, 10:46\u202fAM" in page
    assert "9:46" not in page


def test_chinese_pages_group_money_and_write_chinese_dates(staff_client, warsaw_order):
    staff_client.cookies["django_language"] = "zh-hans"

    page = staff_client.get(reverse("commerce:order-detail", args=[warsaw_order.pk])).text

    assert "2026年12月2日 10:46\xa0CET" in page
    assert "13,250.21 PLN" in page


def visible_numbers(page: str) -> list[str]:
    """The text of KPI values, number cells, money and times: where a reader looks for figures."""
    cells = re.findall(
        r'<(p|td|span|dd|time)\b[^>]*class="[^"]*\b(?:kpi__value|kpi__previous|num|money|funnel__value)\b'
        r'[^"]*"[^>]*>(.*?)</\1>',
        page,
        flags=re.S,
    )
    times = re.findall(r"<time\b[^>]*>(.*?)</time>", page, flags=re.S)
    texts = [body for _, body in cells] + times
    return [re.sub(r"<[^>]+>", "", text).strip() for text in texts if text.strip()]


@pytest.mark.parametrize("page_name", ["web:overview", "commerce:order-list", "commerce:customer-list"])
def test_persian_pages_write_every_figure_in_persian_digits(staff_client, warsaw_order, page_name):
    staff_client.cookies["django_language"] = "fa"

    page = staff_client.get(reverse(page_name)).text

    figures = visible_numbers(page)
    assert figures, "the page shows figures"
    assert [text for text in figures if re.search(r"[0-9]", text)] == []
    assert any(re.search("[۰-۹]", text) for text in figures)


def test_persian_order_page_shows_the_solar_hijri_date_and_grouped_money(staff_client, warsaw_order):
    staff_client.cookies["django_language"] = "fa"

    page = staff_client.get(reverse("commerce:order-detail", args=[warsaw_order.pk])).text

    assert "۱۱ آذر ۱۴۰۵" in page  # 2 December 2026
    assert "۱۰:۴۶" in page
    assert "۱۳٬۲۵۰٫۲۱ PLN" in page
    assert [text for text in visible_numbers(page) if re.search(r"[0-9]", text)] == []


def test_a_persian_reader_can_switch_to_the_gregorian_calendar(staff_client, warsaw_order):
    staff_client.cookies["django_language"] = "fa"
    detail = reverse("commerce:order-detail", args=[warsaw_order.pk])

    answer = staff_client.post(reverse("web:set-calendar"), {"calendar": "gregorian", "next": detail})
    page = staff_client.get(detail).text

    assert answer.status_code == 302 and answer["Location"] == detail
    assert "۲ دسامبر ۲۰۲۶" in page
    assert "۱۱ آذر ۱۴۰۵" not in page
    assert 'value="gregorian" selected' in page


def test_an_unknown_calendar_is_refused_and_nothing_changes(staff_client, warsaw_order):
    answer = staff_client.post(reverse("web:set-calendar"), {"calendar": "lunar", "next": "/"})

    assert answer.status_code == 400
    assert "Unknown calendar lunar" in answer.text
    assert "cxloop_calendar" not in answer.cookies


def test_the_calendar_choice_does_not_redirect_off_site(staff_client):
    answer = staff_client.post(
        reverse("web:set-calendar"), {"calendar": "jalali", "next": "https://evil.example/"}
    )

    assert answer.status_code == 302 and answer["Location"] == "/"
