"""Searching, filtering and sorting customers: the same answers however the query is run."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cxloop.commerce import queries
from cxloop.commerce.models import Customer
from cxloop.commerce.services.customers import casefold_name

pytestmark = pytest.mark.django_db
SORTS = ["newest", "oldest", "spent", "orders", "last_order", "name"]
NOW = timezone.now()


def add_customer(store, email, first="", last="", *, days_ago=0, orders=0, spent="0", consent="subscribed"):
    created = NOW - timedelta(days=days_ago)
    return Customer.objects.create(
        store=store, email=email, email_key=email.lower(), first_name=first, last_name=last,
        name_key=casefold_name(first, last), surname_key=casefold_name("", last), email_consent=consent,
        created_at=created, updated_at=created, orders_count=orders, amount_spent=Decimal(spent),
        last_order_at=created if orders else None,
    )  # fmt: skip


def some_customers(store) -> None:
    """16 customers, a dozen starting with "an"; as refresh_customer_facts keeps them,
    those without orders have spent nothing and have no last order."""
    people = [
        ("Anna", "Nowak"), ("Andrzej", "Wójcik"), ("Łukasz", "Anders"), ("Zahra", "Rezaei"),
        ("Ania", "Kowalska"), ("Anton", "Bērziņš"), ("Olga", "Anweiler"), ("Amir", "Karimi"),
    ]  # fmt: skip
    for i, (first, last) in enumerate(people * 2):
        orders, consent = i % 3, ["subscribed", "not_subscribed"][i % 2]
        spent = f"{(i * 37) % 90}.50" if orders else "0"
        add_customer(store, f"{first.lower()}{i}@example.com", first, last, days_ago=i % 5,
                     orders=orders, spent=spent, consent=consent)  # fmt: skip


def ids(customers) -> list[int]:
    return [c.pk for c in customers]


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("has_orders", ["", "yes", "no"])
def test_a_broad_search_answers_as_a_narrow_one(store, monkeypatch, sort, has_orders):
    # given
    some_customers(store)
    narrow = ids(queries.list_customers(store, search="an", sort=sort, has_orders=has_orders))
    # when: so few customers count as many that the search walks the sort's index instead
    monkeypatch.setattr(queries, "NARROW_SEARCH", 2)
    broad = ids(queries.list_customers(store, search="an", sort=sort, has_orders=has_orders))
    # then
    assert broad == narrow
    assert len(narrow) > 2


@pytest.mark.parametrize("sort", SORTS)
def test_customers_without_orders_keep_the_order_of_their_sort(store, sort):
    # given
    some_customers(store)
    field, tie = queries.CUSTOMER_SORTS[sort]
    everyone = list(Customer.objects.filter(store=store).order_by(field, tie))
    # when
    found = ids(queries.list_customers(store, sort=sort, has_orders="no"))
    # then
    assert found == [c.pk for c in everyone if c.orders_count == 0]


def test_customers_with_the_same_sort_value_come_in_a_stable_order(store):
    # given: created at the same moment
    first = add_customer(store, "a@example.com", days_ago=1)
    second = add_customer(store, "b@example.com", days_ago=1)
    # when
    newest = ids(queries.list_customers(store, sort="newest"))
    oldest = ids(queries.list_customers(store, sort="oldest"))
    # then
    assert newest == [first.pk, second.pk]
    assert oldest == [second.pk, first.pk]


def test_buyers_sorted_by_spending(store):
    some_customers(store)
    found = list(queries.list_customers(store, has_orders="yes", consent="subscribed", sort="spent"))
    assert [c.amount_spent for c in found] == sorted((c.amount_spent for c in found), reverse=True)
    buyers = Customer.objects.filter(store=store, orders_count__gt=0, email_consent="subscribed")
    assert {c.pk for c in found} == set(buyers.values_list("pk", flat=True))


@pytest.mark.parametrize("search", ["王秀英", "王秀", "秀英", "王"])
def test_a_chinese_name_is_found_as_written_family_name_first(staff_client, store, search):
    # given
    add_customer(store, "xiuying@example.cn", "秀英", "王")
    add_customer(store, "li@example.cn", "秀英", "李")
    # when
    response = staff_client.get(reverse("commerce:customer-list"), {"q": search})
    # then
    assert "xiuying@example.cn" in response.text
    assert ("li@example.cn" in response.text) == (search == "秀英")


def test_a_family_name_alone_does_not_match_a_given_name_that_starts_with_it(store):
    add_customer(store, "wang@example.cn", "王芳", "李")
    assert ids(queries.list_customers(store, search="王芳李")) == []
