"""The deterministic demo-store generator.

    summary = generate_store(store=store, customers=2000, seed=42)

fills an empty store with 18 months of a believable shop: customers in five
languages, a catalogue, orders from a buy-till-you-die process (see
`behaviour`), refunds, checkouts and the shoppers' journeys as events. The
same seed and `today` give the same data, row for row (ids aside).

Customers are generated and written in chunks of `CHUNK` with one transaction
each, so memory stays flat however many are asked for; each chunk draws from
its own random stream, derived from the seed and the chunk's number.
"""

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from django.db import transaction
from django.utils import timezone

from cxloop.core.models import Platform, Store

from ..commerce.models import (
    Checkout,
    ConsentRecord,
    Customer,
    Event,
    ExternalId,
    LineItem,
    Order,
    Product,
    Refund,
)
from .behaviour import DemoParameters, Purchases, draw_purchases
from .catalogue import Catalogue, create_catalogue, currency_factor
from .journeys import Journeys, build_journeys, uuid_like
from .orders import OrderBatch, build_orders
from .people import CustomerBatch, build_name_pools, draw_customers
from .writer import RowWriter

CHUNK = 5000
HISTORY_DAYS = 548  # 18 months
CONSENT_WORDING = "Email me news and offers. I can unsubscribe at any time."


class StoreNotEmpty(Exception):
    pass


@dataclass
class GenerationSummary:
    customers: int = 0
    buyers: int = 0
    repeat_buyers: int = 0
    orders: int = 0
    cancelled_orders: int = 0
    line_items: int = 0
    refunds: int = 0
    checkouts: int = 0
    sessions: int = 0
    events: int = 0
    consent_records: int = 0
    products: int = 0
    variants: int = 0
    checkouts_completed: int = 0
    rows: int = 0
    elapsed_seconds: float = 0.0
    parameters: dict = field(default_factory=dict)

    @property
    def repeat_rate(self) -> float:
        return self.repeat_buyers / self.buyers if self.buyers else 0.0

    @property
    def conversion_rate(self) -> float:
        online_sessions = self.sessions - (self.orders - self.checkouts_completed)
        return (self.checkouts_completed / online_sessions) if online_sessions else 0.0


@dataclass
class _Run:
    store: Store
    seed: int
    params: DemoParameters
    catalogue: Catalogue
    pools: list
    writer: RowWriter
    start: np.datetime64
    end: np.datetime64
    summary: GenerationSummary

    @property
    def end_us(self) -> int:
        return int(self.end.astype(np.int64))


def generate_store(
    *,
    store: Store,
    customers: int,
    seed: int,
    progress: Callable[[int, int], None] | None = None,
    today: date | None = None,
) -> GenerationSummary:
    """Fill an empty store with `customers` demo customers and everything they did.

    Deterministic for a seed and `today` (default: the current date). Each
    chunk of customers is one transaction. Raises StoreNotEmpty if the store
    already has customers or products.
    """
    began = time.perf_counter()
    if Customer.objects.filter(store=store).exists() or Product.objects.filter(store=store).exists():
        raise StoreNotEmpty(f"Store {store.slug!r} already has customers or products.")
    end = np.datetime64(today or timezone.now().date(), "us")
    factor = currency_factor(store.currency)
    params = DemoParameters().in_currency(factor)
    writer = RowWriter()
    with transaction.atomic():
        catalogue = create_catalogue(store=store, rng=np.random.default_rng([seed, 0, 0]), writer=writer)
    summary = GenerationSummary(
        products=len(catalogue.product_ids), variants=len(catalogue.variant_ids),
        parameters={**params.as_dict(), "seed": seed, "currency": store.currency, "end": str(end)},
    )  # fmt: skip
    run = _Run(store, seed, params, catalogue, build_name_pools(seed), writer,
               end - np.timedelta64(HISTORY_DAYS, "D"), end, summary)  # fmt: skip
    with writer.bulk_load():
        for chunk, first in enumerate(range(0, customers, CHUNK)):
            with transaction.atomic():
                _generate_chunk(run, chunk, first, min(CHUNK, customers - first))
            if progress:
                progress(min(first + CHUNK, customers), customers)
    summary.rows = writer.rows_written
    summary.elapsed_seconds = time.perf_counter() - began
    return summary


def _generate_chunk(run: _Run, chunk: int, first: int, count: int) -> None:
    rng = np.random.default_rng([run.seed, 1, chunk])
    people = draw_customers(
        rng, run.pools, count=count, first_ordinal=first + 1, start=run.start, end=run.end
    )  # noqa: E501
    signup_us = people.created_at.astype(np.int64)
    purchases = draw_purchases(rng, run.params, signup=people.created_at, end=run.end)
    orders = build_orders(
        rng, purchases, catalogue=run.catalogue, countries=people.country,
        factor=currency_factor(run.store.currency), first_ordinal=run.summary.orders + 1, end_us=run.end_us,
    )  # fmt: skip
    journeys = build_journeys(
        rng, orders=orders, customers=count, signup_us=signup_us, catalogue=run.catalogue,
        currency=run.store.currency, recovery_base=f"https://{run.store.slug}.shop.example",
        start_us=int(run.start.astype(np.int64)), end_us=run.end_us,
        conversion_rate=run.params.conversion_rate,
    )  # fmt: skip
    customer_ids = _write_customers(run, people, orders, purchases)
    order_ids = _write_orders(run, orders, people, customer_ids)
    _write_journeys(run, chunk, journeys, people, customer_ids)
    _count(run.summary, people, orders, journeys, order_ids)


def _facts(orders: OrderBatch, count: int) -> dict[str, np.ndarray]:
    """orders_count, amount_spent (cents) and first/last order per customer, as refresh_customer_facts."""
    live = orders.cancelled < 0
    who = orders.customer[live]
    spent = np.zeros(count, np.int64)
    np.add.at(spent, who, orders.total[live] - orders.refunded[live])
    first = np.full(count, np.iinfo(np.int64).max)
    last = np.full(count, -1, np.int64)
    np.minimum.at(first, who, orders.created[live])
    np.maximum.at(last, who, orders.created[live])
    first[first == np.iinfo(np.int64).max] = -1
    return {"count": np.bincount(who, minlength=count), "spent": spent, "first": first, "last": last}


def _write_customers(
    run: _Run, people: CustomerBatch, orders: OrderBatch, purchases: Purchases
) -> np.ndarray:  # noqa: E501
    w, n = run.writer, len(people)
    ids = w.reserve_ids(Customer, n)
    facts = _facts(orders, n)
    vip = facts["spent"] >= 5 * run.params.mean_order_value * 100
    tags = [
        json.dumps(sorted([*t, "vip"]) if v else t, ensure_ascii=False)
        for t, v in zip(people.tags, vip.tolist(), strict=True)
    ]  # noqa: E501
    updated = np.maximum(people.created_at.astype(np.int64), facts["last"])
    w.insert(Customer, {
        "id": ids.tolist(), "store_id": [run.store.pk] * n, "email": people.email,
        "email_key": [e.lower() for e in people.email], "phone": people.phone,
        "first_name": people.first_name, "last_name": people.last_name, "name_key": people.name_keys,
        "surname_key": people.surname_keys, "language": people.language,
        "country": people.country, "tags": w.json(tags), "email_consent": people.consent.tolist(),
        "created_at": w.datetimes(people.created_at), "updated_at": _times(w, updated),
        "orders_count": facts["count"].tolist(), "amount_spent": w.money(facts["spent"]),
        "first_order_at": _times(w, facts["first"]), "last_order_at": _times(w, facts["last"]),
    })  # fmt: skip
    w.insert(ExternalId, {
        "store_id": [run.store.pk] * n, "customer_id": ids.tolist(), "platform": [Platform.DEMO.value] * n,
        "external_id": [f"demo-customer-{i}" for i in range(people.first_ordinal, people.first_ordinal + n)],
    })  # fmt: skip
    _write_consents(run, people, ids)
    return ids


def _write_consents(run: _Run, people: CustomerBatch, ids: np.ndarray) -> None:
    """The consent ledger: every customer who ever opted in, and what changed since."""
    w, rng = run.writer, np.random.default_rng([run.seed, 2, people.first_ordinal])
    consent, created = people.consent, people.created_at.astype(np.int64)
    opted_in = np.flatnonzero(np.isin(consent, ["subscribed", "unsubscribed", "invalid"]))
    changed = np.flatnonzero(np.isin(consent, ["unsubscribed", "invalid"]))
    pending = np.flatnonzero(consent == "pending")
    later = created[changed] + ((run.end_us - created[changed]) * rng.random(len(changed))).astype(np.int64)
    who = np.concatenate([opted_in, pending, changed])
    at = np.concatenate([created[opted_in], created[pending], later])
    state = ["subscribed"] * len(opted_in) + ["pending"] * len(pending) + consent[changed].tolist()
    level = ["confirmed_opt_in"] * len(opted_in) + ["confirmed_opt_in"] * len(pending) + [""] * len(changed)
    times = _times(w, at)
    w.insert(ConsentRecord, {
        "store_id": [run.store.pk] * len(who), "customer_id": ids[who].tolist(), "state": state,
        "occurred_at": times, "recorded_at": times, "source": ["demo"] * len(who),
        "wording": [CONSENT_WORDING if s != "invalid" else "" for s in state],
        "wording_version": ["demo-1"] * len(who), "opt_in_level": level,
    })  # fmt: skip
    run.summary.consent_records += len(who)


def _write_orders(
    run: _Run, orders: OrderBatch, people: CustomerBatch, customer_ids: np.ndarray
) -> np.ndarray:  # noqa: E501
    w, n, store = run.writer, len(orders), run.store
    ids = w.reserve_ids(Order, n)
    totals = w.money(orders.total)
    w.insert(Order, {
        "id": ids.tolist(), "store_id": [store.pk] * n,
        "customer_id": customer_ids[orders.customer].tolist(), "platform": [Platform.DEMO.value] * n,
        "external_id": [orders.external_id(o) for o in range(n)],
        "number": [orders.number(o) for o in range(n)],
        "email": [people.email[c] for c in orders.customer.tolist()],
        "currency": [store.currency] * n, "presentment_currency": [store.currency] * n,
        "subtotal": w.money(orders.subtotal), "total_discounts": w.money(orders.discount),
        "discount_codes": w.json(orders.discount_codes), "shipping": w.money(orders.shipping),
        "tax": w.money(orders.tax), "total": totals, "presentment_total": totals,
        "financial_status": orders.financial.tolist(), "fulfillment_status": orders.fulfillment.tolist(),
        "source_channel": orders.channel.tolist(), "landing_page": orders.landing_page,
        "referrer": orders.referrer, "utm_source": [u[0] for u in orders.utm],
        "utm_medium": [u[1] for u in orders.utm], "utm_campaign": [u[2] for u in orders.utm],
        "checkout_token": orders.checkout_token, "note": orders.note,
        "created_at": _times(w, orders.created), "processed_at": _times(w, orders.created),
        "cancelled_at": _times(w, orders.cancelled), "fulfilled_at": _times(w, orders.fulfilled),
        "source_updated_at": _times(w, orders.updated), "refunded_amount": w.money(orders.refunded),
    })  # fmt: skip
    _write_lines(run, orders, ids)
    refunded = orders.refund_order
    w.insert(Refund, {
        "store_id": [store.pk] * len(refunded), "order_id": ids[refunded].tolist(),
        "external_id": [f"demo-refund-{orders.ordinal[o]}" for o in refunded.tolist()],
        "amount": w.money(orders.refund_amount), "currency": [store.currency] * len(refunded),
        "note": orders.refund_note, "created_at": _times(w, orders.refund_at),
    })  # fmt: skip
    return ids


def _write_lines(run: _Run, orders: OrderBatch, order_ids: np.ndarray) -> None:
    w, c = run.writer, run.catalogue
    owner = np.repeat(np.arange(len(orders)), orders.line_count)
    v = orders.line_variant
    n = len(v)
    w.insert(LineItem, {
        "store_id": [run.store.pk] * n, "order_id": order_ids[owner].tolist(),
        "product_id": c.product_ids[c.variant_product[v]].tolist(), "variant_id": c.variant_ids[v].tolist(),
        "external_id": [f"demo-line-{orders.ordinal[o]}-{i}" for o, i in zip(owner.tolist(), (np.arange(n) - orders.line_start[owner]).tolist(), strict=True)],  # noqa: E501
        "title": [c.variant_titles[i] for i in v.tolist()], "sku": [c.variant_skus[i] for i in v.tolist()],
        "quantity": orders.line_quantity.tolist(), "price": w.money(c.variant_prices[v]),
        "total_discount": w.money(orders.line_discount),
    })  # fmt: skip


def _write_journeys(
    run: _Run, chunk: int, journeys: Journeys, people: CustomerBatch, customer_ids: np.ndarray
) -> None:  # noqa: E501
    w, store, rng = run.writer, run.store, np.random.default_rng([run.seed, 3, chunk])
    s, e, c = journeys.sessions, journeys.events, journeys.checkouts
    session_ids = uuid_like(rng, len(s.customer))
    customer_of = [None if i < 0 else int(customer_ids[i]) for i in s.customer]
    n = len(e.session)
    occurred = np.array(e.at, dtype=np.int64)
    received = occurred + rng.integers(50_000, 2_000_000, n)
    types = ["page_view", "product_view", "add_to_cart", "checkout_started", "order_placed"]
    w.insert(Event, {
        "store_id": [store.pk] * n, "event_id": [f"demo-{chunk:05d}-{i:07d}" for i in range(n)],
        "type": [types[t] for t in e.type], "customer_id": [customer_of[i] for i in e.session],
        "anonymous_id": [s.anonymous_id[i] for i in e.session],
        "session_id": [session_ids[i] for i in e.session], "properties": w.json(e.properties),
        "occurred_at": _times(w, occurred), "received_at": _times(w, received),
    })  # fmt: skip
    m = len(c.token)
    w.insert(Checkout, {
        "store_id": [store.pk] * m, "customer_id": [None if i < 0 else int(customer_ids[i]) for i in c.customer],  # noqa: E501
        "platform": [Platform.DEMO.value] * m, "external_id": c.token, "token": c.token,
        "email": ["" if i < 0 else people.email[i] for i in c.customer],
        "currency": [store.currency] * m, "total": w.money(np.array(c.total, dtype=np.int64)),
        "line_items": w.json(c.line_items), "recovery_url": c.recovery_url, "state": c.state,
        "created_at": _times(w, np.array(c.created, dtype=np.int64)),
        "updated_at": _times(w, np.maximum(c.created, c.completed)),
        "completed_at": _times(w, np.array(c.completed, dtype=np.int64)),
    })  # fmt: skip


def _times(w: RowWriter, micros) -> list:
    """Database values for int64 microseconds since the epoch; negative means NULL."""
    micros = np.asarray(micros, dtype=np.int64)
    values = micros.astype("datetime64[us]")
    values[micros < 0] = np.datetime64("NaT")
    return w.datetimes(values)


def _count(summary: GenerationSummary, people, orders: OrderBatch, journeys: Journeys, order_ids) -> None:
    per_customer = np.bincount(orders.customer[orders.cancelled < 0], minlength=len(people))
    summary.customers += len(people)
    summary.buyers += int((per_customer >= 1).sum())
    summary.repeat_buyers += int((per_customer >= 2).sum())
    summary.orders += len(orders)
    summary.cancelled_orders += int((orders.cancelled >= 0).sum())
    summary.line_items += len(orders.line_variant)
    summary.refunds += len(orders.refund_order)
    summary.checkouts += len(journeys.checkouts.token)
    summary.checkouts_completed += sum(1 for s in journeys.checkouts.state if s == "completed")
    summary.sessions += len(journeys.sessions.customer)
    summary.events += len(journeys.events.session)
