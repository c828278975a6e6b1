"""Shoppers' journeys: sessions of events, and the checkouts they open.

Every online order is the end of a session: page_view, then a product_view
and add_to_cart per line, checkout_started and order_placed at the order's
time. A point-of-sale order has only its order_placed event. Around them are
sessions that do not convert, from customers and from anonymous visitors, so
that about `conversion_rate` of online sessions end in an order. Half of
those bounce; a few reach the checkout and leave an abandoned checkout with a
recovery link behind.
"""

import json
from dataclasses import dataclass, field

import numpy as np

from ..commerce.models import Checkout
from .catalogue import Catalogue
from .orders import HOUR, OrderBatch

PAGE_VIEW, PRODUCT_VIEW, ADD_TO_CART, CHECKOUT_STARTED, ORDER_PLACED = range(5)
TYPES = np.array(
    ["page_view", "product_view", "add_to_cart", "checkout_started", "order_placed"], dtype=object
)  # noqa: E501
PAGES = [
    "/",
    "/collections/all",
    "/collections/new-arrivals",
    "/pages/about",
    "/blogs/news",
    "/search?q=gift",
]  # noqa: E501
REFERRERS = ["", "", "", "https://www.google.com/", "https://www.instagram.com/", "https://duckduckgo.com/"]  # noqa: E501
SECOND = 1_000_000


@dataclass
class Sessions:
    customer: list = field(default_factory=list)  # customer index in the batch, or -1
    anonymous_id: list = field(default_factory=list)
    start: list = field(default_factory=list)


@dataclass
class EventColumns:
    session: list = field(default_factory=list)
    type: list = field(default_factory=list)
    at: list = field(default_factory=list)  # int64 microseconds
    properties: list = field(default_factory=list)


@dataclass
class CheckoutColumns:
    customer: list = field(default_factory=list)  # customer index in the batch, or -1
    token: list = field(default_factory=list)
    total: list = field(default_factory=list)  # cents
    line_items: list = field(default_factory=list)  # JSON
    recovery_url: list = field(default_factory=list)
    state: list = field(default_factory=list)
    created: list = field(default_factory=list)
    completed: list = field(default_factory=list)  # int64 microseconds, or -1


@dataclass
class Journeys:
    sessions: Sessions
    events: EventColumns
    checkouts: CheckoutColumns


def uuid_like(rng: np.random.Generator, n: int) -> list[str]:
    raw = rng.integers(0, 2**63, size=(n, 2)).tolist()
    return [f"{a:016x}{b:016x}" for a, b in raw]


@dataclass
class _Place:
    """What every session of a store needs: the catalogue and the prepared properties."""

    catalogue: Catalogue
    recovery_base: str
    end_us: int
    page_views: np.ndarray
    product_views: np.ndarray
    cart_adds: np.ndarray

    @classmethod
    def build(cls, catalogue: Catalogue, recovery_base: str, end_us: int) -> "_Place":
        products = [f"/products/{handle}" for handle in catalogue.product_handles]
        pages = [_json(path=path, referrer=ref) for path in PAGES + products for ref in REFERRERS]
        return cls(
            catalogue, recovery_base, end_us, _objects(pages),
            _objects(catalogue.product_view_json), _objects(catalogue.add_to_cart_json),
        )  # fmt: skip


def build_journeys(
    rng: np.random.Generator, *, orders: OrderBatch, customers: int, signup_us: np.ndarray,
    catalogue: Catalogue, currency: str, recovery_base: str, start_us: int, end_us: int,
    conversion_rate: float,
) -> Journeys:  # fmt: skip
    """Build the sessions, events and checkouts of a batch of customers and their orders."""
    journeys = Journeys(Sessions(), EventColumns(), CheckoutColumns())
    place = _Place.build(catalogue, recovery_base, end_us)
    visitor_ids = uuid_like(rng, customers)
    _order_sessions(rng, journeys, orders, visitor_ids, catalogue, currency)
    online = int((orders.channel != "pos").sum())
    browsing = int(rng.poisson(online * (1 - conversion_rate) / conversion_rate))
    # Customers browse while signed in, more often the more they buy.
    per_customer = rng.poisson(1.0 + 2.0 * np.bincount(orders.customer, minlength=customers))
    owner = np.repeat(np.arange(customers), per_customer)
    window = np.maximum(end_us - 2 * HOUR - signup_us[owner], 0)
    begin = signup_us[owner] + (window * rng.random(len(owner))).astype(np.int64)
    owner_ids = [visitor_ids[c] for c in owner.tolist()]
    _browsing_sessions(rng, journeys, place, owner, owner_ids, begin)
    # Everyone else is an anonymous visitor.
    visitor, visitor_begin = _anonymous_visitors(rng, max(0, browsing - len(owner)), start_us, end_us)
    anonymous_ids = uuid_like(rng, int(visitor.max()) + 1 if len(visitor) else 0)
    anonymous = [anonymous_ids[v] for v in visitor.tolist()]
    _browsing_sessions(rng, journeys, place, np.full(len(visitor), -1), anonymous, visitor_begin)
    return journeys


def _order_sessions(
    rng, journeys: Journeys, orders: OrderBatch, visitor_ids, catalogue: Catalogue, currency: str
) -> None:  # noqa: E501
    s, e, c = journeys.sessions, journeys.events, journeys.checkouts
    gaps = (rng.exponential(45.0, size=(len(orders), 12)) * SECOND).astype(np.int64) + SECOND
    for o in range(len(orders)):
        customer, created, total = int(orders.customer[o]), int(orders.created[o]), _money(orders.total[o])
        session = len(s.customer)
        s.customer.append(customer)
        s.anonymous_id.append(visitor_ids[customer])
        placed = _json(
            order_id=orders.external_id(o), order_number=orders.number(o), total=total, currency=currency
        )  # noqa: E501
        if orders.channel[o] == "pos":
            s.start.append(created)
            _add(e, session, ORDER_PLACED, created, placed)
            continue
        first, count = int(orders.line_start[o]), int(orders.line_count[o])
        steps = [(PAGE_VIEW, _json(path=orders.landing_page[o], referrer=orders.referrer[o]))]
        lines = []
        for line in range(first, first + count):
            v, qty = int(orders.line_variant[line]), int(orders.line_quantity[line])
            steps.append((PRODUCT_VIEW, catalogue.product_view_json[v]))
            steps.append(
                (
                    ADD_TO_CART,
                    catalogue.add_to_cart_json[v]
                    if qty == 1
                    else _with_quantity(catalogue.add_to_cart_json[v], qty),
                )
            )  # noqa: E501
            lines.append(_checkout_line(catalogue, v, qty))
        token = orders.checkout_token[o]
        steps.append((CHECKOUT_STARTED, _json(checkout_token=token, total=total)))
        steps.append((ORDER_PLACED, placed))
        times = created - np.concatenate([np.cumsum(gaps[o, : len(steps) - 1][::-1])[::-1], [0]])
        s.start.append(int(times[0]))
        for (kind, properties), at in zip(steps, times.tolist(), strict=True):
            _add(e, session, kind, at, properties)
        _add_checkout(c, customer, token, int(orders.total[o]), "[" + ", ".join(lines) + "]", "",
                      Checkout.State.COMPLETED.value, int(times[-2]), created)  # fmt: skip


def _browsing_sessions(
    rng,
    journeys: Journeys,
    place: "_Place",
    customer: np.ndarray,
    anonymous_ids: list[str],
    begin: np.ndarray,
) -> None:  # noqa: E501
    """Sessions that do not end in an order: bounces, browsing, carts, abandoned checkouts."""
    n = len(customer)
    if n == 0:
        return
    s, e = journeys.sessions, journeys.events
    first_session = len(s.customer)
    s.customer.extend(customer.tolist())
    s.anonymous_id.extend(anonymous_ids)
    s.start.extend(begin.tolist())
    depth = rng.choice(4, size=n, p=[0.5, 0.33, 0.11, 0.06])
    views = np.where(depth == 0, 0, 1 + rng.poisson(0.8, n))
    size = 1 + views + (depth >= 2) + (depth >= 3)
    session = np.repeat(np.arange(n), size)
    offset = np.cumsum(size) - size
    position = np.arange(len(session)) - offset[session]
    k = views[session]
    kind = np.where(
        position == 0,
        PAGE_VIEW,
        np.where(position <= k, PRODUCT_VIEW, np.where(position == k + 1, ADD_TO_CART, CHECKOUT_STARTED)),
    )  # noqa: E501
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
    properties[carted] = place.cart_adds[variant[carted]]
    for index in np.flatnonzero(kind == CHECKOUT_STARTED).tolist():
        properties[index] = _abandon(
            rng, journeys, place, int(customer[session[index]]), int(variant[index - 1]), int(at[index])
        )  # noqa: E501
    e.session.extend((session + first_session).tolist())
    e.type.extend(kind.tolist())
    e.at.extend(at.tolist())
    e.properties.extend(properties.tolist())


def _abandon(rng, journeys: Journeys, place: "_Place", customer: int, v: int, at: int) -> str:
    """Record the checkout a session left behind; return its checkout_started properties."""
    token = uuid_like(rng, 1)[0]
    price = int(place.catalogue.variant_prices[v])
    state = Checkout.State.ABANDONED if at < place.end_us - HOUR else Checkout.State.OPEN
    _add_checkout(journeys.checkouts, customer, token, price, "[" + _checkout_line(place.catalogue, v, 1) + "]",  # noqa: E501
                  f"{place.recovery_base}/checkouts/{token}/recover", state.value, at, -1)  # fmt: skip
    return _json(checkout_token=token, total=_money(price))


def _anonymous_visitors(rng, sessions: int, start_us: int, end_us: int) -> tuple[np.ndarray, np.ndarray]:
    """Visitors who never sign up: 1.7 sessions each, within a month of their first visit."""
    if sessions == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    per_visitor = rng.geometric(0.6, size=int(sessions / 1.6) + 10)
    visitor = np.repeat(np.arange(len(per_visitor)), per_visitor)[:sessions]
    first = start_us + ((end_us - start_us) * rng.random(len(per_visitor))).astype(np.int64)
    later = (rng.random(len(visitor)) ** 2 * 30 * 24 * HOUR).astype(np.int64)
    return visitor, np.minimum(first[visitor] + later, end_us - 2 * HOUR)


def _add(e: EventColumns, session: int, kind: int, at: int, properties: str) -> None:
    e.session.append(session)
    e.type.append(kind)
    e.at.append(at)
    e.properties.append(properties)


def _add_checkout(c: CheckoutColumns, customer, token, total, lines, recovery, state, created, completed):  # noqa: E501
    c.customer.append(customer)
    c.token.append(token)
    c.total.append(total)
    c.line_items.append(lines)
    c.recovery_url.append(recovery)
    c.state.append(state)
    c.created.append(created)
    c.completed.append(completed)


def _checkout_line(catalogue: Catalogue, v: int, quantity: int) -> str:
    product = int(catalogue.variant_product[v])
    return _json(
        title=catalogue.variant_titles[v],
        quantity=quantity,
        price=_money(catalogue.variant_prices[v]),
        product_id=catalogue.product_external_ids[product],
    )


def _with_quantity(properties: str, quantity: int) -> str:
    return properties.replace('"quantity": 1', f'"quantity": {quantity}')


def _objects(items: list[str]) -> np.ndarray:
    array = np.empty(len(items), dtype=object)
    array[:] = items
    return array


def _json(**values) -> str:
    return json.dumps(values, ensure_ascii=False)


def _money(cents) -> str:
    cents = int(cents)
    return f"{cents // 100}.{cents % 100:02d}"
