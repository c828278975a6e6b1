"""Searching, filtering and sorting customers: the same answers however the query is run."""

import importlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.urls import reverse
from django.utils import timezone

from cxloop.commerce import queries
from cxloop.commerce.models import Customer, CustomerSearchTerm, Order
from cxloop.commerce.records import CustomerData
from cxloop.commerce.services import erase_customer, upsert_customer
from cxloop.commerce.services.customers import (
    RENAMED_LISTENERS,
    casefold_name,
    identify_customer,
    index_search_terms,
    register_renamed_listener,
)

pytestmark = pytest.mark.django_db
SORTS = ["newest", "oldest", "spent", "orders", "last_order", "name"]
NOW = timezone.now()


def add_customer(store, email, first="", last="", *, days_ago=0, orders=0, spent="0", consent="subscribed"):
    created = NOW - timedelta(days=days_ago)
    customer = Customer.objects.create(
        store=store, email=email, email_key=email.lower(), first_name=first, last_name=last,
        name_key=casefold_name(first, last), surname_key=casefold_name("", last), email_consent=consent,
        created_at=created, updated_at=created, orders_count=orders, amount_spent=Decimal(spent),
        last_order_at=created if orders else None,
    )  # fmt: skip
    index_search_terms(customer)
    return customer


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


def emails(customers) -> list[str]:
    return sorted(c.email for c in customers)


@pytest.mark.parametrize(
    "search", ["Zolkiewski", "zolk", "ŻÓŁKIEWSKI", "Stanisław Żółkiewski", "żółkiewski stan"]
)
def test_a_polish_surname_is_found_with_or_without_its_diacritics(store, search):
    add_customer(store, "hetman@example.pl", "Stanisław", "Żółkiewski")
    add_customer(store, "zolnierz@example.pl", "Jan", "Żołnierz")
    assert emails(queries.list_customers(store, search=search)) == ["hetman@example.pl"]


@pytest.mark.parametrize("search", ["szczesna", "Szczęsna", "szcz"])
def test_a_word_in_the_middle_of_an_email_finds_its_customer(store, search):
    add_customer(store, "m.szczesna@example.pl")
    add_customer(store, "szczepan@example.pl")
    assert "m.szczesna@example.pl" in emails(queries.list_customers(store, search=search))
    assert emails(queries.list_customers(store, search="szczesna")) == ["m.szczesna@example.pl"]


def test_the_start_of_an_email_still_finds_its_customer(store):
    add_customer(store, "m.szczesna@example.pl")
    assert emails(queries.list_customers(store, search="m.szczesna@exa")) == ["m.szczesna@example.pl"]
    assert emails(queries.list_customers(store, search="example.pl")) == []


@pytest.mark.parametrize("search", ["Berzina", "berz", "Mara Berzina", "ķēniņa", "kenina"])
def test_a_latvian_name_is_found_without_its_macrons(store, search):
    add_customer(store, "mara@example.lv", "Māra", "Bērziņa-Ķēniņa")
    assert emails(queries.list_customers(store, search=search)) == ["mara@example.lv"]


def test_any_word_of_a_name_in_any_order_finds_the_customer(store):
    add_customer(store, "am@example.pl", "Anna Maria", "Nowak")
    add_customer(store, "ak@example.pl", "Anna", "Kowalska")
    assert emails(queries.list_customers(store, search="maria")) == ["am@example.pl"]
    assert emails(queries.list_customers(store, search="nowak anna")) == ["am@example.pl"]
    assert emails(queries.list_customers(store, search="anna")) == ["ak@example.pl", "am@example.pl"]


def test_a_persian_name_is_found_when_typed_with_arabic_yeh_and_kaf(store):
    add_customer(store, "karimi@example.ir", "زهرا", "کریمی")
    assert emails(queries.list_customers(store, search="كريمي")) == ["karimi@example.ir"]


def test_another_stores_customer_of_the_same_name_is_not_found(store, other_store):
    add_customer(store, "ours@example.pl", "Zofia", "Żółkiewska")
    add_customer(other_store, "theirs@example.pl", "Zofia", "Żółkiewska")
    assert emails(queries.list_customers(store, search="zolkiewska")) == ["ours@example.pl"]


@pytest.mark.parametrize("search", ["zolkiewska", "zo", "an", "ania ko"])
def test_a_broad_folded_search_answers_as_a_narrow_one(store, monkeypatch, search):
    # given
    some_customers(store)
    add_customer(store, "zz@example.pl", "Zofia", "Żółkiewska")
    narrow = ids(queries.list_customers(store, search=search))
    # when
    monkeypatch.setattr(queries, "NARROW_SEARCH", 0)
    broad = ids(queries.list_customers(store, search=search))
    # then
    assert broad == narrow
    assert len(narrow) >= 1


def test_a_renamed_customer_is_found_by_the_new_name_only(store):
    # given
    before = CustomerData(external_id="42", email="ola@example.pl", first_name="Ola", last_name="Wróbel")
    upsert_customer(store=store, platform="shopify", data=before)
    # when
    after = CustomerData(external_id="42", email="ola.nowak@example.pl", first_name="Ola", last_name="Nowak")
    upsert_customer(store=store, platform="shopify", data=after)
    # then
    assert emails(queries.list_customers(store, search="nowak")) == ["ola.nowak@example.pl"]
    assert emails(queries.list_customers(store, search="wrobel")) == []
    assert emails(queries.list_customers(store, search="ola")) == ["ola.nowak@example.pl"]


@pytest.fixture
def renamed():
    """The calls the renamed listeners get, as (store id, customer ids)."""
    calls = []

    def listener(store, customer_ids):
        calls.append((store.pk, list(customer_ids)))

    register_renamed_listener(listener)
    yield calls
    RENAMED_LISTENERS.remove(listener)


def test_only_a_changed_name_or_email_of_an_existing_customer_is_told_to_the_renamed_listeners(
    store, renamed
):
    ola = CustomerData(external_id="42", email="ola@example.pl", first_name="Ola", last_name="Wróbel")
    customer, _applied = upsert_customer(store=store, platform="shopify", data=ola)
    assert renamed == []  # new: in nobody's index yet

    ola.tags, ola.phone = ["vip"], "+48601234567"
    upsert_customer(store=store, platform="shopify", data=ola)
    assert renamed == []  # nothing anyone searches by

    ola.last_name = "Nowak"
    upsert_customer(store=store, platform="shopify", data=ola)
    ola.email = "ola.nowak@example.pl"
    upsert_customer(store=store, platform="shopify", data=ola)
    assert renamed == [(store.pk, [customer.pk]), (store.pk, [customer.pk])]


def test_a_storefront_identity_filling_in_a_name_is_told_to_the_renamed_listeners(store, renamed):
    customer = identify_customer(store=store, email="kasia@example.pl")
    identify_customer(store=store, email="kasia@example.pl", first_name="Kasia")
    identify_customer(store=store, email="kasia@example.pl", first_name="Katarzyna")  # kept: not empty

    assert renamed == [(store.pk, [customer.pk])]


def test_an_erased_customer_leaves_no_search_terms(store):
    # given
    erased = add_customer(store, "m.szczesna@example.pl", "Maria", "Szczęsna")
    kept = add_customer(store, "szczesny@example.pl", "Piotr", "Szczęsny")
    # when
    erase_customer(store=store, customer=erased)
    # then
    remaining = CustomerSearchTerm.objects.filter(store=store).values_list("customer_id", flat=True)
    assert set(remaining) == {kept.pk}
    assert emails(queries.list_customers(store, search="maria")) == []
    assert emails(queries.list_customers(store, search="szczes")) == ["szczesny@example.pl"]


def test_the_migration_fills_the_terms_of_existing_customers(store):
    # given customers stored before search terms existed
    customer = add_customer(store, "m.szczesna@example.pl", "Maria", "Szczęsna")
    CustomerSearchTerm.objects.all().delete()
    assert emails(queries.list_customers(store, search="szczesna")) == []
    # when
    migration = importlib.import_module("cxloop.commerce.migrations.0006_customersearchterm")
    migration.fill_search_terms(django_apps, None)
    # then
    assert set(customer.search_terms.values_list("term", flat=True)) == {"maria", "m", "szczesna"}
    assert emails(queries.list_customers(store, search="szczesna")) == ["m.szczesna@example.pl"]


def add_order(store, customer, number, days_ago=0):
    created = NOW - timedelta(days=days_ago)
    return Order.objects.create(
        store=store, customer=customer, platform="shopify", external_id=number, number=number,
        email=customer.email, currency="PLN", total=Decimal("10.00"), created_at=created,
    )  # fmt: skip


def test_orders_are_found_by_the_customers_name_and_email_words(store):
    # given
    anna = add_customer(store, "a.kowalska@example.pl", "Anna", "Kowalska")
    zofia = add_customer(store, "zofia@example.pl", "Zofia", "Żółkiewska")
    first, second = add_order(store, anna, "#1001", days_ago=2), add_order(store, anna, "#1003")
    other = add_order(store, zofia, "#1002", days_ago=1)
    # then
    assert ids(queries.list_orders(store, search="Kowalska")) == [second.pk, first.pk]
    assert ids(queries.list_orders(store, search="anna kow")) == [second.pk, first.pk]
    assert ids(queries.list_orders(store, search="zolkiewska")) == [other.pk]
    assert ids(queries.list_orders(store, search="a.kowalska@")) == [second.pk, first.pk]
    assert ids(queries.list_orders(store, search="1002")) == [other.pk]


@pytest.mark.parametrize("search", ["kowalska", "a", "zofia zo", "1002"])
def test_a_broad_order_search_answers_as_a_narrow_one(store, monkeypatch, search):
    # given
    anna = add_customer(store, "a.kowalska@example.pl", "Anna", "Kowalska")
    zofia = add_customer(store, "zofia@example.pl", "Zofia", "Żółkiewska")
    for i, customer in enumerate([anna, zofia, anna, zofia, anna]):
        add_order(store, customer, f"#{1000 + i}", days_ago=i % 3)
    narrow = ids(queries.list_orders(store, search=search))
    # when
    monkeypatch.setattr(queries, "NARROW_SEARCH", 0)
    broad = ids(queries.list_orders(store, search=search))
    # then
    assert broad == narrow
    assert narrow


def test_the_pages_find_customers_and_orders_by_a_name_typed_without_diacritics(staff_client, store):
    # given
    hetman = add_customer(store, "hetman@example.pl", "Stanisław", "Żółkiewski")
    add_customer(store, "jan@example.pl", "Jan", "Nowak")
    add_order(store, hetman, "#2001")
    # when
    customers = staff_client.get(reverse("commerce:customer-list"), {"q": "zolkiewski"})
    orders = staff_client.get(reverse("commerce:order-list"), {"q": "Zolkiewski"})
    # then
    assert customers.status_code == orders.status_code == 200
    assert "hetman@example.pl" in customers.text and "jan@example.pl" not in customers.text
    assert "#2001" in orders.text
