"""The expected next-order date: the formula, the refresh that stores it, the page and the API."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import numpy as np
import pytest

from cxloop.segments.models import CustomerPrediction
from cxloop.segments.predictions import bgnbd
from cxloop.segments.queries import customer_summaries
from cxloop.segments.services import predictions as prediction_services
from cxloop.segments.services.predictions import refresh_predictions

from .test_refresh import AS_OF, simulated_store

PARAMS = bgnbd.Params(r=0.5, alpha=10.0, a=1.0, b=3.0)  # per day


def test_an_active_customers_next_order_is_due_after_one_over_their_expected_rate():
    # given: 3 repeat orders, the last on day 80 of 90. By hand: P(alive) = 1 / (1 + 1/(3+3-1)
    # * (100/90)^3.5) = 0.776, and λ̂ = (r + x) / (α + T) = 3.5 / 100 a day
    x, t_x, T = np.array([3.0]), np.array([80.0]), np.array([90.0])
    assert bgnbd.probability_alive(PARAMS, x, t_x, T)[0] == pytest.approx(0.7757, abs=1e-4)
    # when
    days = bgnbd.days_to_next_order(PARAMS, x, t_x, T)
    # then: 100 / 3.5 days
    assert days[0] == pytest.approx(28.5714, abs=1e-4)


def test_a_customer_more_likely_gone_than_not_has_no_next_order():
    # 3 repeat orders, the last on day 10 of 300: P(alive) = 1 / (1 + 1/5 * (310/20)^3.5) = 0.0003
    days = bgnbd.days_to_next_order(PARAMS, [3], [10], [300])

    assert np.isnan(days[0])


def test_a_customer_exactly_as_likely_active_as_gone_has_a_next_order():
    # a / (b + x - 1) = 1 and t_x = T: P(alive) = 1/2 exactly
    params = bgnbd.Params(r=0.5, alpha=10.0, a=3.0, b=1.0)

    days = bgnbd.days_to_next_order(params, [3], [50], [50])

    assert bgnbd.probability_alive(params, [3], [50], [50])[0] == 0.5
    assert days[0] == pytest.approx(60 / 3.5)


def test_a_customer_without_a_repeat_order_waits_at_the_stores_rate_since_their_first():
    # P(alive) is 1 by the model's convention; λ̂ = r / (α + T)
    days = bgnbd.days_to_next_order(PARAMS, [0], [0], [30])

    assert days[0] == pytest.approx(40 / 0.5)


def test_a_next_order_further_than_ten_years_is_not_expected():
    data = SimpleNamespace(x=np.array([0.0, 0.0]), t_x=np.zeros(2), T=np.array([30.0, 2000.0]))
    params = bgnbd.Params(r=0.5, alpha=10.0, a=1.0, b=3.0)

    at = prediction_services._next_order_times(params, data, AS_OF)

    assert at[0] == (AS_OF + timedelta(days=80)).timestamp()
    assert np.isnan(at[1])  # (10 + 2000) / 0.5 = 4020 days


@pytest.mark.django_db
def test_the_refresh_stores_each_customers_next_order_or_none_when_they_are_likely_gone(store):
    # given
    simulated_store(store, 400)
    # when
    run = refresh_predictions(store, as_of=AS_OF)
    # then: as_of + (α + T) / (r + x) days for those at least as likely active as not, else none
    data = customer_summaries(store, AS_OF)
    r, alpha = run.orders_params["r"], run.orders_params["alpha"]
    rows = CustomerPrediction.objects.filter(store=store).in_bulk(field_name="customer_id")
    expected_some, not_expected = 0, 0
    for customer_id, x, T in zip(data.customer_ids, data.x, data.T, strict=True):
        row = rows[int(customer_id)]
        if row.probability_alive >= 0.5:
            due = AS_OF + timedelta(days=(alpha + T) / (r + x))
            assert abs(row.next_order_expected_at - due) <= timedelta(seconds=1)
            expected_some += 1
        else:
            assert row.next_order_expected_at is None
            not_expected += 1
    assert expected_some > 0 and not_expected > 0


@pytest.mark.django_db
def test_a_small_store_has_no_next_order_dates(store):
    simulated_store(store, 12)

    refresh_predictions(store, as_of=AS_OF)

    assert not CustomerPrediction.objects.filter(store=store, next_order_expected_at__isnull=False).exists()


@pytest.mark.django_db
def test_the_customer_page_shows_the_next_order_in_the_stores_timezone_or_not_expected(store, staff_client):
    # given: due at 22:30 UTC, the next day in Tehran (UTC+3:30)
    store.timezone = "Asia/Tehran"
    store.save(update_fields=["timezone"])
    simulated_store(store, 400)
    refresh_predictions(store, as_of=AS_OF)
    due, gone = predictions_due_and_gone(store)
    due.next_order_expected_at = datetime(2027, 1, 9, 22, 30, tzinfo=UTC)
    due.save(update_fields=["next_order_expected_at"])
    # when
    due_page = staff_client.get(f"/customers/{due.customer_id}/").content.decode()
    gone_page = staff_client.get(f"/customers/{gone.customer_id}/").content.decode()
    # then
    assert '<dt>Next order</dt><dd><time datetime="2027-01-10">Jan 10, 2027</time></dd>' in due_page
    assert "<dt>Next order</dt><dd>Not expected</dd>" in gone_page


@pytest.mark.django_db
def test_the_api_gives_the_next_order_or_null(store, api_client):
    simulated_store(store, 400)
    refresh_predictions(store, as_of=AS_OF)
    due, gone = predictions_due_and_gone(store)

    due_out = api_client.get(f"/api/v1/customers/{due.customer_id}/prediction").json()
    gone_out = api_client.get(f"/api/v1/customers/{gone.customer_id}/prediction").json()
    listed = api_client.get("/api/v1/predictions", {"limit": 500}).json()["items"]

    assert datetime.fromisoformat(due_out["next_order_expected_at"]) == due.next_order_expected_at
    assert gone_out["next_order_expected_at"] is None
    assert {item["customer_id"]: item["next_order_expected_at"] for item in listed}[due.customer_id] == (
        due_out["next_order_expected_at"]
    )


def predictions_due_and_gone(store) -> tuple[CustomerPrediction, CustomerPrediction]:
    rows = CustomerPrediction.objects.filter(store=store).order_by("customer_id")
    due = rows.filter(next_order_expected_at__isnull=False, probability_alive__lt=1).first()
    gone = rows.filter(probability_alive__lt=0.5).first()
    return due, gone
