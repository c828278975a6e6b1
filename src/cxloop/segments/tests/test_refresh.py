"""A store's predictions refreshed from its orders: the summaries, the fit, the rows, privacy."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest

from cxloop.commerce.models import Customer, Order
from cxloop.commerce.personal_data import export_elsewhere
from cxloop.commerce.services.erasure import erase_customer
from cxloop.segments.models import CustomerPrediction, PredictionRun
from cxloop.segments.queries import customer_summaries
from cxloop.segments.services.predictions import refresh_predictions

pytestmark = pytest.mark.django_db

AS_OF = datetime(2026, 12, 1, tzinfo=UTC)
TRUE = {"r": 0.6, "alpha": 40.0, "a": 0.7, "b": 3.0}  # per day


def customer(store, n: int) -> Customer:
    return Customer.objects.create(
        store=store,
        email=f"c{n}@example.pl",
        email_key=f"c{n}@example.pl",
        created_at=AS_OF,
        updated_at=AS_OF,
    )


def order(store, who, at, total="100.00", **extra) -> Order:
    order.n += 1
    return Order(
        store=store, customer=who, platform="shopify", external_id=str(order.n), number=f"#{order.n}",
        currency=extra.pop("currency", store.currency), total=Decimal(total), created_at=at, **extra,
    )  # fmt: skip


order.n = 0


def simulated_store(store, customers: int, *, seed: int = 11, true: dict = TRUE) -> None:
    """Customers who buy as BG/NBD says (TRUE), first orders over two years, values Gamma-distributed."""
    rng = np.random.default_rng(seed)
    orders = []
    for n in range(customers):
        who = customer(store, n)
        rate = rng.gamma(true["r"], 1 / true["alpha"])
        leave = rng.beta(true["a"], true["b"])
        mean_value = rng.gamma(4.0, 30.0)
        t, first = rng.uniform(0, 730), True
        while t < 730:
            value = max(rng.gamma(6.0, mean_value / 6.0), 1.0)
            orders.append(order(store, who, AS_OF - timedelta(days=730 - t), f"{value:.2f}"))
            if not first and rng.random() < leave:  # BG/NBD: a customer may leave after a repeat order
                break
            t, first = t + rng.exponential(1 / rate), False
    Order.objects.bulk_create(orders, batch_size=2000)


def test_summaries_count_one_purchase_a_day_net_of_refunds_without_cancelled_orders(store):
    ania, ewa = customer(store, 1), customer(store, 2)
    start = AS_OF - timedelta(days=100)
    Order.objects.bulk_create([
        order(store, ania, start, "50.00"),
        order(store, ania, start + timedelta(hours=2), "30.00"),  # the same day: one purchase
        order(store, ania, start + timedelta(days=10), "100.00", refunded_amount=Decimal("40.00")),
        order(store, ania, start + timedelta(days=20), "80.00", currency="EUR"),  # counted, not valued
        order(store, ania, start + timedelta(days=30), "999.00", cancelled_at=start),  # not counted
        order(store, ewa, start + timedelta(days=50), "25.00"),
        order(store, ewa, AS_OF + timedelta(days=1), "25.00"),  # after as_of
    ])  # fmt: skip

    data = customer_summaries(store, AS_OF)

    assert data.customer_ids.tolist() == [ania.pk, ewa.pk]
    assert data.x.tolist() == [2, 0]
    assert data.t_x.tolist() == [20, 0]
    assert data.T.tolist() == [100, 50]
    assert data.m.tolist() == [30.0, 0.0]  # (60 + 0) / 2 repeat days
    assert data.orders.tolist() == [4, 1]
    assert data.spent.tolist() == [140.0, 25.0]
    assert data.days_since_last.tolist() == [80, 50]


def test_a_store_with_enough_history_gets_fitted_predictions_for_every_buyer(store, other_store):
    simulated_store(store, 600)
    simulated_store(other_store, 5, seed=3)

    run = refresh_predictions(store, as_of=AS_OF)

    assert run.status == PredictionRun.Status.FITTED, run.message
    rows = CustomerPrediction.objects.filter(store=store)
    assert (
        rows.count()
        == run.customers
        == Order.objects.filter(store=store).values("customer").distinct().count()
    )
    assert not CustomerPrediction.objects.filter(store=other_store).exists()
    # the fit finds the process the orders came from (600 customers: loose bounds)
    assert run.orders_params["r"] == pytest.approx(TRUE["r"], rel=0.5)
    assert run.orders_params["a"] / (run.orders_params["a"] + run.orders_params["b"]) == pytest.approx(
        TRUE["a"] / (TRUE["a"] + TRUE["b"]), rel=0.5
    )
    values = list(
        rows.values_list("probability_alive", "expected_orders_90", "expected_orders_365", "spend_tier")
    )
    assert all(0 <= alive <= 1 and 0 <= e90 <= e365 for alive, e90, e365, _tier in values)
    assert {tier for *_, tier in values} == {"HIGH", "MEDIUM", "LOW"}
    assert set(rows.values_list("rfm_group", flat=True)) >= {"CHAMPIONS", "DORMANT"}


def test_the_busiest_recent_buyer_is_predicted_more_orders_than_one_who_stopped(store):
    simulated_store(store, 400)
    busy, gone = customer(store, 10_001), customer(store, 10_002)
    Order.objects.bulk_create(
        [order(store, busy, AS_OF - timedelta(days=d)) for d in range(300, 0, -30)]
        + [order(store, gone, AS_OF - timedelta(days=d)) for d in range(700, 400, -30)]
    )

    refresh_predictions(store, as_of=AS_OF)

    a, b = (CustomerPrediction.objects.get(customer=c) for c in (busy, gone))
    assert a.expected_orders_365 > 3 * b.expected_orders_365
    assert a.probability_alive > 0.8 and b.probability_alive < 0.2
    assert a.predicted_value_365 > b.predicted_value_365


def test_a_small_store_gets_rfm_groups_and_says_not_enough_data(store):
    simulated_store(store, 12)

    run = refresh_predictions(store, as_of=AS_OF)

    assert run.status == PredictionRun.Status.NOT_ENOUGH_DATA
    assert "100 needed" in run.message
    rows = CustomerPrediction.objects.filter(store=store)
    assert rows.count() == run.customers > 0
    assert all(p.rfm_group and p.probability_alive is None and p.spend_tier == "" for p in rows)


def test_a_refresh_replaces_the_last_and_a_store_without_orders_has_none(store):
    simulated_store(store, 12)
    refresh_predictions(store, as_of=AS_OF)
    Order.objects.filter(store=store).delete()

    run = refresh_predictions(store, as_of=AS_OF)

    assert run.customers == 0 and not CustomerPrediction.objects.filter(store=store).exists()


def test_an_erased_customer_loses_their_prediction_and_does_not_get_one_back(store):
    simulated_store(store, 12)
    refresh_predictions(store, as_of=AS_OF)
    someone = CustomerPrediction.objects.filter(store=store).first().customer
    exported = export_elsewhere(store=store, customer=someone)["segments"]
    assert exported["rfm_group"] == CustomerPrediction.objects.get(customer=someone).rfm_group

    pk = someone.pk
    erase_customer(store=store, customer=someone)
    assert not CustomerPrediction.objects.filter(customer_id=pk).exists()

    refresh_predictions(store, as_of=AS_OF)
    assert not CustomerPrediction.objects.filter(customer_id=pk).exists()
    assert CustomerPrediction.objects.filter(store=store).count() == 11


# The customer page ---------------------------------------------------------------


def test_the_customer_page_shows_the_outlook_or_why_there_is_none(store, staff_client):
    simulated_store(store, 400)
    someone = Customer.objects.filter(store=store, orders__isnull=False).first()
    url = f"/customers/{someone.pk}/"

    before = staff_client.get(url).content.decode()
    refresh_predictions(store, as_of=AS_OF)
    after = staff_client.get(url).content.decode()

    assert "Predictions are computed once a day" in before
    prediction = CustomerPrediction.objects.get(customer=someone)
    assert prediction.get_rfm_group_display() in after
    assert "Orders in a year" in after and "Still a customer" in after


def test_a_small_stores_customer_page_says_what_is_missing(store, staff_client):
    simulated_store(store, 12)
    refresh_predictions(store, as_of=AS_OF)
    someone = Customer.objects.filter(store=store, orders__isnull=False).first()

    page = staff_client.get(f"/customers/{someone.pk}/").content.decode()

    assert "Not enough data for predictions yet" in page and "100 customers with an order" in page
    assert "Orders in a year" not in page


def test_the_help_desk_sidebar_shows_the_customers_group_churn_risk_and_value(store, staff_client):
    from cxloop.helpdesk.tests.factories import open_conversation

    simulated_store(store, 400)
    refresh_predictions(store, as_of=AS_OF)
    prediction = CustomerPrediction.objects.filter(store=store, probability_alive__lt=0.5).first()
    conversation, _message = open_conversation(store, from_email=prediction.customer.email)
    assert conversation.customer_id == prediction.customer_id

    page = staff_client.get(f"/helpdesk/{conversation.pk}/").content.decode()

    assert prediction.get_rfm_group_display() in page
    assert f"{round(prediction.churn_risk_percent)}%" in page
    assert "Churn risk" in page


# The API ---------------------------------------------------------------------------


def test_the_api_lists_predictions_filtered_and_by_value_and_gives_one(store, other_store, api_client):
    simulated_store(store, 400)
    simulated_store(other_store, 120, seed=5)
    refresh_predictions(store, as_of=AS_OF)
    refresh_predictions(other_store, as_of=AS_OF)

    page = api_client.get("/api/v1/predictions", {"spend_tier": "HIGH", "limit": 500}).json()
    values = [Decimal(item["predicted_value_365"]) for item in page["items"]]
    theirs = set(CustomerPrediction.objects.filter(store=other_store).values_list("customer_id", flat=True))

    assert page["count"] == CustomerPrediction.objects.filter(store=store, spend_tier="HIGH").count() > 0
    assert values == sorted(values, reverse=True)
    assert not theirs & {item["customer_id"] for item in page["items"]}
    one = page["items"][0]
    assert api_client.get(f"/api/v1/customers/{one['customer_id']}/prediction").json() == one
    assert api_client.get(f"/api/v1/customers/{min(theirs)}/prediction").status_code == 404


def test_the_api_refuses_an_unknown_group_naming_it(store, api_client):
    response = api_client.get("/api/v1/predictions", {"rfm_group": "VIP; DROP TABLE"})

    assert response.status_code == 422
    assert "rfm_group" in response.content.decode()


def test_the_holdout_check_predicts_the_last_months_orders_of_a_store_that_buys_as_the_model_says(store):
    simulated_store(store, 1500, seed=21)

    run = refresh_predictions(store, as_of=AS_OF)

    check = run.calibration
    assert check["holdout_days"] == 180  # a quarter of two years, at most 180
    assert check["actual_total"] > 100
    assert check["predicted_total"] == pytest.approx(check["actual_total"], rel=0.25)
    rows = check["by_repeat_orders"]
    assert rows[0]["repeat_orders_before"] == 0 and sum(r["customers"] for r in rows) == check["customers"]
    assert rows[-1]["actual"] > rows[0]["actual"]  # who bought more before buys more after


def test_a_younger_stores_holdout_is_a_quarter_of_its_history(store):
    simulated_store(store, 400)
    Order.objects.filter(store=store, created_at__lt=AS_OF - timedelta(days=200)).delete()

    run = refresh_predictions(store, as_of=AS_OF)

    assert run.status == PredictionRun.Status.FITTED
    assert 45 <= run.calibration["holdout_days"] <= 50


def test_the_api_gives_the_last_run_with_its_check(store, other_store, api_client):
    assert api_client.get("/api/v1/prediction-run").status_code == 404
    simulated_store(other_store, 12)
    refresh_predictions(other_store, as_of=AS_OF)
    assert api_client.get("/api/v1/prediction-run").status_code == 404  # another store's run

    simulated_store(store, 400)
    refresh_predictions(store, as_of=AS_OF)
    run = api_client.get("/api/v1/prediction-run").json()

    assert run["status"] == "fitted" and run["customers"] > 0
    assert set(run["orders_params"]) == {"r", "alpha", "a", "b"}
    assert run["calibration"]["by_repeat_orders"]


def test_each_prediction_has_an_interval_narrower_for_a_bigger_store(store, other_store):
    simulated_store(store, 150, seed=31)
    simulated_store(other_store, 1500, seed=32)
    refresh_predictions(store, as_of=AS_OF)
    refresh_predictions(other_store, as_of=AS_OF)

    def widths(s):
        rows = CustomerPrediction.objects.filter(store=s).values_list(
            "expected_orders_365_low", "expected_orders_365", "expected_orders_365_high",
            "predicted_value_365_low", "predicted_value_365_high",
        )  # fmt: skip
        assert all(lo <= hi and v_lo <= v_hi for lo, _mid, hi, v_lo, v_hi in rows)
        inside = sum(lo <= mid <= hi for lo, mid, hi, *_ in rows) / len(rows)
        assert inside > 0.9
        return np.median([(hi - lo) / mid for lo, mid, hi, *_ in rows if mid > 0])

    assert widths(store) > 1.5 * widths(other_store)


def test_a_store_whose_customers_all_leave_alike_gets_finite_predictions(store):
    """Without a prior, BG/NBD's a and b run to the millions here (the same dropout for everyone)
    and the expected orders overflow; the weak prior keeps them finite."""
    simulated_store(store, 900, seed=41, true={**TRUE, "a": 2.6e6, "b": 7e6})

    run = refresh_predictions(store, as_of=AS_OF)

    assert run.status == PredictionRun.Status.FITTED, run.message
    assert run.orders_params["a"] < 1e4
    numbers = CustomerPrediction.objects.filter(store=store).values_list(
        "expected_orders_365", "expected_orders_365_low", "expected_orders_365_high"
    )
    assert all(np.isfinite(v) for row in numbers for v in row)
