"""BG/NBD: how many orders a customer places and whether they are still a customer.

Fader, Hardie and Lee, "Counting Your Customers the Easy Way" (Marketing
Science 24(2), 2005): orders come at a Poisson rate λ ~ Gamma(r, α) while the
customer is active; after each order the customer leaves with probability
p ~ Beta(a, b). Equation numbers below are the paper's.

    >>> import numpy as np
    >>> params = Params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> round(float(probability_alive(params, np.array([2]), np.array([30.43]), np.array([38.86]))[0]), 3)
    0.727
"""

from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

from .summaries import distinct_rows


class FitError(ValueError):
    """The data cannot be fitted (no customers, or the optimiser did not converge)."""


@dataclass(frozen=True, slots=True)
class Params:
    r: float
    alpha: float
    a: float
    b: float


def log_likelihood(params: Params, x, t_x, T) -> np.ndarray:
    """Each customer's log-likelihood (eq. 6), written in logs so that large x and T do not overflow."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a2 = special.betaln(a, b + x) - special.betaln(a, b)
    a3 = -(r + x) * np.log(alpha + T)
    repeat = x > 0
    # ln(a / (b + x - 1)) only where x > 0; elsewhere the term is absent (-inf in the sum of exps)
    a4 = np.full_like(x, -np.inf)
    a4[repeat] = (
        special.betaln(a + 1, b + x[repeat] - 1)
        - special.betaln(a, b + x[repeat])
        - (r + x[repeat]) * np.log(alpha + t_x[repeat])
    )
    return a1 + a2 + np.logaddexp(a3, a4)


def fit(x, t_x, T, *, penalty: float = 0.0, start: Params | None = None) -> Params:
    """The maximum-likelihood parameters for these customers (a weak penalty on the parameters'
    size, as `lifetimes`' `penalizer_coef`, when `penalty` > 0)."""
    rows, weights = distinct_rows(x, t_x, T)
    if len(weights) == 0:
        raise FitError("No customers to fit.")
    x, t_x, T = rows.T

    def objective(log_params: np.ndarray) -> float:
        values = np.exp(log_params)
        ll = log_likelihood(Params(*values), x, t_x, T)
        return -(weights @ ll) / weights.sum() + penalty * float(values @ values)

    guess = np.log([start.r, start.alpha, start.a, start.b]) if start else np.zeros(4)
    result = optimize.minimize(objective, guess, method="BFGS", options={"gtol": 1e-10, "maxiter": 2000})
    if not np.all(np.isfinite(result.x)):
        raise FitError(f"The BG/NBD fit did not converge: {result.message}")
    return Params(*(float(v) for v in np.exp(result.x)))


def probability_alive(params: Params, x, t_x, T) -> np.ndarray:
    """P(still active | x, t_x, T) (eq. 11); 1 for a customer with no repeat order."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    log_ratio = np.where(
        x > 0,
        np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) + (r + x) * np.log((alpha + T) / (alpha + t_x)),
        -np.inf,
    )
    return special.expit(-log_ratio)


def expected_orders(params: Params, t, x, t_x, T) -> np.ndarray:
    """E[orders in the next t | x, t_x, T] (eq. 10). The paper's ((α+T)/(α+T+t))^(r+x)·2F1(r+x, b+x;
    a+b+x-1; z) overflows for long, busy histories; by Euler's transformation it equals
    (1-z)^(a-1)·2F1(a+b-1-r, a-1; a+b+x-1; z), z = t/(α+T+t), whose parameters do not grow with x."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    t = np.asarray(t, dtype=float)
    z = t / (alpha + T + t)
    tail = (1 - z) ** (a - 1) * special.hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z)
    return (a + b + x - 1) / (a - 1) * (1 - tail) * probability_alive(params, x, t_x, T)


def expected_orders_new(params: Params, t) -> np.ndarray:
    """E[orders in a period of length t] for a customer just acquired (eq. 7)."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    t = np.asarray(t, dtype=float)
    hyp = special.hyp2f1(r, b, a + b - 1, t / (alpha + t))
    return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp)
