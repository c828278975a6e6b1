"""Builders for the store-action tests: orders as the mirror holds them, connected stores."""

from decimal import Decimal

import pytest
from django.utils import timezone

from cxloop.commerce.actions import set_platform_connection, transport
from cxloop.commerce.models import Customer, ExternalId, LineItem, Order, Product, Variant


def make_order(store, platform, external_id, *, lines, total, number="#1001"):
    """An order with lines {line external id: (quantity, unit price)}."""
    order = Order.objects.create(
        store=store, platform=platform, external_id=str(external_id), number=number,
        currency=store.currency, total=Decimal(total), created_at=timezone.now(),
    )  # fmt: skip
    for line_id, (quantity, price) in lines.items():
        LineItem.objects.create(
            store=store, order=order, external_id=str(line_id), title=f"Line {line_id}",
            quantity=quantity, price=Decimal(price),
        )  # fmt: skip
    return order


def make_customer(store, *, email="anna@example.com", shopify_id=None):
    now = timezone.now()
    customer = Customer.objects.create(
        store=store, email=email, email_key=email, created_at=now, updated_at=now
    )
    if shopify_id:
        ExternalId.objects.create(
            store=store, customer=customer, platform="shopify", external_id=str(shopify_id)
        )
    return customer


def make_variant(store, external_id, price):
    product = Product.objects.create(store=store, platform="shopify", external_id="p1", title="Mug")
    return Variant.objects.create(
        store=store, product=product, external_id=str(external_id), title="Blue", price=Decimal(price)
    )


def connect_shopify(store, fake, **extra):
    return set_platform_connection(
        store=store, platform="shopify", address=fake.base_url, access_token=fake.token,
        api_version=extra.get("api_version", fake.version),
    )  # fmt: skip


def connect_woocommerce(store, fake):
    return set_platform_connection(
        store=store, platform="woocommerce", address=fake.base_url,
        consumer_key=fake.key, consumer_secret=fake.secret,
    )  # fmt: skip


@pytest.fixture
def waits(monkeypatch):
    """The rate-limit waits the actions asked for, recorded instead of slept."""
    recorded = []
    monkeypatch.setattr(transport, "sleep", recorded.append)
    return recorded
