"""Gamma-Gamma: what a customer's orders are worth.

Fader and Hardie, "The Gamma-Gamma Model of Monetary Value" (2013): each
order's value is Gamma(p, ν) with the customer's ν ~ Gamma(q, γ) (γ is `v`
here, as in `lifetimes`). Fitted on customers with at least one repeat order,
from their number of repeat orders x and the mean value m of those orders.

    >>> import numpy as np
    >>> params = Params(p=6.25, q=3.74, v=15.44)
    >>> round(float(expected_order_value(params, np.array([2]), np.array([40.0]))[0]), 2)
    39.14
"""

from dataclasses import dataclass

import numpy as np
from scipy import special

from . import newton
from .errors import FitError
from .summaries import tally, value_index
from .uncertainty import log_covariance, with_prior


@dataclass(frozen=True, slots=True)
class Params:
    p: float
    q: float
    v: float


def log_likelihood(params: Params, x, m) -> np.ndarray:
    """Each customer's log-likelihood of their mean order value m over x orders (x >= 1, m > 0)."""
    p, q, v = params.p, params.q, params.v
    x, m = np.asarray(x, dtype=float), np.asarray(m, dtype=float)
    return (
        special.gammaln(p * x + q)
        - special.gammaln(p * x)
        - special.gammaln(q)
        + q * np.log(v)
        + (p * x - 1) * np.log(m)
        + p * x * np.log(x)
        - (p * x + q) * np.log(x * m + v)
    )


def gradient(params: Params, x, m) -> np.ndarray:
    """Each customer's d(log-likelihood)/d(p, q, v), shape (3, customers)."""
    p, q, v = params.p, params.q, params.v
    x, m = np.asarray(x, dtype=float), np.asarray(m, dtype=float)
    psi_total = special.digamma(p * x + q)
    log_total = np.log(x * m + v)
    d_p = x * (psi_total - special.digamma(p * x) + np.log(m) + np.log(x) - log_total)
    d_q = psi_total - special.digamma(q) + np.log(v) - log_total
    d_v = q / v - (p * x + q) / (x * m + v)
    return np.vstack([d_p, d_q, d_v])


def fit(x, m, *, penalty: float = 0.0, start: Params | None = None, prior_sd: float | None = None) -> Params:
    """The maximum-likelihood parameters from customers with x >= 1 repeat orders of mean value m > 0
    (`penalty` and `prior_sd` as in `bgnbd.fit`)."""
    return fit_with_covariance(x, m, penalty=penalty, start=start, prior_sd=prior_sd, covariance=False)[0]


def fit_with_covariance(
    x,
    m,
    *,
    penalty: float = 0.0,
    start: Params | None = None,
    prior_sd: float | None = None,
    covariance: bool = True,
) -> tuple[Params, np.ndarray | None]:
    """`fit`, and the covariance of the log-parameters (`uncertainty.log_covariance`)."""
    x, m = np.asarray(x, dtype=float), np.asarray(m, dtype=float)
    keep = np.flatnonzero((x >= 1) & (m > 0))
    if len(keep) == 0:
        raise FitError("No customers with a repeat order to fit order values on.")
    x, m = x.take(keep), m.take(keep)
    objective = _Objective(x, m, penalty=penalty)
    if start is None:  # p = q = 4 and v from the mean order value, E[m] = p v / (q - 1)
        start = Params(p=4.0, q=4.0, v=max(float(m.mean()), 1e-6) * 3 / 4)
    guess = np.log([start.p, start.q, start.v])
    if prior_sd is not None:
        objective = with_prior(objective, guess, prior_sd, len(x))
    try:
        log_params, hessian = newton.minimize(objective, guess)
    except FitError as error:
        raise FitError(f"The Gamma-Gamma fit did not converge: {error}") from None
    params = Params(*(float(value) for value in np.exp(log_params)))
    return params, (log_covariance(hessian, len(x)) if covariance else None)


class _Objective:
    """The mean negative log-likelihood, its gradient and Hessian in the log-parameters.

    The log-likelihood is linear in sums over the customers that do not depend on the parameters
    (x log m, log m, x log x), or depend on them through x alone (the Gamma functions: once per
    distinct x, weighted by its customers), or through v alone: the means of x log(x m + v) and
    log(x m + v), whose derivatives are the means of x / (x m + v)^k and 1 / (x m + v)^k. Per
    evaluation the customers need one log, one division and one product, into buffers kept
    between evaluations, and six sums. Equal to `log_likelihood` and `gradient` (tested)."""

    def __init__(self, x, m, *, penalty: float = 0.0):
        self.penalty = penalty
        self.x, self.xm = x, x * m
        xs, at = value_index(x)
        share = tally(at, len(xs)) / len(x)
        self.xs, self.share = xs[share > 0], share[share > 0]  # the table may hold x never seen
        log_m = np.log(m)
        x_log_x = float(self.share @ (self.xs * np.log(self.xs)))
        self.fixed = _dot(x, log_m) / len(x), float(log_m.mean()), x_log_x
        self.buffers = np.empty((3, len(x)))

    def __call__(self, log_params: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        values = np.exp(log_params)
        p, q, v = values
        x, n = self.x, len(self.x)
        total, log_total, inverse = self.buffers
        np.add(self.xm, v, out=total)
        np.log(total, out=log_total)
        np.divide(1.0, total, out=inverse)
        x_log, mean_log = _dot(x, log_total) / n, float(log_total.sum()) / n
        x_inverse, mean_inverse = _dot(x, inverse) / n, float(inverse.sum()) / n
        np.multiply(inverse, inverse, out=total)
        x_inverse2, mean_inverse2 = _dot(x, total) / n, float(total.sum()) / n
        x_log_m, log_m, x_log_x = self.fixed
        xs, share = self.xs, self.share
        psi, trigamma = special.digamma, lambda z: special.polygamma(1, z)
        ll = (
            share @ (special.gammaln(p * xs + q) - special.gammaln(p * xs))
            - special.gammaln(q)
            + q * np.log(v)
            + p * (x_log_m + x_log_x - x_log)
            - log_m
            - q * mean_log
        )
        psi_total, tri_total = psi(p * xs + q), trigamma(p * xs + q)
        grad = np.array([
            (share * xs) @ (psi_total - psi(p * xs)) + x_log_m + x_log_x - x_log,
            share @ psi_total - psi(q) + np.log(v) - mean_log,
            q / v - p * x_inverse - q * mean_inverse,
        ])  # fmt: skip
        pq = (share * xs) @ tri_total
        hess = np.array([
            [(share * xs * xs) @ (tri_total - trigamma(p * xs)), pq, -x_inverse],
            [pq, share @ tri_total - trigamma(q), 1 / v - mean_inverse],
            [-x_inverse, 1 / v - mean_inverse, -q / v**2 + p * x_inverse2 + q * mean_inverse2],
        ])  # fmt: skip
        penalty = self.penalty * values * values
        value = -float(ll) + float(penalty.sum())
        gradient = -grad * values + 2 * penalty
        hessian = -(hess * np.outer(values, values) + np.diag(grad * values)) + np.diag(4 * penalty)
        return value, gradient, hessian


def _dot(u: np.ndarray, v: np.ndarray) -> float:
    """u · v by NumPy's own loop, not BLAS's threads (`bgnbd_objective._dot`)."""
    return float(np.einsum("i,i->", u, v))


def expected_order_value(params: Params, x, m) -> np.ndarray:
    """E[value of an order | x repeat orders of mean m]: the population mean p·v/(q-1) for x = 0."""
    p, q, v = params.p, params.q, params.v
    x, m = np.asarray(x, dtype=float), np.asarray(m, dtype=float)
    return p * (v + x * m) / (p * x + q - 1)
