"""The demo store's shipments: carrier tracking for its recent fulfilled orders.

    added = generate_shipments(store=store, seed=7, today=date(2026, 12, 4))

Each fulfilled order of the last SHIPMENT_DAYS days gets one shipment (a few
get two, as a split parcel does) with a carrier of the customer's country,
a tracking number in that carrier's shape and a tracking link. The links
point at reserved `.example` hosts, never at a real carrier with a made-up
number. The status follows the order's age: delivered after a week, in
transit or out for delivery before. Deterministic for a seed and `today`;
a store that has shipments already is left as it is.
"""

import random
from datetime import UTC, datetime, timedelta
from datetime import date as date_type
from datetime import time as time_type

from django.db import transaction
from django.utils import timezone

from cxloop.commerce.models import Fulfilment, Order
from cxloop.core.models import Store

SHIPMENT_DAYS = 150
# Carrier, tracking number pattern ("9" a digit, "A" a letter), by the customer's country.
CARRIERS = {
    "PL": [("InPost", "6209999999999999999999"), ("DPD Polska", "99999999999999")],
    "LV": [("Omniva", "CC999999999EE"), ("DPD Latvija", "05999999999999")],
    "IR": [("Post of Iran", "999999999999999999999999")],
    "CN": [("SF Express", "SF9999999999999")],
    "TW": [("Chunghwa Post", "99999999999999")],
    "HK": [("Hongkong Post", "EE999999999HK")],
}
ANYWHERE = [("DHL Express", "9999999999"), ("UPS", "1Z999AA99999999999")]
SPLIT_SHARE = 0.08


def generate_shipments(*, store: Store, seed: int, today: date_type | None = None) -> int:
    """Give the store's recent fulfilled orders their shipments; return how many were added."""
    if Fulfilment.objects.filter(store=store).exists():
        return 0
    end = datetime.combine(today or timezone.now().date(), time_type.min, tzinfo=UTC)
    rng = random.Random(f"cxloop-demo-shipments-{seed}")
    orders = (
        Order.objects.filter(store=store, fulfilled_at__isnull=False, cancelled_at__isnull=True)
        .filter(fulfilled_at__gte=end - timedelta(days=SHIPMENT_DAYS), fulfilled_at__lt=end)
        .order_by("pk")
        .values_list("pk", "external_id", "fulfilled_at", "customer__country")
    )
    rows = []
    for order_id, external_id, fulfilled_at, country in orders:
        parcels = 2 if rng.random() < SPLIT_SHARE else 1
        for parcel in range(parcels):
            carrier, pattern = rng.choice(CARRIERS.get((country or "").upper(), ANYWHERE))
            number = _number(pattern, rng)
            shipped = fulfilled_at + timedelta(hours=parcel * rng.randint(2, 30))
            rows.append(
                Fulfilment(
                    store=store,
                    order_id=order_id,
                    external_id=f"{external_id or order_id}-{parcel + 1}",
                    status=_status(end - shipped, rng),
                    carrier=carrier,
                    tracking_number=number,
                    tracking_url=f"https://{_host(carrier)}.example/track/{number}",
                    shipped_at=shipped,
                    source_updated_at=shipped,
                )
            )
    with transaction.atomic():
        Fulfilment.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _number(pattern: str, rng: random.Random) -> str:
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    return "".join(
        str(rng.randint(0, 9)) if c == "9" else rng.choice(letters) if c == "A" else c for c in pattern
    )


def _status(age: timedelta, rng: random.Random) -> str:
    if age > timedelta(days=7):
        return Fulfilment.Status.RETURNED if rng.random() < 0.01 else Fulfilment.Status.DELIVERED
    if age > timedelta(days=3):
        return rng.choice([Fulfilment.Status.DELIVERED, Fulfilment.Status.OUT_FOR_DELIVERY])
    return rng.choice([Fulfilment.Status.SHIPPED, Fulfilment.Status.IN_TRANSIT])


def _host(carrier: str) -> str:
    return "".join(c for c in carrier.lower() if c.isascii() and c.isalnum()) or "carrier"
