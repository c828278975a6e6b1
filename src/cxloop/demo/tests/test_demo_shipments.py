"""The demo store's shipments: tracked, on reserved hosts, deterministic, added once."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from cxloop.commerce.models import Customer, Fulfilment, Order
from cxloop.demo.shipments import generate_shipments

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 4)


def order(store, n, *, country="PL", fulfilled_days_ago=None, cancelled=False):
    at = datetime(2026, 12, 4, tzinfo=UTC) - timedelta(days=(fulfilled_days_ago or 30) + 1)
    customer = Customer.objects.create(
        store=store, email=f"c{n}@example.pl", email_key=f"c{n}@example.pl", country=country,
        created_at=at, updated_at=at,
    )  # fmt: skip
    fulfilled = None if fulfilled_days_ago is None else at + timedelta(days=1)
    return Order.objects.create(
        store=store, customer=customer, platform="shopify", external_id=str(1000 + n), number=f"#{1000 + n}",
        total=Decimal("10"), currency="PLN", created_at=at, fulfilled_at=fulfilled,
        cancelled_at=at if cancelled else None,
    )  # fmt: skip


def test_recent_fulfilled_orders_get_tracked_shipments_on_reserved_hosts(store):
    shipped = [order(store, n, fulfilled_days_ago=days) for n, days in enumerate((1, 5, 20, 100))]
    order(store, 10)  # not fulfilled
    order(store, 11, fulfilled_days_ago=400)  # too old
    order(store, 12, fulfilled_days_ago=2, cancelled=True)

    added = generate_shipments(store=store, seed=7, today=TODAY)

    fulfilments = list(Fulfilment.objects.filter(store=store))
    assert added == len(fulfilments) >= len(shipped)
    assert {f.order_id for f in fulfilments} == {o.pk for o in shipped}
    for fulfilment in fulfilments:
        assert fulfilment.carrier in {"InPost", "DPD Polska"}
        assert fulfilment.tracking_number and fulfilment.tracking_url.startswith("https://")
        assert fulfilment.tracking_url.split("/")[2].endswith(".example")
    statuses = {f.order_id: f.status for f in fulfilments}
    assert statuses[shipped[3].pk] in {Fulfilment.Status.DELIVERED, Fulfilment.Status.RETURNED}


def test_the_same_seed_gives_the_same_shipments_and_a_second_run_adds_none(store):
    order(store, 1, fulfilled_days_ago=3)

    generate_shipments(store=store, seed=7, today=TODAY)
    first = list(Fulfilment.objects.values_list("tracking_number", "status"))
    again = generate_shipments(store=store, seed=7, today=TODAY)
    Fulfilment.objects.all().delete()
    generate_shipments(store=store, seed=7, today=TODAY)

    assert again == 0
    assert list(Fulfilment.objects.values_list("tracking_number", "status")) == first
