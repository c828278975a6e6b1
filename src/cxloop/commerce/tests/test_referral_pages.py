"""The referral code an order was placed with, on the order page and the customer's timeline: the code,
and a link to the referring customer of the same store; an erased one is named by nobody."""

import pytest
from django.urls import reverse

from cxloop.commerce.models import Customer, Order
from cxloop.commerce.services.erasure import erase_customer
from cxloop.commerce.tests.test_views import make_customer, make_order

pytestmark = pytest.mark.django_db


def referred_order(store, referrer, number="#1001"):
    order = make_order(store, number=number, email="zahra@example.ir", referral_code=referrer.referral_code)
    assert order.referral_code == referrer.referral_code
    return order


def order_page(client, order) -> str:
    response = client.get(reverse("commerce:order-detail", args=[order.pk]))
    assert response.status_code == 200
    return response.text


def test_the_order_page_shows_the_code_and_links_to_the_customer_who_referred_it(staff_client, store):
    ola = make_customer(store, email="ola@example.pl", first_name="Ola", last_name="Nowak")
    order = referred_order(store, ola)

    page = order_page(staff_client, order)

    link = reverse("commerce:customer-detail", args=[ola.pk])
    assert f'<bdi dir="ltr" class="mono">{ola.referral_code}</bdi>' in page
    assert f'referred by <a href="{link}"><bdi>Ola Nowak</bdi></a>' in page


def test_the_customers_timeline_shows_the_code_their_order_was_placed_with(staff_client, store):
    ola = make_customer(store, email="ola@example.pl", first_name="Ola", last_name="Nowak")
    order = referred_order(store, ola)

    page = staff_client.get(reverse("commerce:customer-detail", args=[order.customer_id])).text

    link = reverse("commerce:customer-detail", args=[ola.pk])
    assert f'<bdi dir="ltr" class="mono">{ola.referral_code}</bdi>' in page
    assert f'referred by <a href="{link}"><bdi>Ola Nowak</bdi></a>' in page


def test_an_order_without_a_code_shows_no_referral(staff_client, store):
    order = make_order(store, number="#1001")

    assert 'id="order-referral"' not in order_page(staff_client, order)
    assert "No source recorded." in order_page(staff_client, order)


def test_a_code_that_is_another_stores_customers_links_nobody(staff_client, store, other_store):
    theirs = make_customer(other_store, email="them@example.com", first_name="Obcy")
    order = make_order(store, number="#1001")
    Order.objects.filter(pk=order.pk).update(referral_code=theirs.referral_code)

    page = order_page(staff_client, order)

    assert f'<bdi dir="ltr" class="mono">{theirs.referral_code}</bdi>' in page
    assert "no customer has this code now" in page
    assert reverse("commerce:customer-detail", args=[theirs.pk]) not in page and "Obcy" not in page


def test_an_erased_referrer_is_shown_as_erased_without_their_code_or_name(staff_client, store):
    ola = make_customer(store, email="ola@example.pl", first_name="Ola", last_name="Nowak")
    order = referred_order(store, ola)
    code = ola.referral_code

    erase_customer(store=store, customer=ola)

    page = order_page(staff_client, order)
    assert "Referred by a customer who has since been erased" in page
    for personal in (code, "Ola", "ola@example.pl"):
        assert personal not in page


def test_a_customer_kept_as_erased_is_not_named_either(staff_client, store):
    ola = make_customer(store, email="ola@example.pl", first_name="Ola", last_name="Nowak")
    order = referred_order(store, ola)
    Customer.objects.filter(pk=ola.pk).update(erased_at=order.created_at)

    page = order_page(staff_client, order)

    assert "Referred by a customer who has since been erased" in page
    assert ola.referral_code not in page and "Ola" not in page
    assert reverse("commerce:customer-detail", args=[ola.pk]) not in page


def test_the_referrers_name_is_text(staff_client, store):
    evil = make_customer(store, email="evil@example.com", first_name="<script>alert(1)</script>")
    order = referred_order(store, evil)

    page = order_page(staff_client, order)

    assert "<script>alert(1)</script>" not in page
    assert "<bdi>&lt;script&gt;alert(1)&lt;/script&gt;</bdi>" in page


def test_the_timeline_reads_every_referrer_in_one_query(store, django_assert_num_queries):
    from cxloop.commerce.queries import build_timeline

    referrers = [make_customer(store, email=f"r{i}@example.pl", first_name=f"R{i}") for i in range(3)]
    orders = [referred_order(store, referrer, number=f"#{100 + i}") for i, referrer in enumerate(referrers)]
    customer = Customer.objects.get(pk=orders[0].customer_id)

    with django_assert_num_queries(6):  # orders, their referrers, refunds, checkouts, events, actions
        entries = build_timeline(store, customer)

    names = {e.obj.number: e.obj.referral.referrer.first_name for e in entries if e.kind == "order"}
    assert names == {"#100": "R0", "#101": "R1", "#102": "R2"}
