"""Staff pages show names people read, not stored codes: countries, languages, event types, CJK names."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cxloop.commerce.models import Customer, Event

from .test_views import make_order

pytestmark = pytest.mark.django_db


def make_customer(store, **fields):
    now = timezone.now()
    fields.setdefault("email", "wei@example.cn")
    return Customer.objects.create(
        store=store, email_key=fields["email"], created_at=now, updated_at=now, **fields
    )


def profile_value(page: str, term: str) -> str:
    return page.split(f"<dt>{term}</dt><dd>")[1].split("</dd>")[0]


def test_customer_page_names_the_country_and_language_instead_of_their_codes(staff_client, store):
    # given
    customer = make_customer(store, country="US", language="zh-hans")

    # when
    page = staff_client.get(reverse("commerce:customer-detail", args=[customer.pk])).text

    # then
    assert profile_value(page, "Country") == "United States"
    assert profile_value(page, "Language") == "Simplified Chinese"


def test_customer_page_names_them_in_the_readers_language(staff_client, store):
    # given a Polish-speaking reader
    customer = make_customer(store, country="US", language="en")
    staff_client.cookies["django_language"] = "pl"

    # when
    page = staff_client.get(reverse("commerce:customer-detail", args=[customer.pk])).text

    # then
    assert "<dd>Stany Zjednoczone</dd>" in page
    assert "<dd>angielski</dd>" in page
    assert "<dd>US</dd>" not in page and "<dd>en</dd>" not in page


def test_an_unknown_code_is_shown_as_stored_and_a_missing_one_as_a_dash(staff_client, store):
    customer = make_customer(store, country="XQ", language="")

    page = staff_client.get(reverse("commerce:customer-detail", args=[customer.pk])).text

    assert profile_value(page, "Country") == "XQ"
    assert profile_value(page, "Language") == "—"


def test_customer_list_names_the_country(staff_client, store):
    make_customer(store, first_name="Anna", last_name="Kowalska", country="PL")

    page = staff_client.get(reverse("commerce:customer-list")).text

    assert '<td class="hide-small">Poland</td>' in page
    assert '<td class="hide-small">PL</td>' not in page


def test_the_timeline_names_event_types_in_words(staff_client, store):
    # given a low-score follow-up cxloop records and an event type only the store's site knows
    customer = make_customer(store)
    now = timezone.now()
    for number, kind in enumerate(["survey_low_score", "wishlist_add"]):
        Event.objects.create(
            store=store, customer=customer, event_id=f"e{number}", type=kind,
            occurred_at=now - timedelta(hours=number + 1), received_at=now,
        )  # fmt: skip

    # when
    page = staff_client.get(reverse("commerce:customer-detail", args=[customer.pk])).text

    # then
    assert "<bdi>Low survey score</bdi>" in page
    assert "<bdi>Wishlist add</bdi>" in page
    assert "survey_low_score" not in page and "wishlist_add" not in page


def test_a_chinese_name_is_written_family_name_first_without_a_space(staff_client, store):
    # given 王伟: family name 王, given name 伟; and a Latin-script name beside it
    wei = make_customer(store, first_name="伟", last_name="王")
    make_customer(store, email="anna@example.pl", first_name="Anna", last_name="Kowalska")
    order = make_order(store, email="wei@example.cn")

    # when
    listed = staff_client.get(reverse("commerce:customer-list")).text
    detail = staff_client.get(reverse("commerce:customer-detail", args=[wei.pk])).text
    orders = staff_client.get(reverse("commerce:order-list")).text
    order_page = staff_client.get(reverse("commerce:order-detail", args=[order.pk])).text

    # then
    assert order.customer_id == wei.pk
    for page in (listed, detail, orders, order_page):
        assert "<bdi>王伟</bdi>" in page
        assert "伟 王" not in page
    assert "<bdi>Anna Kowalska</bdi>" in listed
