"""A customer's prediction over the API carries the 80 % intervals the customer page shows."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from cxloop.commerce.models import Customer
from cxloop.segments.models import CustomerPrediction

pytestmark = pytest.mark.django_db

COMPUTED = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


def predicted(store, email, **numbers):
    who = Customer.objects.create(
        store=store, email=email, email_key=email, created_at=COMPUTED, updated_at=COMPUTED
    )
    return CustomerPrediction.objects.create(
        store=store, customer=who, rfm_group="ACTIVE", spend_tier="HIGH", computed_at=COMPUTED, **numbers
    )


def test_the_prediction_gives_the_intervals_of_orders_and_value(api_client, store):
    row = predicted(
        store, "ania@example.pl", probability_alive=0.8, expected_orders_90=0.7, expected_orders_365=2.5,
        expected_orders_365_low=1.75, expected_orders_365_high=3.5, predicted_value_365=Decimal("250.00"),
        predicted_value_365_low=Decimal("180.50"), predicted_value_365_high=Decimal("330.25"),
    )  # fmt: skip

    body = api_client.get(f"/api/v1/customers/{row.customer_id}/prediction").json()
    listed = api_client.get("/api/v1/predictions").json()["items"]

    for out in (body, listed[0]):
        assert out["expected_orders_365"] == 2.5
        assert (out["expected_orders_365_low"], out["expected_orders_365_high"]) == (1.75, 3.5)
        assert out["predicted_value_365"] == "250.00"
        assert (out["predicted_value_365_low"], out["predicted_value_365_high"]) == ("180.50", "330.25")


def test_without_intervals_they_are_null(api_client, store):
    row = predicted(store, "bolek@example.pl")

    body = api_client.get(f"/api/v1/customers/{row.customer_id}/prediction").json()

    assert body["expected_orders_365_low"] is None and body["expected_orders_365_high"] is None
    assert body["predicted_value_365_low"] is None and body["predicted_value_365_high"] is None


def test_another_stores_customer_prediction_is_404(api_client, other_store):
    row = predicted(other_store, "cezary@example.pl", expected_orders_365_low=1.0)

    response = api_client.get(f"/api/v1/customers/{row.customer_id}/prediction")

    assert response.status_code == 404
