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
from scipy import optimize, special

from .errors import FitError
from .summaries import distinct_rows
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
    keep = (x >= 1) & (m > 0)
    rows, weights = distinct_rows(x[keep], m[keep])
    if len(weights) == 0:
        raise FitError("No customers with a repeat order to fit order values on.")
    objective = _Objective(*rows.T, share=weights / weights.sum(), penalty=penalty)
    if start is None:  # p = q = 4 and v from the mean order value, E[m] = p v / (q - 1)
        start = Params(p=4.0, q=4.0, v=max(float(weights @ rows[:, 1]) / float(weights.sum()), 1e-6) * 3 / 4)
    guess = np.log([start.p, start.q, start.v])
    if prior_sd is not None:
        objective = with_prior(objective, guess, prior_sd, weights.sum())
    result = optimize.minimize(
        objective, guess, jac=True, method="BFGS", options={"gtol": 1e-9, "maxiter": 2000}
    )
    if not np.all(np.isfinite(result.x)):
        raise FitError(f"The Gamma-Gamma fit did not converge: {result.message}")
    params = Params(*(float(value) for value in np.exp(result.x)))
    return params, (log_covariance(objective, result.x, weights.sum()) if covariance else None)


class _Objective:
    """The mean negative log-likelihood and its gradient in the log-parameters. The log-likelihood
    is linear in sums over the customers that do not depend on the parameters (x log m, log m,
    x log x) or depend on them through x alone (the Gamma and digamma terms: once per distinct x,
    weighted by its customers); per evaluation the rows need one log and one division. Equal to
    `log_likelihood` and `gradient` (tested)."""

    def __init__(self, x, m, *, share, penalty):
        self.share, self.penalty = share, penalty
        self.xm = x * m
        self.share_x = share * x
        self.xs, at = np.unique(x, return_inverse=True)
        self.weight = np.bincount(at, weights=share, minlength=len(self.xs))  # share of each distinct x
        log_m = np.log(m)
        self.fixed = float(self.share_x @ log_m), float(share @ log_m), float(self.share_x @ np.log(x))

    def __call__(self, log_params: np.ndarray) -> tuple[float, np.ndarray]:
        p, q, v = values = np.exp(log_params)
        xs, weight, psi, gammaln = self.xs, self.weight, special.digamma, special.gammaln
        x_log_m, log_m, x_log_x = self.fixed
        total = self.xm + v
        log_total = np.log(total)
        x_log_total, mean_log_total = float(self.share_x @ log_total), float(self.share @ log_total)
        inverse = 1 / total
        gamma_part = float(weight @ (gammaln(p * xs + q) - gammaln(p * xs))) - gammaln(q)
        ll = (
            gamma_part
            + q * np.log(v)
            + p * x_log_m
            - log_m
            + p * x_log_x
            - p * x_log_total
            - q * mean_log_total
        )
        psi_total = psi(p * xs + q)
        d_p = float((weight * xs) @ (psi_total - psi(p * xs))) + x_log_m + x_log_x - x_log_total
        d_q = float(weight @ psi_total) - psi(q) + np.log(v) - mean_log_total
        d_v = q / v - p * float(self.share_x @ inverse) - q * float(self.share @ inverse)
        grad = -np.array([d_p, d_q, d_v])
        value = -float(ll) + self.penalty * float(values @ values)
        return value, (grad + 2 * self.penalty * values) * values


def expected_order_value(params: Params, x, m) -> np.ndarray:
    """E[value of an order | x repeat orders of mean m]: the population mean p·v/(q-1) for x = 0."""
    p, q, v = params.p, params.q, params.v
    x, m = np.asarray(x, dtype=float), np.asarray(m, dtype=float)
    return p * (v + x * m) / (p * x + q - 1)
