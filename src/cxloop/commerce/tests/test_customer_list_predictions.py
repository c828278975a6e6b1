"""The customers list by prediction: sorts, filters and columns from segments' CustomerPrediction."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cxloop.commerce import queries
from cxloop.commerce.models import Customer
from cxloop.segments.models import CustomerPrediction

from .test_customer_search import add_customer, ids

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def predict(customer, *, value=None, alive=None, group="ACTIVE", tier="") -> CustomerPrediction:
    return CustomerPrediction.objects.create(
        store=customer.store, customer=customer, rfm_group=group, spend_tier=tier,
        predicted_value_365=None if value is None else Decimal(value), probability_alive=alive,
        computed_at=NOW,
    )  # fmt: skip


def a_store_with_predictions(store) -> dict[str, Customer]:
    """Six buyers, four of them predicted, one a prediction without numbers (a store too young), one
    with none yet (a buyer since the last refresh); and a customer without orders."""
    people = {
        name: add_customer(
            store, f"{name}@example.com", name.title(), "Nowak", days_ago=i, orders=1, spent="10"
        )
        for i, name in enumerate(["ania", "bartek", "celina", "darek", "ewa", "filip"])
    }
    people["gosia"] = add_customer(store, "gosia@example.com", "Gosia", "Nowak", days_ago=7)
    predict(people["ania"], value="120.00", alive=0.9, group="CHAMPIONS", tier="HIGH")
    predict(people["bartek"], value="45.50", alive=0.2, group="AT_RISK", tier="MEDIUM")
    predict(people["celina"], value="300.00", alive=0.6, group="LOYAL", tier="HIGH")
    predict(people["darek"], value="45.50", alive=0.05, group="AT_RISK", tier="LOW")
    predict(people["ewa"], group="NEW")
    return people


def in_order(people, *names) -> list[int]:
    return [people[name].pk for name in names]


def test_customers_sorted_by_predicted_value_come_highest_first_and_those_without_one_last(store):
    people = a_store_with_predictions(store)

    found = ids(queries.list_customers(store, sort="predicted_value"))

    # equal values in the order the predictions were made; then by id: no number, no prediction
    assert found == in_order(people, "celina", "ania", "bartek", "darek", "ewa", "filip", "gosia")


def test_customers_sorted_by_churn_risk_come_most_likely_gone_first_and_those_without_one_last(store):
    people = a_store_with_predictions(store)

    found = ids(queries.list_customers(store, sort="churn_risk"))

    assert found == in_order(people, "darek", "bartek", "celina", "ania", "ewa", "filip", "gosia")


@pytest.mark.parametrize("sort", ["predicted_value", "churn_risk"])
def test_a_page_of_a_prediction_sort_is_the_same_slice_wherever_it_falls(
    store, sort, django_assert_num_queries
):
    # given: the ranked customers, then the others, in one order
    a_store_with_predictions(store)
    everyone = ids(queries.list_customers(store, sort=sort))
    # when / then: a slice within the ranked run is one query, across the seam two, past it three
    # (the ranked run counted)
    for (start, stop), count in {(0, 3): 1, (2, 6): 2, (3, 6): 2, (4, 7): 3, (5, 9): 3, (9, 12): 3}.items():
        customers = queries.list_customers(store, sort=sort)
        with django_assert_num_queries(count):
            assert ids(customers[start:stop]) == everyone[start:stop]


@pytest.mark.parametrize("sort", ["predicted_value", "churn_risk"])
def test_a_broad_search_sorted_by_a_prediction_answers_as_a_narrow_one(store, monkeypatch, sort):
    a_store_with_predictions(store)
    narrow = ids(queries.list_customers(store, search="nowak", sort=sort))
    monkeypatch.setattr(queries, "NARROW_SEARCH", 1)

    broad = ids(queries.list_customers(store, search="nowak", sort=sort))

    assert broad == narrow == ids(queries.list_customers(store, sort=sort))


@pytest.mark.parametrize("sort", [*queries.CUSTOMER_SORTS])
@pytest.mark.parametrize("group", [{"rfm_group": "AT_RISK"}, {"spend_tier": "HIGH"}, {"rfm_group": "NEW"}])
def test_a_large_prediction_group_answers_as_a_small_one(store, monkeypatch, sort, group):
    # given: a small group is read as ids
    a_store_with_predictions(store)
    small = ids(queries.list_customers(store, sort=sort, **group))
    # when: so few customers count as many that the sort's index is walked instead
    monkeypatch.setattr(queries, "NARROW_SEARCH", 0)
    large = ids(queries.list_customers(store, sort=sort, **group))
    # then
    assert large == small
    assert small


@pytest.mark.parametrize("sort", ["predicted_value", "churn_risk"])
def test_customers_without_orders_sorted_by_a_prediction_come_by_id(store, sort):
    people = a_store_with_predictions(store)
    later = add_customer(store, "hania@example.com", "Hania")

    found = ids(queries.list_customers(store, sort=sort, has_orders="no"))

    assert found == [people["gosia"].pk, later.pk]


def test_the_list_filters_by_rfm_group_and_by_spend_tier(staff_client, store):
    a_store_with_predictions(store)
    url = reverse("commerce:customer-list")

    at_risk = staff_client.get(url, {"rfm_group": "AT_RISK", "sort": "predicted_value"}).text
    high = staff_client.get(url, {"spend_tier": "HIGH"}).text
    both = staff_client.get(url, {"rfm_group": "AT_RISK", "spend_tier": "LOW"}).text

    assert emails(at_risk) == ["bartek@example.com", "darek@example.com"]
    assert emails(high) == ["ania@example.com", "celina@example.com"]  # newest first
    assert emails(both) == ["darek@example.com"]
    assert '<option value="AT_RISK" selected>At risk</option>' in at_risk
    assert '<option value="predicted_value" selected>Predicted value</option>' in at_risk


def test_a_filter_nobody_matches_offers_to_clear_it(staff_client, store):
    a_store_with_predictions(store)

    page = staff_client.get(reverse("commerce:customer-list"), {"rfm_group": "DORMANT"}).text

    assert "No customers match this search." in page


def test_the_list_shows_the_value_in_a_year_and_the_churn_risk_or_a_dash(staff_client, store):
    people = a_store_with_predictions(store)

    page = staff_client.get(reverse("commerce:customer-list"), {"sort": "predicted_value"}).text

    assert cells(page, people["celina"]) == ["300.00 PLN", "40%"]
    assert cells(page, people["darek"]) == ["45.50 PLN", "95%"]
    assert cells(page, people["ewa"]) == ["—", "—"]  # a prediction without numbers
    assert cells(page, people["gosia"]) == ["—", "—"]  # no prediction
    assert page.count('class="num hide-small"') == 2 + 2 * 7  # optional on small screens


@pytest.mark.parametrize("sort", ["newest", "predicted_value", "churn_risk"])
def test_a_page_of_25_customers_reads_their_predictions_with_them(staff_client, store, sort):
    # given: a page of one predicted customer, then of 25
    def add(i):
        someone = add_customer(store, f"c{i}@example.com", f"Name{i}", orders=1, spent="10")
        predict(someone, value=f"{i}.50", alive=i / 25, tier="MEDIUM")

    url = reverse("commerce:customer-list")
    add(0)
    with CaptureQueriesContext(connection) as one:
        staff_client.get(url, {"sort": sort})
    for i in range(1, 25):
        add(i)
    # when
    with CaptureQueriesContext(connection) as page:
        response = staff_client.get(url, {"sort": sort})
    # then: no query per row; every read of the predictions is the customers' own query
    assert len(re.findall(r'href="/customers/\d+/"', response.text)) == 25
    assert len(page) == len(one) <= 8, [q["sql"] for q in page]
    reads = [q["sql"] for q in page if "segments_customerprediction" in q["sql"]]
    assert reads and all(sql.startswith('SELECT "commerce_customer"."id"') for sql in reads), reads


def emails(page: str) -> list[str]:
    return re.findall(r'<td class="hide-small wrap-anywhere"><bdi>([^<]+)</bdi></td>', page)


def cells(page: str, customer: Customer) -> list[str]:
    """The row's value in a year and churn risk, as text."""
    row = re.search(rf'href="/customers/{customer.pk}/".*?</tr>', page, re.S).group(0)
    found = re.findall(r'<td class="num hide-small">(.*?)</td>', row, re.S)
    return [re.sub(r"<[^>]+>", "", cell).replace("\xa0", " ").strip() for cell in found]
