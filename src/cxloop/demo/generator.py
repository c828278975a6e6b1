"""The deterministic demo-store generator.

    summary = generate_store(store=store, customers=2000, seed=42)

fills an empty store with 18 months of a believable shop: customers in five
languages, a catalogue, orders from a buy-till-you-die process (see
`behaviour`), refunds, checkouts and the shoppers' journeys as events (see
`journeys`). The same seed and `today` give the same data, row for row (ids
aside).

Customers are generated and written in chunks of `CHUNK` with one transaction
each, so memory stays flat however many are asked for; each chunk draws from
its own random stream, derived from the seed and the chunk's number. With
more than one chunk, a worker process plans the next chunks' rows (all the
text is built there) while this process writes the current one (see
`staging`). Large loads build their indexes once at the end (see
`RowWriter.bulk_load`).
"""

import functools
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import date

import numpy as np
from django.db import connection, transaction
from django.db.models import Max, Min, Model
from django.utils import timezone

from cxloop.core.models import Platform, Store

from ..commerce.models import (
    Checkout,
    ConsentRecord,
    Customer,
    CustomerSearchTerm,
    Event,
    ExternalId,
    LineItem,
    Order,
    Product,
    Refund,
)
from ..commerce.search_terms import build_terms
from . import addresses as demo_addresses
from .behaviour import DemoParameters, Purchases, draw_purchases
from .catalogue import Catalogue, create_catalogue, currency_factor
from .columns import concat, datetimes, money, objects, texts
from .journeys import ANONYMOUS_DAYS, TYPES, Journeys, build_journeys
from .orders import OrderBatch, build_orders
from .people import TAG_JSON, VIP_TAG_JSON, CustomerBatch, NamePools, build_name_pools, draw_customers
from .staging import planned
from .writer import ChunkRows, Constant, Ids, RowWriter

CHUNK = 10_000
# From this many customers on, and when the new events outnumber the table's,
# indexes are built once at the end instead of row by row (see RowWriter.bulk_load).
REBUILD_INDEXES_FROM = 50_000
EVENTS_PER_CUSTOMER = 22
LOADED = (Customer, CustomerSearchTerm, ExternalId, ConsentRecord, Order, LineItem, Refund, Event, Checkout)
PLAN_AHEAD = True  # plan chunks in a worker process when there is more than one
HISTORY_DAYS = 548  # 18 months
CONSENT_WORDING = "Email me news and offers. I can unsubscribe at any time."


class StoreNotEmpty(Exception):
    pass


@dataclass
class Counts:
    customers: int = 0
    buyers: int = 0
    repeat_buyers: int = 0
    orders: int = 0
    cancelled_orders: int = 0
    line_items: int = 0
    refunds: int = 0
    checkouts: int = 0
    checkouts_completed: int = 0
    sessions: int = 0
    events: int = 0
    consent_records: int = 0
    window_orders: int = 0  # online orders in the last ANONYMOUS_DAYS
    window_sessions: int = 0  # online sessions that began then


@dataclass
class GenerationSummary(Counts):
    products: int = 0
    variants: int = 0
    rows: int = 0
    elapsed_seconds: float = 0.0
    parameters: dict = field(default_factory=dict)

    @property
    def repeat_rate(self) -> float:
        return self.repeat_buyers / self.buyers if self.buyers else 0.0

    @property
    def conversion_rate(self) -> float:
        """Share of online sessions that ended in an order, over the last ANONYMOUS_DAYS."""
        return self.window_orders / self.window_sessions if self.window_sessions else 0.0

    def add(self, counts: Counts) -> None:
        for f in fields(Counts):
            setattr(self, f.name, getattr(self, f.name) + getattr(counts, f.name))


@dataclass
class _Planner:
    """Everything a chunk needs; picklable, and never touches the database."""

    store_pk: int
    store_slug: str
    currency: str
    seed: int
    params: DemoParameters
    catalogue: Catalogue
    pools: NamePools
    start: np.datetime64
    end: np.datetime64
    datetime_suffix: str
    orders_so_far: int = 0

    @property
    def end_us(self) -> int:
        return int(self.end.astype(np.int64))

    def times(self, micros) -> np.ndarray:
        return datetimes(micros, self.datetime_suffix)

    def plan(self, chunk: int, first: int, count: int) -> ChunkRows:
        rng = np.random.default_rng([self.seed, 1, chunk])
        people = draw_customers(rng, self.pools, count=count, first_ordinal=first + 1, start=self.start,
                                end=self.end)  # fmt: skip
        signup_us = people.created_at.astype(np.int64)
        purchases = draw_purchases(rng, self.params, signup=people.created_at, end=self.end)
        orders = build_orders(
            rng, purchases, catalogue=self.catalogue, countries=people.country,
            factor=currency_factor(self.currency), first_ordinal=self.orders_so_far + 1, end_us=self.end_us,
        )  # fmt: skip
        self.orders_so_far += len(orders)
        journeys = build_journeys(
            rng, orders=orders, customers=count, signup_us=signup_us, catalogue=self.catalogue,
            currency=self.currency, recovery_base=f"https://{self.store_slug}.shop.example",
            end_us=self.end_us, conversion_rate=self.params.conversion_rate,
        )  # fmt: skip
        tables = [
            *_customer_tables(self, people, orders, purchases),
            *_order_tables(self, orders, people),
            *_journey_tables(self, chunk, journeys, people),
        ]
        reserve = {Customer: count, Order: len(orders)}
        return ChunkRows(reserve, tables, _count(people, orders, journeys))


def generate_store(
    *,
    store: Store,
    customers: int,
    seed: int,
    progress: Callable[[int, int], None] | None = None,
    notify: Callable[[str], None] | None = None,
    today: date | None = None,
) -> GenerationSummary:
    """Fill an empty store with `customers` demo customers and everything they did.

    Deterministic for a seed and `today` (default: the current date). Each
    chunk of customers is one transaction. `progress(done, total)` follows
    the customers written; `notify(text)` hears of the steps after them.
    Raises StoreNotEmpty if the store already has customers or products.
    """
    began = time.perf_counter()
    if Customer.objects.filter(store=store).exists() or Product.objects.filter(store=store).exists():
        raise StoreNotEmpty(f"Store {store.slug!r} already has customers or products.")
    end = np.datetime64(today or timezone.now().date(), "us")
    params = DemoParameters().in_currency(currency_factor(store.currency))
    writer = RowWriter()
    with transaction.atomic():
        catalogue = create_catalogue(store=store, rng=np.random.default_rng([seed, 0, 0]), writer=writer)
    summary = GenerationSummary(
        products=len(catalogue.product_ids), variants=len(catalogue.variant_ids),
        parameters={**params.as_dict(), "seed": seed, "currency": store.currency, "end": str(end),
                    "anonymous_days": ANONYMOUS_DAYS},
    )  # fmt: skip
    planner = _Planner(store.pk, store.slug, store.currency, seed, params, catalogue, build_name_pools(seed),
                       end - np.timedelta64(HISTORY_DAYS, "D"), end, writer.datetime_suffix)  # fmt: skip
    starts = range(0, customers, CHUNK)
    chunks = [(chunk, first, min(CHUNK, customers - first)) for chunk, first in enumerate(starts)]
    rebuild = customers >= REBUILD_INDEXES_FROM and customers * EVENTS_PER_CUSTOMER > _approximate_rows(Event)
    with (
        writer.bulk_load(LOADED, rebuild_indexes=rebuild, notify=notify),
        _stage_dir(writer) as stage_dir,
        planned(planner.plan, chunks, worker=PLAN_AHEAD and len(chunks) > 1, stage_dir=stage_dir) as plans,
    ):
        for rows in plans:
            writer.write_chunk(rows)
            summary.add(rows.counts)
            if progress:
                progress(summary.customers, customers)
    summary.rows = writer.rows_written
    summary.elapsed_seconds = time.perf_counter() - began
    return summary


@contextmanager
def _stage_dir(writer: RowWriter) -> Iterator[str | None]:
    """A temporary folder for staged chunks on SQLite (which cannot attach a file inside a transaction)."""
    if writer.vendor != "sqlite" or connection.in_atomic_block:
        yield None
        return
    folder = tempfile.mkdtemp(prefix="cxloop-seed-")
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _approximate_rows(model: type[Model]) -> int:
    """The span of the table's ids: at least its row count, and found without a scan."""
    ids = model.objects.aggregate(low=Min("id"), high=Max("id"))
    return ids["high"] - ids["low"] + 1 if ids["high"] is not None else 0


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


def _profile(plan: _Planner, people: CustomerBatch, orders: OrderBatch, facts: dict) -> dict:
    """Address, company, note, tax exemption, and a Shopify history for some customers without orders.

    Drawn from their own generator, so adding them changed no other demo data.
    """
    n = len(people)
    rng = np.random.default_rng(people.first_ordinal)
    company, exempt = demo_addresses.companies(rng, people.country)
    # One in ten customers without orders came with a customers-only Shopify import.
    no_orders = np.bincount(orders.customer, minlength=n) == 0  # cancelled ones count as orders
    history = no_orders & (rng.random(n) < 0.1)
    counts = np.where(history, rng.integers(1, 9, size=n), 0)
    spent = counts * rng.integers(2_000, 6_000, size=n)
    facts["count"] = np.where(history, counts, facts["count"])
    facts["spent"] = np.where(history, spent, facts["spent"])
    return {
        "address": demo_addresses.customer_addresses(people.country), "company": company,
        "note": demo_addresses.notes(rng, n), "tax_exempt": exempt, "facts_from_platform": history,
        "platform_orders_count": np.where(history, counts, None).astype(object),
        "platform_total_spent": np.where(history, money(spent), None).astype(object),
        "platform_totals_currency": np.where(history, plan.currency, "").astype(object),
        "platform_totals_source": np.where(history, Platform.SHOPIFY.value, "").astype(object),
        "platform_totals_at": plan.times(np.where(history, people.created_at.astype(np.int64), -1)),
    }  # fmt: skip


def _customer_tables(plan: _Planner, people: CustomerBatch, orders: OrderBatch, purchases: Purchases) -> list:
    n, store = len(people), Constant(plan.store_pk)
    facts = _facts(orders, n)
    profile = _profile(plan, people, orders, facts)
    vip = facts["spent"] >= 5 * plan.params.mean_order_value * 100
    rows = Ids(Customer, np.arange(n))
    ordinals = texts(np.arange(people.first_ordinal, people.first_ordinal + n))
    customers = {
        "id": rows, "store_id": store, "email": people.email,
        "email_key": objects([e.lower() for e in people.email.tolist()]), "phone": people.phone,
        "first_name": people.first_name, "last_name": people.last_name, "name_key": people.name_key,
        "surname_key": people.surname_key, "language": people.language, "country": people.country,
        "tags": np.where(vip, VIP_TAG_JSON[people.tag_code], TAG_JSON[people.tag_code]),
        "email_consent": people.consent, "created_at": plan.times(people.created_at.astype(np.int64)),
        "updated_at": plan.times(np.maximum(people.created_at.astype(np.int64), facts["last"])),
        "orders_count": facts["count"], "amount_spent": money(facts["spent"]),
        "first_order_at": plan.times(facts["first"]), "last_order_at": plan.times(facts["last"]),
        # (the O is outside commerce.referrals.ALPHABET: a code drawn later never equals one of these)
        "referral_code": concat("DEMO", ordinals),
        **profile,
    }  # fmt: skip
    external_ids = {
        "store_id": store, "customer_id": rows, "platform": Constant(Platform.DEMO.value),
        "external_id": concat("demo-customer-", ordinals),
    }  # fmt: skip
    terms = _search_terms(plan, people)
    return [(Customer, customers), (CustomerSearchTerm, terms), (ExternalId, external_ids),
            (ConsentRecord, _consents(plan, people))]  # fmt: skip


@functools.lru_cache(maxsize=65536)
def _name_terms(first: str, last: str) -> frozenset[str]:
    """The terms of a name (names come from small pools, so most are seen before)."""
    return frozenset(build_terms(first, last, ""))


def _search_terms(plan: _Planner, people: CustomerBatch) -> dict:
    """The words each customer is found by, as `index_search_terms` writes them."""
    who, terms = [], []
    for row, (first, last, email) in enumerate(zip(people.first_name.tolist(), people.last_name.tolist(),
                                                   people.email.tolist(), strict=True)):  # fmt: skip
        found = sorted(_name_terms(first, last) | build_terms("", "", email))
        who += [row] * len(found)
        terms += found
    return {"store_id": Constant(plan.store_pk), "customer_id": Ids(Customer, np.array(who, dtype=np.int64)),
            "term": objects(terms)}  # fmt: skip


def _consents(plan: _Planner, people: CustomerBatch) -> dict:
    """The consent ledger: every customer who ever opted in, and what changed since."""
    rng = np.random.default_rng([plan.seed, 2, people.first_ordinal])
    consent, created = people.consent, people.created_at.astype(np.int64)
    opted_in = np.flatnonzero(np.isin(consent, ["subscribed", "unsubscribed", "invalid"]))
    changed = np.flatnonzero(np.isin(consent, ["unsubscribed", "invalid"]))
    pending = np.flatnonzero(consent == "pending")
    later = created[changed] + ((plan.end_us - created[changed]) * rng.random(len(changed))).astype(np.int64)
    who = np.concatenate([opted_in, pending, changed])
    at = plan.times(np.concatenate([created[opted_in], created[pending], later]))
    state = np.concatenate([np.full(len(opted_in), "subscribed", dtype=object),
                            np.full(len(pending), "pending", dtype=object), consent[changed]])  # fmt: skip
    confirmed = np.arange(len(who)) < len(opted_in) + len(pending)
    level = np.where(confirmed, "confirmed_opt_in", "").astype(object)
    return {
        "store_id": Constant(plan.store_pk), "customer_id": Ids(Customer, who), "state": state,
        "occurred_at": at, "recorded_at": at, "source": Constant("demo"),
        "wording": np.where(state != "invalid", CONSENT_WORDING, "").astype(object),
        "wording_version": Constant("demo-1"), "opt_in_level": level,
    }  # fmt: skip


def _order_tables(plan: _Planner, orders: OrderBatch, people: CustomerBatch) -> list:
    n, store, currency = len(orders), Constant(plan.store_pk), Constant(plan.currency)
    rows, totals = Ids(Order, np.arange(n)), money(orders.total)
    created = plan.times(orders.created)
    shipping_address, shipping_method = demo_addresses.shipping(
        orders.customer, people.first_name, people.last_name, people.country, orders.channel != "pos"
    )
    order_rows = {
        "id": rows, "store_id": store, "customer_id": Ids(Customer, orders.customer),
        "platform": Constant(Platform.DEMO.value), "external_id": orders.external_id, "number": orders.number,
        "email": people.email[orders.customer], "currency": currency, "presentment_currency": currency,
        # Stored after discounts, as platforms send it.
        "subtotal": money(orders.subtotal - orders.discount), "total_discounts": money(orders.discount),
        "discount_codes": orders.discount_codes, "shipping": money(orders.shipping),
        "tax": money(orders.tax), "taxes_included": orders.taxes_included,
        "total": totals, "presentment_total": totals,
        "shipping_address": shipping_address, "shipping_method": shipping_method,
        "financial_status": orders.financial, "fulfillment_status": orders.fulfillment,
        "source_channel": orders.channel, "landing_page": orders.landing_page, "referrer": orders.referrer,
        "utm_source": orders.utm_source, "utm_medium": orders.utm_medium, "utm_campaign": orders.utm_campaign,
        "checkout_token": orders.checkout_token, "note": orders.note, "created_at": created,
        "processed_at": created, "cancelled_at": plan.times(orders.cancelled),
        "fulfilled_at": plan.times(orders.fulfilled), "source_updated_at": plan.times(orders.updated),
        # What the ORM's auto_now would have set, as migration 0009 filled it for older rows: the
        # warehouse copies orders changed since its last sync by this column.
        "updated_at": plan.times(orders.updated),
        "refunded_amount": money(orders.refunded),
    }  # fmt: skip
    refunded = orders.refund_order
    refunds = {
        "store_id": store, "order_id": Ids(Order, refunded),
        "external_id": concat("demo-refund-", texts(orders.ordinal[refunded])),
        "amount": money(orders.refund_amount), "currency": currency, "note": orders.refund_note,
        "created_at": plan.times(orders.refund_at),
    }  # fmt: skip
    return [(Order, order_rows), (LineItem, _lines(plan, orders)), (Refund, refunds)]


def _lines(plan: _Planner, orders: OrderBatch) -> dict:
    c, owner, v = plan.catalogue, orders.line_owner, orders.line_variant
    index = np.arange(len(v)) - orders.line_start[owner]
    return {
        "store_id": Constant(plan.store_pk), "order_id": Ids(Order, owner),
        "product_id": c.product_ids[c.variant_product[v]], "variant_id": c.variant_ids[v],
        "external_id": concat("demo-line-", texts(orders.ordinal[owner]), "-", texts(index)),
        "title": objects(c.variant_titles)[v], "sku": objects(c.variant_skus)[v],
        "quantity": orders.line_quantity, "price": money(c.variant_prices[v]),
        "total_discount": money(orders.line_discount),
    }  # fmt: skip


# The storefront's device classes (commerce.devices) and the share of sessions of each: phones most,
# a few crawlers (which never order)
DEVICES = objects(["mobile", "tablet", "desktop", "bot"])
DEVICE_SHARES = (0.58, 0.08, 0.32, 0.02)


def _session_devices(rng, sessions: int, events) -> np.ndarray:
    """A device class per session, by DEVICE_SHARES; a session with an order is a person's."""
    device = rng.choice(len(DEVICE_SHARES), size=sessions, p=DEVICE_SHARES)
    ordered = np.zeros(sessions, dtype=bool)
    ordered[events.session[TYPES[events.type] == "order_placed"]] = True
    device[ordered & (device == len(DEVICE_SHARES) - 1)] = 2  # desktop
    return DEVICES[device]


def _journey_tables(plan: _Planner, chunk: int, journeys: Journeys, people: CustomerBatch) -> list:
    s, e, c = journeys.sessions, journeys.events, journeys.checkouts
    rng = np.random.default_rng([plan.seed, 3, chunk])
    store = Constant(plan.store_pk)
    received = e.at + rng.integers(50_000, 2_000_000, len(e.at))
    device = _session_devices(rng, len(s.session_id), e)
    events = {
        "store_id": store, "event_id": concat(f"demo-{chunk:05d}-", _zero_padded(len(e.at), 7)),
        "type": TYPES[e.type], "customer_id": Ids(Customer, s.customer[e.session]),
        "anonymous_id": s.anonymous_id[e.session], "session_id": s.session_id[e.session],
        "properties": e.properties, "occurred_at": plan.times(e.at), "received_at": plan.times(received),
        "device": device[e.session],
    }  # fmt: skip
    emails = np.where(c.customer >= 0, people.email[np.maximum(c.customer, 0)], "")
    checkouts = {
        "store_id": store, "customer_id": Ids(Customer, c.customer),
        "platform": Constant(Platform.DEMO.value),
        "external_id": c.token, "token": c.token, "email": emails, "currency": Constant(plan.currency),
        "total": money(c.total), "line_items": c.line_items, "recovery_url": c.recovery_url, "state": c.state,
        "created_at": plan.times(c.created), "updated_at": plan.times(np.maximum(c.created, c.completed)),
        "completed_at": plan.times(c.completed),
    }  # fmt: skip
    return [(Event, events), (Checkout, checkouts)]


def _zero_padded(n: int, digits: int) -> np.ndarray:
    """ "0000000", "0000001", ... as an object array of text."""
    if n >= 10**digits:
        raise ValueError(f"{n} rows do not fit {digits} digits.")
    text = (np.arange(n) + 10**digits).astype(f"U{digits + 1}")
    return text.view(np.uint32).reshape(n, digits + 1)[:, 1:].copy().view(f"U{digits}").ravel().astype(object)


def _count(people: CustomerBatch, orders: OrderBatch, journeys: Journeys) -> Counts:
    per_customer = np.bincount(orders.customer[orders.cancelled < 0], minlength=len(people))
    return Counts(
        customers=len(people), buyers=int((per_customer >= 1).sum()),
        repeat_buyers=int((per_customer >= 2).sum()), orders=len(orders),
        cancelled_orders=int((orders.cancelled >= 0).sum()), line_items=len(orders.line_variant),
        refunds=len(orders.refund_order), checkouts=len(journeys.checkouts.token),
        checkouts_completed=int((journeys.checkouts.state == Checkout.State.COMPLETED.value).sum()),
        sessions=len(journeys.sessions.customer), events=len(journeys.events.at),
        consent_records=int(np.isin(people.consent, ["subscribed", "pending"]).sum()
                            + 2 * np.isin(people.consent, ["unsubscribed", "invalid"]).sum()),
        window_orders=journeys.window_orders, window_sessions=journeys.window_sessions,
    )  # fmt: skip
