"""Turn purchases into orders: line items, discounts, shipping, tax, statuses, refunds.

Every order satisfies total = subtotal - total_discounts + shipping, plus tax
where it is added (US sales tax; elsewhere prices include VAT), its
line discounts add up to its discount, and refunds never exceed its total.
Statuses follow the order's age: the last day's orders are mostly unfulfilled
and sometimes only authorised; about 1% are cancelled and 4% refunded.
"""

from dataclasses import dataclass

import numpy as np

from ..commerce.models import Order
from .addresses import TAXES_ADDED
from .behaviour import MICROS_PER_DAY, Purchases
from .catalogue import Catalogue, nice_price_cents
from .columns import concat, hex_ids, money, objects, texts

HOUR = 3_600_000_000
TAX_RATES = {"US": 0.07, "GB": 0.20, "PL": 0.23, "LV": 0.21, "IR": 0.09, "CN": 0.13, "TW": 0.05, "HK": 0.0}
CHANNELS = objects(["web", "mobile", "pos"])
FIRST_ORDER_CODE = ("WELCOME10", 10)
CODES = [("SPRING15", 15), ("VIP20", 20), ("SAVE10", 10), ("FRIENDS15", 15)]
CAMPAIGNS = [
    ("google", "cpc", "brand_search", "https://www.google.com/"),
    ("facebook", "paid_social", "spring_sale", "https://l.facebook.com/"),
    ("instagram", "social", "new_arrivals", "https://l.instagram.com/"),
    ("newsletter", "email", "weekly_digest", ""),
    ("tiktok", "paid_social", "summer_drop", "https://www.tiktok.com/"),
]
REFERRERS = objects(["", "", "https://www.google.com/", "https://duckduckgo.com/", "https://www.bing.com/"])
REFUND_NOTES = objects(["Returned: wrong size", "Damaged in transit", "Changed mind", "Late delivery", ""])
ORDER_NOTES = objects(["Please gift wrap.", "Leave with the neighbour.", "Call before delivery."])


@dataclass
class OrderBatch:
    customer: np.ndarray  # index into the customer batch
    ordinal: np.ndarray  # store-wide order ordinal (numbers the order)
    created: np.ndarray  # int64 microseconds since the epoch
    subtotal: np.ndarray  # cents
    discount: np.ndarray
    shipping: np.ndarray
    tax: np.ndarray
    taxes_included: np.ndarray  # bool
    total: np.ndarray
    refunded: np.ndarray
    # Text columns are object arrays of str.
    discount_codes: np.ndarray  # JSON
    channel: np.ndarray
    landing_page: np.ndarray
    referrer: np.ndarray
    utm_source: np.ndarray
    utm_medium: np.ndarray
    utm_campaign: np.ndarray
    checkout_token: np.ndarray  # "" for point-of-sale orders
    note: np.ndarray
    financial: np.ndarray
    fulfillment: np.ndarray
    cancelled: np.ndarray  # int64 microseconds, or -1
    fulfilled: np.ndarray  # int64 microseconds, or -1
    updated: np.ndarray
    # Lines, grouped by order (line_start[o] .. line_start[o] + line_count[o]).
    line_start: np.ndarray
    line_count: np.ndarray
    line_variant: np.ndarray
    line_quantity: np.ndarray
    line_discount: np.ndarray
    # Refunds: one per refunded order.
    refund_order: np.ndarray
    refund_amount: np.ndarray
    refund_at: np.ndarray
    refund_note: np.ndarray

    def __len__(self) -> int:
        return len(self.customer)

    @property
    def external_id(self) -> np.ndarray:
        return concat("demo-order-", texts(self.ordinal))

    @property
    def number(self) -> np.ndarray:
        return concat("#", texts(1000 + self.ordinal))

    @property
    def line_owner(self) -> np.ndarray:
        """The order of each line."""
        return np.repeat(np.arange(len(self)), self.line_count)


def build_orders(
    rng: np.random.Generator, purchases: Purchases, *, catalogue: Catalogue, countries: np.ndarray,
    factor: float, first_ordinal: int, end_us: int,
) -> OrderBatch:  # fmt: skip
    """Build the orders of a batch's purchases, numbered from `first_ordinal` by time."""
    n = len(purchases.customer)
    created = purchases.at.astype(np.int64)
    rank = np.empty(n, dtype=np.int64)
    rank[np.argsort(created, kind="stable")] = np.arange(n)
    lines = _draw_lines(rng, purchases.value_cents, catalogue)
    line_amount = catalogue.variant_prices[lines["variant"]] * lines["quantity"]
    subtotal = np.add.reduceat(line_amount, lines["start"]) if n else np.zeros(0, np.int64)
    discount, codes = _draw_discounts(rng, subtotal, purchases.is_first)
    line_discount = _spread(line_amount, lines["start"], lines["count"], subtotal, discount)
    channel = CHANNELS[rng.choice(3, size=n, p=[0.7, 0.22, 0.08])]
    free_from = nice_price_cents(np.array([100]), factor)[0] + 1
    rate = np.where(rng.random(n) < 0.7, *nice_price_cents(np.array([5, 10]), factor))
    shipping = np.where((channel == "pos") | (subtotal - discount >= free_from), 0, rate)
    rates = {country: TAX_RATES[country] for country in set(countries.tolist())}
    tax_rate = np.array([rates[c] for c in countries[purchases.customer].tolist()], dtype=float)
    included = np.array([c not in TAXES_ADDED for c in countries[purchases.customer].tolist()], dtype=bool)
    gross = subtotal - discount + shipping
    tax_share = np.where(included, tax_rate / (1 + tax_rate), tax_rate)
    tax = np.round(gross * tax_share).astype(np.int64)
    empty = np.full(n, "", dtype=object)
    batch = OrderBatch(
        customer=purchases.customer, ordinal=first_ordinal + rank, created=created,
        subtotal=subtotal, discount=discount, shipping=shipping, tax=tax, taxes_included=included,
        total=gross + np.where(included, 0, tax), refunded=np.zeros(n, np.int64),
        discount_codes=codes, channel=channel, landing_page=empty, referrer=empty,
        utm_source=empty, utm_medium=empty, utm_campaign=empty,
        checkout_token=np.where(channel != "pos", hex_ids(rng, n), ""), note=_notes(rng, n),
        financial=np.full(n, Order.Financial.PAID.value, dtype=object),
        fulfillment=np.full(n, Order.Fulfillment.UNFULFILLED.value, dtype=object),
        cancelled=np.full(n, -1, np.int64), fulfilled=np.full(n, -1, np.int64), updated=created.copy(),
        line_start=lines["start"], line_count=lines["count"], line_variant=lines["variant"],
        line_quantity=lines["quantity"], line_discount=line_discount,
        refund_order=np.zeros(0, np.int64), refund_amount=np.zeros(0, np.int64),
        refund_at=np.zeros(0, np.int64), refund_note=objects([]),
    )  # fmt: skip
    _draw_landing(rng, batch, catalogue)
    _draw_statuses(rng, batch, end_us)
    _draw_refunds(rng, batch, end_us)
    return batch


def _draw_lines(rng, value_cents: np.ndarray, catalogue: Catalogue) -> dict:
    n = len(value_cents)
    count = rng.choice([1, 2, 3, 4], size=n, p=[0.55, 0.27, 0.12, 0.06])
    start = (np.cumsum(count) - count).astype(np.int64)
    owner = np.repeat(np.arange(n), count)
    weight = rng.gamma(2.0, size=len(owner))
    share = weight / np.bincount(owner, weights=weight, minlength=n)[owner]
    quantity = rng.choice([1, 2, 3], size=len(owner), p=[0.85, 0.12, 0.03])
    unit_target = value_cents[owner] * share / quantity
    return {
        "start": start, "count": count, "quantity": quantity,
        "variant": catalogue.nearest_variants(rng, unit_target),
    }  # fmt: skip


def _draw_discounts(rng, subtotal: np.ndarray, is_first: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = len(subtotal)
    has_code = rng.random(n) < np.where(is_first, 0.3, 0.15)
    pick = rng.integers(0, len(CODES), size=n)
    names = objects([code for code, _ in CODES])[pick]
    percent = np.array([p for _, p in CODES])[pick]
    names[is_first] = FIRST_ORDER_CODE[0]
    percent[is_first] = FIRST_ORDER_CODE[1]
    # The same rounding as round(subtotal * percent / 100) in Python: half to even.
    discount = np.where(has_code, np.round(subtotal * percent / 100), 0).astype(np.int64)
    codes = np.full(n, "[]", dtype=object)
    codes[has_code] = concat('[{"code": "', names[has_code], '", "amount": "', money(discount[has_code]),
                             '", "type": "percentage"}]')  # fmt: skip
    return discount, codes


def _spread(line_amount, start, count, subtotal, discount) -> np.ndarray:
    """Share each order's discount over its lines in proportion; the last line takes the cents left."""
    owner = np.repeat(np.arange(len(start)), count)
    shares = line_amount * discount[owner] // np.maximum(subtotal[owner], 1)
    given = np.bincount(owner, weights=shares, minlength=len(start)).astype(np.int64)
    shares[start + count - 1] += discount - given
    return shares


def _notes(rng, n: int) -> np.ndarray:
    roll = rng.random(n)
    pick = rng.integers(0, len(ORDER_NOTES), size=n)
    return np.where(roll < 0.03, ORDER_NOTES[pick], "")


def _draw_landing(rng, batch: OrderBatch, catalogue: Catalogue) -> None:
    """Landing page, referrer and UTM parameters: 30% of online orders come from a campaign."""
    n = len(batch)
    roll, campaign, referrer, page = (
        rng.random(n), rng.integers(0, len(CAMPAIGNS), n), rng.integers(0, len(REFERRERS), n),
        rng.integers(0, 4, n),
    )  # fmt: skip
    if n == 0:
        return
    product = concat("/products/", objects(catalogue.product_handles)[
        catalogue.variant_product[batch.line_variant[batch.line_start]]])  # fmt: skip
    source, medium, name, ref = (objects([c[i] for c in CAMPAIGNS])[campaign] for i in range(4))
    pages = objects(["/", "/collections/all", "", "/collections/new-arrivals"])[page]
    path = np.where(page == 2, product, pages)
    tagged = concat(product, "?utm_source=", source, "&utm_medium=", medium, "&utm_campaign=", name)
    online, from_campaign = batch.channel != "pos", roll < 0.3
    by_campaign = online & from_campaign
    batch.landing_page = np.where(online, np.where(from_campaign, tagged, path), "")
    batch.referrer = np.where(online, np.where(from_campaign, ref, REFERRERS[referrer]), "")
    batch.utm_source = np.where(by_campaign, source, "")
    batch.utm_medium = np.where(by_campaign, medium, "")
    batch.utm_campaign = np.where(by_campaign, name, "")


def _draw_statuses(rng, batch: OrderBatch, end_us: int) -> None:
    n = len(batch)
    age = end_us - batch.created
    cancelled = rng.random(n) < 0.01
    delay = ((6 + rng.gamma(2.0, 12.0, n)) * HOUR).astype(np.int64)
    delay[batch.channel == "pos"] = 0
    fulfilled = ~cancelled & (delay < age)
    batch.fulfilled[fulfilled] = batch.created[fulfilled] + delay[fulfilled]
    batch.fulfillment[fulfilled] = Order.Fulfillment.FULFILLED.value
    in_progress = ~cancelled & ~fulfilled
    partial = in_progress & (batch.line_count > 1) & (age > 12 * HOUR) & (rng.random(n) < 0.3)
    batch.fulfillment[partial] = Order.Fulfillment.PARTIAL.value
    roll = rng.random(n)
    recent = in_progress & (age < 2 * 24 * HOUR)
    batch.financial[recent & (roll < 0.2)] = Order.Financial.AUTHORIZED.value
    batch.financial[recent & (roll >= 0.2) & (roll < 0.25)] = Order.Financial.PENDING.value
    cancel_after = (rng.uniform(0.5, 48, n) * HOUR).astype(np.int64)
    batch.cancelled[cancelled] = np.minimum(batch.created[cancelled] + cancel_after[cancelled], end_us)
    batch.financial[cancelled] = Order.Financial.VOIDED.value
    batch.updated = np.maximum.reduce([batch.created, batch.fulfilled, batch.cancelled])


def _draw_refunds(rng, batch: OrderBatch, end_us: int) -> None:
    n = len(batch)
    eligible = (batch.fulfilled >= 0) & (batch.fulfilled < end_us - 2 * MICROS_PER_DAY)
    share = min(1.0, 0.04 * n / max(int(eligible.sum()), 1))
    refunded = np.flatnonzero(eligible & (rng.random(n) < share))
    full = rng.random(len(refunded)) < 0.35
    part = np.round(batch.total[refunded] * rng.uniform(0.1, 0.6, len(refunded))).astype(np.int64)
    amount = np.where(full, batch.total[refunded], np.clip(part, 1, np.maximum(batch.total[refunded] - 1, 1)))
    after = (rng.uniform(2, 25, len(refunded)) * MICROS_PER_DAY).astype(np.int64)
    at = np.minimum(batch.fulfilled[refunded] + after, end_us - 1)
    notes = rng.integers(0, len(REFUND_NOTES), len(refunded))
    batch.refund_order, batch.refund_amount, batch.refund_at = refunded, amount, at
    batch.refund_note = REFUND_NOTES[notes]
    batch.refunded[refunded] = amount
    batch.financial[refunded] = np.where(
        full, Order.Financial.REFUNDED.value, Order.Financial.PARTIALLY_REFUNDED.value
    )
    restocked = refunded[full & (rng.random(len(refunded)) < 0.5)]
    batch.fulfillment[restocked] = Order.Fulfillment.RESTOCKED.value
    batch.updated[refunded] = np.maximum(batch.updated[refunded], at)
