"""Shoppers' journeys: sessions of events, and the checkouts they open.

Every online order is the end of a session: page_view, then a product_view
and add_to_cart per line, checkout_started and order_placed at the order's
time. A point-of-sale order has only its order_placed event. Signed-in
customers also browse without buying, more often the more they buy. Half of
the sessions that do not convert bounce; a few reach the checkout and leave an
abandoned checkout with a recovery link behind.

Visitors who never sign up are kept for the last `ANONYMOUS_DAYS` only, as a
storefront that forgets anonymous visitors after two months would (the
customers' own events are kept for the whole history). Within that window
there are enough of them that about `conversion_rate` of online sessions end
in an order. Keeping 18 months of anonymous traffic would mean about 70
events per customer instead of about 20, for no page that looks further back
than 60 days.
"""

from dataclasses import dataclass

import numpy as np

from ..commerce.models import Checkout
from .catalogue import Catalogue
from .columns import concat, hex_ids, json_strings, money, objects
from .orders import HOUR, OrderBatch

PAGE_VIEW, PRODUCT_VIEW, ADD_TO_CART, CHECKOUT_STARTED, ORDER_PLACED = range(5)
TYPES = objects(["page_view", "product_view", "add_to_cart", "checkout_started", "order_placed"])
PAGES = [
    "/", "/collections/all", "/collections/new-arrivals", "/pages/about", "/blogs/news", "/search?q=gift",
]  # fmt: skip
REFERRERS = ["", "", "", "https://www.google.com/", "https://www.instagram.com/", "https://duckduckgo.com/"]
# What else a landing page's address carried, beside each referrer above: a newsletter's UTM source and
# medium and a customer's referral link (`ref`) for two of the visits with no referrer (analytics' touches,
# media and referrals).
VISIT_TAGS = [', "utm_source": "newsletter", "utm_medium": "email"', ', "ref": "friend-42"', "", "", "", ""]
SECOND = 1_000_000
DAY = 24 * HOUR
ANONYMOUS_DAYS = 60


@dataclass
class Sessions:
    customer: np.ndarray  # customer index in the batch, or -1
    anonymous_id: np.ndarray
    session_id: np.ndarray


@dataclass
class EventColumns:
    """Events in the order they happened (int64 microseconds in `at`)."""

    session: np.ndarray
    type: np.ndarray  # index into TYPES
    at: np.ndarray
    properties: np.ndarray


@dataclass
class CheckoutColumns:
    customer: np.ndarray  # customer index in the batch, or -1
    token: np.ndarray
    total: np.ndarray  # cents
    line_items: np.ndarray  # JSON
    recovery_url: np.ndarray
    state: np.ndarray
    created: np.ndarray
    completed: np.ndarray  # int64 microseconds, or -1


@dataclass
class Journeys:
    sessions: Sessions
    events: EventColumns
    checkouts: CheckoutColumns
    window_orders: int  # online orders in the anonymous window
    window_sessions: int  # online sessions that began in it


@dataclass
class _Place:
    """What every session of a store needs: the catalogue and the prepared properties."""

    catalogue: Catalogue
    recovery_base: str
    end_us: int
    page_views: np.ndarray
    product_views: np.ndarray  # by variant
    cart_adds: np.ndarray  # by quantity - 1, variant
    checkout_lines: np.ndarray  # by quantity - 1, variant

    @classmethod
    def build(cls, catalogue: Catalogue, recovery_base: str, end_us: int) -> "_Place":
        paths = objects(PAGES + [f"/products/{handle}" for handle in catalogue.product_handles])
        path, referrer = np.repeat(paths, len(REFERRERS)), np.tile(objects(REFERRERS), len(paths))
        tags = np.tile(objects(VISIT_TAGS), len(paths))
        page_views = concat(
            '{"path": ', json_strings(path), ', "referrer": ', json_strings(referrer), tags, "}"
        )
        carts = objects(catalogue.add_to_cart_json)
        cart_adds = objects([carts] + [[p.replace('"quantity": 1', f'"quantity": {q}') for p in carts]
                                       for q in (2, 3)])  # fmt: skip
        product = objects(catalogue.product_external_ids)[catalogue.variant_product]
        price = money(catalogue.variant_prices)
        lines = objects([concat('{"title": ', json_strings(objects(catalogue.variant_titles)),
                                f', "quantity": {q}, "price": "', price, '", "product_id": "', product, '"}')
                         for q in (1, 2, 3)])  # fmt: skip
        return cls(catalogue, recovery_base, end_us, page_views, objects(catalogue.product_view_json),
                   cart_adds, lines)  # fmt: skip


@dataclass
class _Part:
    """Events and checkouts of some sessions, numbered from 0 within the part."""

    events: EventColumns
    checkouts: CheckoutColumns


def build_journeys(
    rng: np.random.Generator, *, orders: OrderBatch, customers: int, signup_us: np.ndarray,
    catalogue: Catalogue, currency: str, recovery_base: str, end_us: int, conversion_rate: float,
) -> Journeys:  # fmt: skip
    """Build the sessions, events and checkouts of a batch of customers and their orders."""
    place = _Place.build(catalogue, recovery_base, end_us)
    window = end_us - ANONYMOUS_DAYS * DAY
    visitor_ids = hex_ids(rng, customers)
    ordered = _order_sessions(rng, place, orders, currency)
    # Customers browse while signed in, more often the more they buy.
    per_customer = rng.poisson(1.0 + 2.0 * np.bincount(orders.customer, minlength=customers))
    owner = np.repeat(np.arange(customers), per_customer)
    span = np.maximum(end_us - 2 * HOUR - signup_us[owner], 0)
    begin = signup_us[owner] + (span * rng.random(len(owner))).astype(np.int64)
    # Everyone else is an anonymous visitor, and only the last ANONYMOUS_DAYS are kept.
    online_in_window = int(((orders.channel != "pos") & (orders.created >= window)).sum())
    browsing_in_window = int((begin >= window).sum())
    wanted = rng.poisson(online_in_window * (1 - conversion_rate) / conversion_rate)
    visitor, visitor_begin = _anonymous_visitors(rng, max(0, wanted - browsing_in_window), window, end_us)
    anonymous_ids = hex_ids(rng, int(visitor.max()) + 1 if len(visitor) else 0)
    browsing = _browsing_sessions(rng, place, np.concatenate([owner, np.full(len(visitor), -1)]),
                                  np.concatenate([begin, visitor_begin]))  # fmt: skip
    session_customer = np.concatenate([orders.customer, owner, np.full(len(visitor), -1)])
    anonymous = [visitor_ids[orders.customer], visitor_ids[owner], anonymous_ids[visitor]]
    sessions = Sessions(session_customer, np.concatenate(anonymous), hex_ids(rng, len(session_customer)))
    return Journeys(
        sessions, _in_time_order(_join(ordered, browsing, first_session=len(orders))),
        _join_checkouts(ordered.checkouts, browsing.checkouts),
        window_orders=online_in_window,
        window_sessions=online_in_window + browsing_in_window + len(visitor),
    )  # fmt: skip


def _order_sessions(rng, place: _Place, orders: OrderBatch, currency: str) -> _Part:
    """One session per order, numbered as the orders: the journey that ends in it."""
    n, online = len(orders), orders.channel != "pos"
    size = np.where(online, 3 + 2 * orders.line_count, 1)
    owner = np.repeat(np.arange(n), size)
    offset = np.cumsum(size) - size
    position = np.arange(len(owner)) - offset[owner]
    lines = orders.line_count[owner]
    kind = np.select(
        [~online[owner], position == 0, position <= 2 * lines, position == 2 * lines + 1],
        [ORDER_PLACED, PAGE_VIEW, np.where(position % 2 == 1, PRODUCT_VIEW, ADD_TO_CART), CHECKOUT_STARTED],
        ORDER_PLACED,
    )
    # The steps are a few seconds to minutes apart; the last one is the order itself.
    gaps = (rng.exponential(45.0, len(owner)) * SECOND).astype(np.int64) + SECOND
    gaps[offset] = 0
    elapsed = np.cumsum(gaps)
    elapsed -= elapsed[offset][owner]
    at = orders.created[owner] - (elapsed[offset + size - 1][owner] - elapsed)
    line = orders.line_start[owner] + (position - 1) // 2
    variant, quantity = orders.line_variant, orders.line_quantity
    total = money(orders.total)
    properties = np.empty(len(owner), dtype=object)
    _put(
        properties,
        kind == PAGE_VIEW,
        owner,
        concat(
            '{"path": ',
            json_strings(orders.landing_page),
            ', "referrer": ',
            json_strings(orders.referrer),
            "}",
        ),
    )
    viewed, carted = kind == PRODUCT_VIEW, kind == ADD_TO_CART
    properties[viewed] = place.product_views[variant[line[viewed]]]
    properties[carted] = place.cart_adds[quantity[line[carted]] - 1, variant[line[carted]]]
    _put(
        properties,
        kind == CHECKOUT_STARTED,
        owner,
        concat('{"checkout_token": "', orders.checkout_token, '", "total": "', total, '"}'),
    )
    _put(properties, kind == ORDER_PLACED, owner, concat(
        '{"order_id": "', orders.external_id, '", "order_number": "', orders.number, '", "total": "', total,
        f'", "currency": "{currency}"}}'))  # fmt: skip
    started = np.flatnonzero(kind == CHECKOUT_STARTED)
    paid = owner[started]
    checkouts = CheckoutColumns(
        customer=orders.customer[paid], token=orders.checkout_token[paid], total=orders.total[paid],
        line_items=_checkout_lines(place, orders)[paid], recovery_url=np.full(len(paid), "", dtype=object),
        state=np.full(len(paid), Checkout.State.COMPLETED.value, dtype=object),
        created=at[started], completed=orders.created[paid],
    )  # fmt: skip
    return _Part(EventColumns(owner, kind, at, properties), checkouts)


def _put(target: np.ndarray, where: np.ndarray, owner: np.ndarray, per_owner: np.ndarray) -> None:
    target[where] = per_owner[owner[where]]


def _checkout_lines(place: _Place, orders: OrderBatch) -> np.ndarray:
    """The line_items JSON of each order's checkout: its lines as a list."""
    text = place.checkout_lines[orders.line_quantity - 1, orders.line_variant]
    start, count = orders.line_start, orders.line_count
    lines = concat("[", text[start]) if len(start) else objects([])
    for k in range(1, int(count.max()) if len(count) else 0):
        more = count > k
        lines[more] = concat(lines[more], ", ", text[start[more] + k])
    return concat(lines, "]") if len(start) else lines


def _browsing_sessions(rng, place: _Place, customer: np.ndarray, begin: np.ndarray) -> _Part:
    """Sessions that do not end in an order: bounces, browsing, carts, abandoned checkouts."""
    n = len(customer)
    depth = rng.choice(4, size=n, p=[0.5, 0.33, 0.11, 0.06])
    views = np.where(depth == 0, 0, 1 + rng.poisson(0.8, n))
    size = 1 + views + (depth >= 2) + (depth >= 3)
    session = np.repeat(np.arange(n), size)
    offset = np.cumsum(size) - size
    position = np.arange(len(session)) - offset[session]
    k = views[session]
    kind = np.select(
        [position == 0, position <= k, position == k + 1],
        [PAGE_VIEW, PRODUCT_VIEW, ADD_TO_CART],
        CHECKOUT_STARTED,
    )
    gaps = (rng.exponential(40.0, len(session)) * SECOND).astype(np.int64) + SECOND
    gaps[offset] = 0
    elapsed = np.cumsum(gaps)
    at = begin[session] + elapsed - elapsed[offset][session]
    # Each product_view shows a random variant; the cart gets the last one viewed.
    variant = rng.integers(0, len(place.catalogue.variant_prices), len(session))
    carted = np.flatnonzero(kind == ADD_TO_CART)
    variant[carted] = variant[carted - 1]
    properties = np.empty(len(session), dtype=object)
    pages = kind == PAGE_VIEW
    properties[pages] = place.page_views[rng.integers(0, len(place.page_views), int(pages.sum()))]
    properties[kind == PRODUCT_VIEW] = place.product_views[variant[kind == PRODUCT_VIEW]]
    properties[carted] = place.cart_adds[0, variant[carted]]
    started = np.flatnonzero(kind == CHECKOUT_STARTED)
    checkouts = _abandoned(rng, place, customer[session[started]], variant[started - 1], at[started])
    properties[started] = concat('{"checkout_token": "', checkouts.token, '", "total": "',
                                 money(checkouts.total), '"}')  # fmt: skip
    return _Part(EventColumns(session, kind, at, properties), checkouts)


def _abandoned(rng, place: _Place, customer, variant, at: np.ndarray) -> CheckoutColumns:
    """The checkouts that sessions left behind, one variant each; the last hour's are still open."""
    token = hex_ids(rng, len(at))
    state = np.where(at < place.end_us - HOUR, Checkout.State.ABANDONED.value, Checkout.State.OPEN.value)
    return CheckoutColumns(
        customer=customer, token=token, total=place.catalogue.variant_prices[variant],
        line_items=concat("[", place.checkout_lines[0, variant], "]"),
        recovery_url=concat(f"{place.recovery_base}/checkouts/", token, "/recover"),
        state=state.astype(object), created=at, completed=np.full(len(at), -1, np.int64),
    )  # fmt: skip


def _anonymous_visitors(rng, sessions: int, window: int, end_us: int) -> tuple[np.ndarray, np.ndarray]:
    """Visitors who never sign up: 1.7 sessions each, within a month of their first visit."""
    per_visitor = rng.geometric(0.6, size=int(sessions / 1.6) + 10)
    visitor = np.repeat(np.arange(len(per_visitor)), per_visitor)[:sessions]
    length = end_us - 2 * HOUR - window
    first = (length * rng.random(len(per_visitor))).astype(np.int64)
    later = (rng.random(len(visitor)) ** 2 * 30 * DAY).astype(np.int64)
    later[np.flatnonzero(np.diff(visitor, prepend=-1))] = 0  # the first visit
    # A visit that would fall after today wraps round to the window's start.
    return visitor, window + (first[visitor] + later) % length


def _join(ordered: _Part, browsing: _Part, *, first_session: int) -> EventColumns:
    a, b = ordered.events, browsing.events
    return EventColumns(
        session=np.concatenate([a.session, b.session + first_session]),
        type=np.concatenate([a.type, b.type]).astype(np.int8), at=np.concatenate([a.at, b.at]),
        properties=np.concatenate([a.properties, b.properties]),
    )  # fmt: skip


def _in_time_order(events: EventColumns) -> EventColumns:
    order = np.argsort(events.at, kind="stable")
    return EventColumns(events.session[order], events.type[order], events.at[order], events.properties[order])


def _join_checkouts(*parts: CheckoutColumns) -> CheckoutColumns:
    names = CheckoutColumns.__dataclass_fields__
    return CheckoutColumns(**{name: np.concatenate([getattr(p, name) for p in parts]) for name in names})
