"""The shops `cxloop bench analytics` measures: customers, orders and journey events of two stores.

    shop = generate_shop([Sizes(1, 1_000_000, 5_000_000, 50_000_000), Sizes(2, 10_000, 50_000, 500_000)],
                         end=now_us, seed=20261204)
    seed_warehouse(con, shop)                # DuckDB: the warehouse's own tables (sources.TABLES)
    seed_source(shop, events=False)          # the store mirror (commerce_*), through demo.writer

Every column is drawn with NumPy; nothing goes through Django models. Per store:

- three years of history that grows: activity at the start is half of today's;
  orders and sessions follow a day's rhythm (quiet at night, busy in the evening);
- 60 % of the customers have ordered; each buyer's first order falls in the
  three years, later ones while they stay (a year on average) at a rate drawn per
  buyer (gamma, shape REPEAT_SHAPE: about 40 % order once, a few very
  often); 4 % of the orders are guests' (no customer);
- 3 % of the orders are cancelled (hours later); 6 % of the others are
  refunded, half of them in full, some days later;
- events come in sessions: page views, then with drop-off product views,
  a search, add to cart, checkout started and order placed (about 6 % of
  sessions order); a quarter of the sessions (85 % of the ordering ones) are of
  a known customer, who may also be identified by the store's server (an
  `identify` event with no session). Session and anonymous ids are UUIDs, as
  the storefront snippet sends them.

Ids follow time, as the sync copies them: customers and orders are numbered in
order of creation across both stores, events in order of occurrence.
"""

from dataclasses import dataclass

import numpy as np

DAY_US = 86_400 * 10**6
SPAN_DAYS = 3 * 365
BUYER_SHARE = 0.60
GUEST_SHARE = 0.04
CANCELLED_SHARE = 0.03
REFUND_SHARE = 0.06
REPEAT_SHAPE = 0.35
ACTIVE_DAYS = 365
EVENT_TYPES = (
    "page_view", "product_view", "search", "add_to_cart", "checkout_started", "order_placed", "identify",
)  # fmt: skip
VISIT_SOURCES = ("google", "newsletter", "instagram.com", "facebook.com", "duckduckgo.com")
# The device classes of sessions (commerce.devices), one per session by its number: 58% phones, 8%
# tablets, 32% computers, 2% crawlers
DEVICE_MIX = ("mobile",) * 29 + ("tablet",) * 4 + ("desktop",) * 16 + ("bot",)
DEVICE_STRIDE = 7919  # a prime: neighbouring sessions get devices spread over the mix
VISIT_PATHS = ("/", "/collections/all", "/collections/new", "/products/boots", "/pages/about")
IDENTIFY = EVENT_TYPES.index("identify")  # sent by the store's server: no session
TYPE_START_SECONDS = (0, 80, 40, 240, 380, 560, 570)  # when in a session each kind of step begins
# Share of the day's orders and sessions per hour (UTC): quiet at night, busiest in the evening.
HOURLY = np.array([1, 0.6, 0.4, 0.3, 0.3, 0.5, 1, 2, 3, 3.5, 4, 4.2, 4.5, 4.3, 4.2, 4.3, 4.6, 5, 5.6,
                   6.2, 6.4, 5.6, 4, 2.2])  # fmt: skip
HOURLY = HOURLY / HOURLY.sum()
COUNTRIES = {"PL": 0.45, "DE": 0.15, "LV": 0.10, "GB": 0.10, "US": 0.08, "IR": 0.05, "CN": 0.07}
LANGUAGE_OF = {"PL": "pl", "DE": "de", "LV": "lv", "GB": "en", "US": "en", "IR": "fa", "CN": "zh-hans"}
CONSENTS = {
    "subscribed": 0.40,
    "not_subscribed": 0.42,
    "unsubscribed": 0.12,
    "pending": 0.04,
    "invalid": 0.02,
}
CHANNELS = {"web": 0.82, "pos": 0.08, "shopify_draft_order": 0.04, "iphone": 0.06}
# (utm_source, utm_medium, referrer host)
ORIGINS = {
    ("", "", ""): 0.40, ("", "", "www.google.com"): 0.20, ("google", "cpc", "www.google.com"): 0.12,
    ("newsletter", "email", ""): 0.12, ("facebook", "social", "l.facebook.com"): 0.08,
    ("instagram", "social", "l.instagram.com"): 0.08,
}  # fmt: skip
EVENTS_CHUNK_DAYS = 20


@dataclass(frozen=True)
class Sizes:
    store_id: int
    customers: int
    orders: int
    events: int


@dataclass
class Shop:
    """All stores' rows as NumPy columns (times: µs since the epoch, -1 for none; money: cents)."""

    end: int
    customers: dict
    orders: dict
    sessions: list[dict]  # per store: sessions sorted by start, with their step counts

    @property
    def event_count(self) -> int:
        return int(sum(s["counts"].sum() for s in self.sessions))


def generate_shop(sizes: list[Sizes], *, end: int, seed: int) -> Shop:
    """Customers, orders and sessions of every store, merged and numbered in time order."""
    rng = np.random.default_rng(seed)
    start = (end // DAY_US - SPAN_DAYS) * DAY_US
    people, orders = [], []
    for size in sizes:
        who, bought = _customers_and_orders(rng, size, start, end)
        people.append(who)
        orders.append(bought)
    customers = _merge_customers(people)
    offsets = np.cumsum([0] + [len(p["created"]) for p in people])
    merged_orders = _merge_orders(orders, customers["id_of"], offsets)
    sessions = [_sessions(rng, size, start, end, customers) for size in sizes]
    return Shop(end=end, customers=customers, orders=merged_orders, sessions=sessions)


def _times(rng: np.random.Generator, n: int, start: int, end: int) -> np.ndarray:
    """`n` instants in [start, end): density growing from half to full over the span, a day's rhythm."""
    a = 2 / 3  # density a + 2(1 - a)x over x in [0, 1]: a at the start, 2 - a = twice that at the end
    x = (-a + np.sqrt(a * a + 4 * (1 - a) * rng.random(n))) / (2 * (1 - a))  # the inverse of its CDF
    x = np.clip(x, 0, 1 - 1e-12)
    day = np.floor(x * (end - start) / DAY_US).astype(np.int64)
    seconds = rng.choice(24, n, p=HOURLY) * 3600 + rng.random(n) * 3600
    t = start + day * DAY_US + (seconds * 1e6).astype(np.int64)
    return np.where(t >= end, t - DAY_US, t)


def _customers_and_orders(rng, size: Sizes, start: int, end: int) -> tuple[dict, dict]:
    n = size.customers
    buyers = rng.permutation(n)[: round(BUYER_SHARE * n)]
    first = _times(rng, len(buyers), start, end)
    guests = round(GUEST_SHARE * size.orders)
    extra = size.orders - guests - len(buyers)
    if extra < 0:
        raise ValueError("more buyers than orders: give at least 0.63 orders per customer")
    # Buyers stay a while (ACTIVE_DAYS on average), then stop ordering.
    until = np.minimum(end, first + (rng.exponential(ACTIVE_DAYS, len(buyers)) * DAY_US).astype(np.int64))
    rate = rng.gamma(REPEAT_SHAPE, 1.0, len(buyers)) * (until - first)
    owners = np.repeat(np.arange(len(buyers)), rng.poisson(rate * extra / rate.sum()))
    if len(owners) > extra:
        owners = rng.permutation(owners)[:extra]
    elif len(owners) < extra:
        owners = np.concatenate([owners, rng.choice(len(buyers), extra - len(owners), p=rate / rate.sum())])
    later = first[owners] + (rng.random(len(owners)) * (until - first)[owners]).astype(np.int64)
    created = _times(rng, n, start, end)
    signed_up = first - (rng.exponential(5, len(buyers)) * DAY_US).astype(np.int64)
    created[buyers] = np.maximum(signed_up, start)
    customer = np.concatenate([buyers, buyers[owners], np.full(guests, -1)])
    placed = np.concatenate([first, later, _times(rng, guests, start, end)])
    last_order = np.full(n, -1, dtype=np.int64)
    np.maximum.at(last_order, customer[customer >= 0], placed[customer >= 0])
    people = {"created": created, "last_order": last_order, "store_id": size.store_id}
    return people, _order_facts(rng, size.store_id, customer, placed, end)


def _order_facts(rng, store_id: int, customer: np.ndarray, placed: np.ndarray, end: int) -> dict:
    n = len(placed)
    cents = np.maximum(100, np.round(np.exp(rng.normal(np.log(5500), 0.7, n)))).astype(np.int64)
    cancelled = rng.random(n) < CANCELLED_SHARE
    cancelled_at = np.where(
        cancelled, np.minimum(placed + (rng.exponential(4, n) * 3600e6).astype(np.int64), end - 1), -1
    )
    refunded = ~cancelled & (rng.random(n) < REFUND_SHARE)
    full = rng.random(n) < 0.5
    refund_cents = np.where(full, cents, np.round(cents * rng.uniform(0.1, 0.9, n)).astype(np.int64))
    refund_cents = np.where(refunded, refund_cents, 0)
    refunded_at = np.minimum(placed + (rng.exponential(7, n) * DAY_US).astype(np.int64), end - 1)
    updated = np.maximum.reduce([placed, cancelled_at, np.where(refunded, refunded_at, -1)])
    return {
        "store_id": np.full(n, store_id, dtype=np.int64), "customer": customer, "created": placed,
        "total_cents": cents, "refunded_cents": refund_cents, "cancelled": cancelled_at, "updated": updated,
        "channel": rng.choice(len(CHANNELS), n, p=list(CHANNELS.values())),
        "origin": rng.choice(len(ORIGINS), n, p=list(ORIGINS.values())),
    }  # fmt: skip


def _merge_customers(people: list[dict]) -> dict:
    """Every store's customers numbered 1.. in order of creation; `id_of` maps (store offset + row) to id."""
    rng = np.random.default_rng(len(people))
    created = np.concatenate([p["created"] for p in people])
    order = np.argsort(created, kind="stable")
    id_of = np.empty(len(created), dtype=np.int64)
    id_of[order] = np.arange(1, len(created) + 1)
    n = len(created)
    country = rng.choice(len(COUNTRIES), n, p=list(COUNTRIES.values()))
    last_order = np.concatenate([p["last_order"] for p in people])
    return {
        "id_of": id_of,
        "id": np.arange(1, n + 1),
        "store_id": np.concatenate([np.full(len(p["created"]), p["store_id"]) for p in people])[order],
        "created": created[order],
        "updated": np.maximum(created, last_order)[order],
        "country": country[order],
        "consent": rng.choice(len(CONSENTS), n, p=list(CONSENTS.values()))[order],
    }


def _merge_orders(orders: list[dict], id_of: np.ndarray, offsets: np.ndarray) -> dict:
    merged = {}
    for key in orders[0]:
        if key == "customer":
            parts = [
                np.where(o["customer"] >= 0, id_of[o["customer"] + offsets[i]], 0)
                for i, o in enumerate(orders)
            ]  # noqa: E501
            merged["customer_id"] = np.concatenate(parts)
        else:
            merged[key] = np.concatenate([o[key] for o in orders])
    order = np.argsort(merged["created"], kind="stable")
    merged = {key: values[order] for key, values in merged.items()}
    merged["id"] = np.arange(1, len(order) + 1)
    return merged


def _sessions(rng, size: Sizes, start: int, end: int, customers: dict) -> dict:
    """Sessions of one store whose steps add up to exactly `size.events` events."""
    n = max(1, round(size.events / 4.09))
    counts = _session_steps(rng, n)
    began = np.sort(_times(rng, n, start, end - 900 * 10**6))
    # A known customer: one who had signed up by then (earlier ones more likely), in a quarter of
    # the sessions and in most of those that order; the store's server identifies some of them.
    own = np.flatnonzero(customers["store_id"] == size.store_id)
    signed_up = np.searchsorted(customers["created"][own], began)
    known = (rng.random(n) < np.where(counts[:, 5] > 0, 0.85, 0.25)) & (signed_up > 0)
    pick = np.minimum((rng.random(n) ** 0.7 * signed_up).astype(np.int64), len(own) - 1)
    customer_id = np.where(known, customers["id"][own][pick], 0)
    counts[:, IDENTIFY] = known & (rng.random(n) < 0.12)
    visitor = np.where(known, customer_id * 2, rng.integers(0, max(1, n // 3), n) * 2 + 1)
    # Exactly size.events: drop whole sessions at random, then top up with page views.
    shuffled = rng.permutation(n)
    kept = np.sort(shuffled[np.cumsum(counts[shuffled].sum(axis=1)) <= size.events])
    counts, began, customer_id, visitor = counts[kept], began[kept], customer_id[kept], visitor[kept]
    np.add.at(counts[:, 0], rng.integers(0, len(kept), size.events - int(counts.sum())), 1)
    return {"store_id": size.store_id, "began": began, "counts": counts,
            "customer_id": customer_id, "visitor": visitor}  # fmt: skip


def _session_steps(rng, n: int) -> np.ndarray:
    """Per session, how many events of each of EVENT_TYPES, with the funnel's drop-off."""
    counts = np.zeros((n, len(EVENT_TYPES)), dtype=np.int32)
    counts[:, 0] = 1 + rng.poisson(1.2, n)
    viewed = rng.random(n) < 0.62
    counts[:, 1] = viewed * (1 + rng.poisson(1.0, n))
    counts[:, 2] = rng.random(n) < 0.2
    carted = viewed & (rng.random(n) < 0.33)
    counts[:, 3] = carted * (1 + rng.poisson(0.3, n))
    checkout = carted & (rng.random(n) < 0.45)
    counts[:, 4] = checkout
    counts[:, 5] = checkout & (rng.random(n) < 0.62)
    return counts


def event_chunks(shop: Shop, *, first_id: int = 1):
    """The events of every store in order of occurrence, EVENTS_CHUNK_DAYS at a time, as dicts of columns."""
    rng = np.random.default_rng(shop.end % 1_000_003)
    start = min(int(s["began"][0]) for s in shop.sessions if len(s["began"]))
    next_id = first_id
    for low in range(start, shop.end, EVENTS_CHUNK_DAYS * DAY_US):
        high = low + EVENTS_CHUNK_DAYS * DAY_US
        parts = [_expand(rng, s, slice(*np.searchsorted(s["began"], [low, high]))) for s in shop.sessions]
        chunk = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
        order = np.argsort(chunk["occurred"], kind="stable")
        chunk = {key: values[order] for key, values in chunk.items()}
        chunk["id"] = np.arange(next_id, next_id + len(order))
        next_id += len(order)
        if len(order):
            yield chunk


def _expand(rng, sessions: dict, rows: slice) -> dict:
    counts = sessions["counts"][rows]
    n, kinds = counts.shape
    flat = counts.ravel()
    run = np.repeat(np.arange(n * kinds), flat)
    session, kind = run // kinds, run % kinds
    nth = np.arange(len(run)) - np.repeat(np.cumsum(flat) - flat, flat)
    seconds = np.asarray(TYPE_START_SECONDS)[kind] + nth * 30 + rng.random(len(run)) * 25
    number = np.arange(rows.start, rows.stop)[session]
    return {
        "store_id": np.full(len(run), sessions["store_id"], dtype=np.int64),
        "customer_id": sessions["customer_id"][rows][session],
        "visitor": sessions["visitor"][rows][session],
        "session": np.where(kind == IDENTIFY, -1, number),
        "type": kind.astype(np.int8),
        "occurred": sessions["began"][rows][session] + (seconds * 1e6).astype(np.int64),
    }


# -- the warehouse (DuckDB) ------------------------------------------------------------------------


def _timestamps(micros: np.ndarray):
    import pyarrow as pa

    return pa.array(micros, mask=micros < 0, type=pa.int64()).cast(pa.timestamp("us", tz="UTC"))


def _list(values) -> str:
    """A DuckDB list literal of our own constant strings (indexed from 1)."""
    return "[" + ", ".join("'" + value.replace("'", "''") + "'" for value in values) + "]"


def seed_warehouse(con, shop: Shop, notify=print) -> None:
    """Fill the warehouse's customers, orders and events tables (sources.TABLES) in time order, then
    products and line items (seed_catalogue)."""
    import pyarrow as pa

    c = shop.customers
    incoming = pa.table({
        "id": c["id"], "store_id": c["store_id"], "created": _timestamps(c["created"]),
        "updated": _timestamps(c["updated"]), "country": c["country"], "consent": c["consent"],
    })  # fmt: skip
    countries = list(COUNTRIES)
    con.register("incoming", incoming)
    con.execute(
        "INSERT INTO customers (id, store_id, created_at, country, language, email_consent, updated_at) "
        f"SELECT id, store_id, created, {_list(countries)}[country + 1], "
        f"{_list(LANGUAGE_OF[code] for code in countries)}[country + 1], "
        f"{_list(CONSENTS)}[consent + 1], updated FROM incoming"
    )
    con.unregister("incoming")
    notify(f"warehouse: {len(c['id']):,} customers")
    o = shop.orders
    incoming = pa.table({
        "id": o["id"], "store_id": o["store_id"],
        "customer_id": pa.array(o["customer_id"], mask=o["customer_id"] == 0),
        "total": o["total_cents"], "refunded": o["refunded_cents"], "created": _timestamps(o["created"]),
        "cancelled": _timestamps(o["cancelled"]), "updated": _timestamps(o["updated"]),
        "channel": o["channel"], "origin": o["origin"],
    })  # fmt: skip
    origins = list(ORIGINS)
    con.register("incoming", incoming)
    con.execute(
        "INSERT INTO orders (id, store_id, customer_id, total, refunded_amount, currency, created_at, "
        "cancelled_at, source_channel, utm_source, utm_medium, referrer_host, updated_at) "
        "SELECT id, store_id, customer_id, CAST(total AS DECIMAL(18, 0)) * 0.01, "
        "CAST(refunded AS DECIMAL(18, 0)) * 0.01, 'EUR', created, cancelled, "
        f"{_list(CHANNELS)}[channel + 1], {_list(o[0] for o in origins)}[origin + 1], "
        f"{_list(o[1] for o in origins)}[origin + 1], {_list(o[2] for o in origins)}[origin + 1], updated "
        "FROM incoming"
    )
    con.unregister("incoming")
    notify(f"warehouse: {len(o['id']):,} orders")
    written = 0
    for chunk in event_chunks(shop):
        _insert_events(con, chunk)
        written += len(chunk["id"])
        notify(f"warehouse: {written:,} of {shop.event_count:,} events", end="\r")
    notify("")
    seed_catalogue(con)
    notify("warehouse: products and line items")


PRODUCTS = 500  # per store, in PRODUCT_TYPES types; a few sell most (the square of a uniform draw)
PRODUCT_TYPES = 20


def seed_catalogue(con) -> None:
    """Products per store and one to three lines per order (from the orders copied), their amounts adding
    up to the order's total: what the Products card reads (analytics.products)."""
    con.execute(
        f"INSERT INTO products (id, store_id, title, product_type, vendor) "
        f"SELECT row_number() OVER (ORDER BY s.store_id, r.n), s.store_id, 'Product ' || r.n, "
        f"CASE WHEN r.n % {PRODUCT_TYPES} = 0 THEN '' ELSE 'Type ' || (r.n % {PRODUCT_TYPES}) END, "
        f"'Vendor ' || (r.n % 7) FROM (SELECT DISTINCT store_id FROM orders) s, range({PRODUCTS}) r(n)"
    )
    draw = "(hash(o.id * 3 + k.k) % 1000000) / 1000000.0"  # deterministic, in [0, 1)
    con.execute(
        "INSERT INTO line_items (id, store_id, order_id, product_id, variant_id, quantity, price, "
        "total_discount) "
        "SELECT row_number() OVER (ORDER BY o.id, k.k), o.store_id, o.id, "
        f"(SELECT min(p.id) FROM products p WHERE p.store_id = o.store_id) + CAST(floor({PRODUCTS} * "
        f"{draw} * {draw}) AS BIGINT), NULL, 1, "
        "CAST(o.total / (1 + o.id % 3) AS DECIMAL(18, 2)), 0 "
        "FROM orders o, range(3) k(k) WHERE k.k <= o.id % 3"
    )


# Session and anonymous ids are UUIDs, as the storefront snippet makes them (a hash of the number here).
SESSION_UUID = "CAST(CAST(md5(store_id || ':s' || session) AS UUID) AS VARCHAR)"
VISITOR_UUID = "CAST(CAST(md5(store_id || ':v' || visitor) AS UUID) AS VARCHAR)"


def _insert_events(con, chunk: dict) -> None:
    import pyarrow as pa

    incoming = pa.table({
        "id": chunk["id"], "store_id": chunk["store_id"],
        "customer_id": pa.array(chunk["customer_id"], mask=chunk["customer_id"] == 0),
        "visitor": chunk["visitor"], "session": chunk["session"], "type": chunk["type"],
        "occurred": _timestamps(chunk["occurred"]),
    })  # fmt: skip
    con.register("incoming", incoming)
    con.execute(
        "INSERT INTO events (id, store_id, customer_id, anonymous_id, session_id, type, occurred_at, "
        "source, referred, path, device) "
        f"SELECT id, store_id, customer_id, {VISITOR_UUID}, "
        f"CASE WHEN session < 0 THEN '' ELSE {SESSION_UUID} END, {_list(EVENT_TYPES)}[type + 1], occurred, "
        # page views: one in five from a source, one in fifty through a referral link, a few paths
        f"CASE WHEN type = 0 AND id % 5 = 0 THEN {_list(VISIT_SOURCES)}[id % {len(VISIT_SOURCES)} + 1] END, "
        "type = 0 AND id % 50 = 0, "
        f"CASE WHEN type = 0 THEN {_list(VISIT_PATHS)}[id % {len(VISIT_PATHS)} + 1] END, "
        f"CASE WHEN session < 0 THEN '' "
        f"ELSE {_list(DEVICE_MIX)}[session * {DEVICE_STRIDE} % {len(DEVICE_MIX)} + 1] END "
        "FROM incoming"
    )
    con.unregister("incoming")


# -- the store mirror (the source database) --------------------------------------------------------

SOURCE_CHUNK = 100_000


def seed_source(shop: Shop, *, events: int, notify=print) -> dict:
    """Customers, orders and the last `events` events into commerce_*, through demo.writer, with their ids."""
    from django.db import transaction

    from cxloop.commerce.models import Customer, Event, Order
    from cxloop.demo.writer import RowWriter

    writer = RowWriter()
    counts = {"customers": 0, "orders": 0, "events": 0}
    with writer.bulk_load((Customer, Order, Event), rebuild_indexes=True, notify=notify):
        for name, model, rows, columns in (
            ("customers", Customer, len(shop.customers["id"]), _customer_columns),
            ("orders", Order, len(shop.orders["id"]), _order_columns),
        ):
            for low in range(0, rows, SOURCE_CHUNK):
                with transaction.atomic():
                    counts[name] += writer.insert(
                        model, columns(shop, slice(low, low + SOURCE_CHUNK), writer)
                    )
            notify(f"source: {counts[name]:,} {name}")
        skip = max(0, shop.event_count - events)
        for chunk in event_chunks(shop):
            keep = chunk["id"] > skip
            if keep.any():
                with transaction.atomic():
                    counts["events"] += writer.insert(Event, _event_columns(chunk, keep, writer))
        notify(f"source: {counts['events']:,} events")
    return counts


def _customer_columns(shop: Shop, rows: slice, writer) -> dict:
    from cxloop.demo.columns import concat, datetimes, objects, texts
    from cxloop.demo.writer import Constant

    c = {key: values[rows] for key, values in shop.customers.items() if key != "id_of"}
    email = concat("customer", texts(c["id"]), "@mail.example")
    at = lambda micros: datetimes(micros, writer.datetime_suffix)  # noqa: E731
    countries = objects(list(COUNTRIES))[c["country"]]
    return {
        "id": c["id"], "store_id": c["store_id"], "email": email, "email_key": email, "phone": Constant(""),
        "first_name": Constant("Anna"), "last_name": Constant("Nowak"), "name_key": Constant("anna nowak"),
        "surname_key": Constant("nowak"), "language": objects([LANGUAGE_OF[k] for k in countries]),
        "country": countries, "tags": Constant("[]"), "email_consent": objects(list(CONSENTS))[c["consent"]],
        "created_at": at(c["created"]), "updated_at": at(c["updated"]), "orders_count": Constant(0),
        "amount_spent": Constant("0.00"), "address": Constant("{}"), "company": Constant(""),
        "facts_from_platform": Constant(False), "note": Constant(""),
        "platform_totals_currency": Constant(""),
        "platform_totals_source": Constant(""), "tax_exempt": Constant(False),
    }  # fmt: skip


def _order_columns(shop: Shop, rows: slice, writer) -> dict:
    from cxloop.demo.columns import concat, datetimes, money, objects, texts
    from cxloop.demo.writer import Constant

    o = {key: values[rows] for key, values in shop.orders.items()}
    at = lambda micros: datetimes(micros, writer.datetime_suffix)  # noqa: E731
    origins = list(ORIGINS)
    origin = o["origin"]
    customer = o["customer_id"].astype(object)
    customer[o["customer_id"] == 0] = None
    return {
        "id": o["id"], "store_id": o["store_id"], "customer_id": customer, "platform": Constant("shopify"),
        "external_id": texts(o["id"]), "number": concat("#", texts(o["id"])), "email": Constant(""),
        "currency": Constant("EUR"), "presentment_currency": Constant("EUR"),
        "subtotal": money(o["total_cents"]),
        "total_discounts": Constant("0.00"), "discount_codes": Constant("[]"), "shipping": Constant("0.00"),
        "tax": Constant("0.00"), "taxes_included": Constant(True), "total": money(o["total_cents"]),
        "refunded_amount": money(o["refunded_cents"]),
        "financial_status": np.where(o["refunded_cents"] > 0, "partially_refunded", "paid").astype(object),
        "fulfillment_status": Constant("fulfilled"), "source_channel": objects(list(CHANNELS))[o["channel"]],
        "landing_page": Constant(""),
        "referrer": concat("https://", objects([x[2] for x in origins])[origin], "/"),
        "utm_source": objects([x[0] for x in origins])[origin],
        "utm_medium": objects([x[1] for x in origins])[origin],
        "utm_campaign": Constant(""), "checkout_token": Constant(""), "note": Constant(""),
        "shipping_address": Constant("{}"), "shipping_method": Constant(""), "created_at": at(o["created"]),
        "cancelled_at": at(o["cancelled"]), "updated_at": at(o["updated"]),
    }  # fmt: skip


def _event_columns(chunk: dict, keep: np.ndarray, writer) -> dict:
    from cxloop.demo.columns import concat, datetimes, objects, texts
    from cxloop.demo.writer import Constant

    e = {key: values[keep] for key, values in chunk.items()}
    occurred = datetimes(e["occurred"], writer.datetime_suffix)
    customer = e["customer_id"].astype(object)
    customer[e["customer_id"] == 0] = None
    session = concat(texts(e["store_id"]), "-s", texts(e["session"]))
    session[e["session"] < 0] = ""
    device = objects(list(DEVICE_MIX))[e["session"] * DEVICE_STRIDE % len(DEVICE_MIX)]
    device[e["session"] < 0] = ""
    return {
        "id": e["id"], "store_id": e["store_id"], "event_id": concat("e", texts(e["id"])),
        "type": objects(list(EVENT_TYPES))[e["type"]], "customer_id": customer,
        "anonymous_id": concat(texts(e["store_id"]), "-v", texts(e["visitor"])), "session_id": session,
        "properties": Constant('{"url": "https://shop.example/products/linen-shirt"}'),
        "occurred_at": occurred, "received_at": occurred, "device": device,
    }  # fmt: skip
