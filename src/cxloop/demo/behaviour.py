"""When customers buy and how much: a buy-till-you-die process with known parameters.

Two stages, so that a lifetime-value model fitted on the generated orders can
be checked against the true parameters:

1. The first purchase. Some customers create their account at checkout (the
   first order is placed at signup); some of the others buy later, after an
   exponential delay; the rest never buy.
2. Repeat purchases, from the first purchase on, follow BG/NBD exactly
   (Fader, Hardie & Lee 2005): while alive, a customer buys as a Poisson
   process with rate lambda ~ Gamma(r, alpha) per week; after each repeat
   purchase they drop out with probability p ~ Beta(a, b). The first purchase
   is "time zero" of the model, as in the paper.

Order values follow the Gamma-Gamma model (Fader, Hardie & Lee 2005b): each
customer's purchases are z ~ Gamma(p_gg, nu) with nu ~ Gamma(q_gg, v_gg)
(shape, rate), so the mean order value is p_gg * v_gg / (q_gg - 1). The value
is the order's subtotal target; the line items drawn to meet it land within a
few percent. Amounts are in the store's currency (v_gg scales with it).
"""

from dataclasses import asdict, dataclass

import numpy as np

MICROS_PER_DAY = 86_400_000_000
MICROS_PER_WEEK = 7 * MICROS_PER_DAY


@dataclass(frozen=True)
class DemoParameters:
    # Stage 1: the first purchase.
    buys_at_signup: float = 0.42
    buys_later: float = 0.45
    first_purchase_delay_days: float = 40.0
    # Stage 2: BG/NBD, time unit one week.
    r: float = 0.3
    alpha: float = 12.0
    a: float = 0.8
    b: float = 2.5
    # Gamma-Gamma spend heterogeneity, in the store's currency.
    p_gg: float = 5.0
    q_gg: float = 4.0
    v_gg: float = 36.0
    # The journey: share of sessions that end in an order.
    conversion_rate: float = 0.03

    @property
    def mean_order_value(self) -> float:
        return self.p_gg * self.v_gg / (self.q_gg - 1)

    def in_currency(self, factor: float) -> "DemoParameters":
        """The same parameters with amounts converted by `factor` (EUR -> store currency)."""
        return DemoParameters(**{**asdict(self), "v_gg": self.v_gg * factor})

    def as_dict(self) -> dict:
        return {**asdict(self), "time_unit": "week", "mean_order_value": self.mean_order_value}


@dataclass
class Purchases:
    customer: np.ndarray  # index of the customer in the batch, sorted by customer then time
    at: np.ndarray  # datetime64[us]
    value_cents: np.ndarray  # the Gamma-Gamma draw: the subtotal to aim for
    is_first: np.ndarray  # bool: the customer's first purchase


def draw_purchases(
    rng: np.random.Generator, params: DemoParameters, *, signup: np.ndarray, end: np.datetime64
) -> Purchases:
    """Draw every purchase of a batch of customers who signed up at `signup` (datetime64)."""
    n = len(signup)
    signup_us = signup.astype("datetime64[us]").astype(np.int64)
    end_us = np.datetime64(end, "us").astype(np.int64)
    first_us = _first_purchase(rng, params, signup_us, n)
    buyer = first_us < end_us
    lam = rng.gamma(params.r, 1 / params.alpha, size=n)  # purchases per week
    dropout = rng.beta(params.a, params.b, size=n)
    nu = rng.gamma(params.q_gg, 1 / params.v_gg, size=n)  # rate of each customer's spend
    customers, times = [np.flatnonzero(buyer)], [first_us[buyer]]
    clock = first_us.astype(float)
    alive = buyer.copy()
    while alive.any():
        idx = np.flatnonzero(alive)
        clock[idx] += rng.exponential(1 / lam[idx]) * MICROS_PER_WEEK
        bought = clock[idx] < end_us
        alive[idx[~bought]] = False
        buyers = idx[bought]
        customers.append(buyers)
        times.append(clock[buyers].astype(np.int64))
        alive[buyers[rng.random(len(buyers)) < dropout[buyers]]] = False
    customer = np.concatenate(customers)
    at = np.concatenate(times)
    order = np.lexsort((at, customer))
    customer, at = customer[order], at[order]
    is_first = np.ones(len(customer), dtype=bool)
    is_first[1:] = customer[1:] != customer[:-1]
    value = rng.gamma(params.p_gg, 1 / nu[customer])
    return Purchases(
        customer=customer,
        at=at.astype("datetime64[us]"),
        value_cents=np.maximum(np.round(value * 100), 100).astype(np.int64),
        is_first=is_first,
    )


def _first_purchase(rng, params: DemoParameters, signup_us: np.ndarray, n: int) -> np.ndarray:
    roll = rng.random(n)
    # An account made at checkout: the order follows the signup by a few minutes.
    at_signup = signup_us + (rng.random(n) * 20 * 60 * 1e6).astype(np.int64)
    later = signup_us + (rng.exponential(params.first_purchase_delay_days, n) * MICROS_PER_DAY).astype(
        np.int64
    )
    never = np.iinfo(np.int64).max
    return np.where(
        roll < params.buys_at_signup,
        at_signup,
        np.where(
            roll < params.buys_at_signup + params.buys_later * (1 - params.buys_at_signup), later, never
        ),
    )
