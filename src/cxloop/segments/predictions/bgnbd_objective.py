"""The BG/NBD fit's objective: the mean negative log-likelihood, its gradient and its Hessian.

Each customer's log-likelihood (eq. 6 of the paper, in logs) is

    ll = A(x) + r log α − (r + x) log(α + T) + [x > 0] softplus(d),
    d  = log a − log(b + x − 1) + (r + x) (log(α + T) − log(α + t_x)),

where A(x) holds the Gamma and Beta functions of x alone and softplus(d) =
log(1 + e^d) adds the chance the customer left after their last order. Summed
over customers, the first three terms need only tables: A and its derivatives
once per distinct x, weighted by how many customers have it, and log(α + T)
once per distinct T, weighted by the customers and orders at it. Only the last
term is a pass over the customers with a repeat order, and it gives the value,
the gradient and the Hessian at once: with w = softplus'(d) (the share of the
likelihood that says the customer left) and w(1 − w) = softplus''(d),

    Σ softplus(d),  Σ w ∇d,  Σ w(1 − w) ∇d ∇dᵀ + w ∇²d,

∇d = (log((α+T)/(α+t_x)), (r+x)(1/(α+T) − 1/(α+t_x)), 1/a, −1/(b+x−1)).
Every per-customer step writes into buffers kept between evaluations.
"""

import numpy as np
from scipy import special

from .summaries import tally, value_index


class Objective:
    """Called with the log-parameters (log r, log α, log a, log b): the mean negative log-likelihood
    over the customers (plus `penalty` times the parameters' squares), its gradient and Hessian."""

    def __init__(self, x, t_x, T, *, penalty: float = 0.0):
        x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
        self.customers, self.penalty = len(x), penalty
        self.xs, at_x = value_index(x)
        self.Ts, at_T = value_index(T)
        self.x_share = tally(at_x, len(self.xs)) / self.customers
        self.T_share = tally(at_T, len(self.Ts)) / self.customers
        self.T_orders = tally(at_T, len(self.Ts), x) / self.customers
        repeat = np.flatnonzero(x > 0)  # a boolean mask's indexing took 15 times as long as take here
        self.x = x.take(repeat)
        self.at_x, self.at_T = at_x.take(repeat), at_T.take(repeat)
        self.us, self.at_u = value_index(t_x.take(repeat))
        self.buffers = np.empty((8, len(self.x)))

    def __call__(self, log_params: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        params = np.exp(log_params)
        r, alpha, a, b = params
        with np.errstate(divide="ignore", invalid="ignore"):
            log_T, inverse_T = np.log(alpha + self.Ts), 1 / (alpha + self.Ts)
            log_u, inverse_u = np.log(alpha + self.us), 1 / (alpha + self.us)
            inverse_b = 1 / (b + self.xs - 1)  # only customers with x >= 1 read it
            left = np.log(a) + np.log(inverse_b)
        ll, grad, hess = self._per_count(r, a, b)
        ll += self._per_age(r, alpha, log_T, inverse_T, grad, hess)
        if len(self.x):
            ll += self._left(params, log_T, inverse_T, log_u, inverse_u, left, inverse_b, grad, hess)
        penalty = self.penalty * params * params
        value = -ll + float(penalty.sum())
        gradient = -grad * params + 2 * penalty
        hessian = -(hess * np.outer(params, params) + np.diag(grad * params)) + np.diag(4 * penalty)
        return float(value), gradient, hessian

    def _per_count(self, r, a, b):
        """A(x) = ln Γ(r+x) − ln Γ(r) + ln B(a, b+x) − ln B(a, b), weighted by the share of customers
        with each x, with its derivatives (digamma) and second derivatives (trigamma)."""
        xs, share = self.xs, self.x_share
        psi, trigamma = special.digamma, lambda z: special.polygamma(1, z)
        ll = share @ (special.gammaln(r + xs) + special.betaln(a, b + xs))
        ll -= special.gammaln(r) + special.betaln(a, b)
        psi_abx, tri_abx = share @ psi(a + b + xs), share @ trigamma(a + b + xs)
        grad = np.array([
            share @ psi(r + xs) - psi(r),
            0.0,
            psi(a + b) - psi_abx,
            share @ psi(b + xs) - psi_abx - psi(b) + psi(a + b),
        ])  # fmt: skip
        hess = np.zeros((4, 4))
        hess[0, 0] = share @ trigamma(r + xs) - trigamma(r)
        hess[2, 2] = hess[2, 3] = hess[3, 2] = trigamma(a + b) - tri_abx
        hess[3, 3] = share @ trigamma(b + xs) - tri_abx - trigamma(b) + trigamma(a + b)
        return float(ll), grad, hess

    def _per_age(self, r, alpha, log_T, inverse_T, grad, hess) -> float:
        """r ln α − (r + x) ln(α + T), summed through the table of T; adds to `grad` and `hess`."""
        share = self.T_share
        weight = r * share + self.T_orders
        grad[0] += np.log(alpha) - share @ log_T
        grad[1] += r / alpha - weight @ inverse_T
        hess[0, 1] += 1 / alpha - share @ inverse_T
        hess[1, 0] = hess[0, 1]
        hess[1, 1] += -r / alpha**2 + weight @ (inverse_T * inverse_T)
        return float(r * np.log(alpha) - weight @ log_T)

    def _left(self, params, log_T, inverse_T, log_u, inverse_u, left, inverse_b, grad, hess) -> float:
        """The mean of softplus(d) over the customers, its gradient and Hessian (the module's
        docstring); adds to `grad` and `hess`."""
        r, _alpha, a, _b = params
        span, rx, d, w, t1, t2, t3, t4 = self.buffers
        dot = _dot
        np.take(log_T, self.at_T, out=span, mode="clip")
        span -= np.take(log_u, self.at_u, out=t1, mode="clip")  # log((α + T) / (α + t_x))
        np.add(self.x, r, out=rx)
        np.multiply(rx, span, out=d)
        d += np.take(left, self.at_x, out=t1, mode="clip")
        # softplus(d) = max(d, 0) + log(1 + e^-|d|), never overflowing; w = e^(d - softplus(d))
        np.abs(d, out=t1)
        np.negative(t1, out=t1)
        np.exp(t1, out=t1)
        np.log1p(t1, out=t1)
        np.maximum(d, 0, out=t2)
        t1 += t2
        ll = float(t1.sum())
        np.subtract(d, t1, out=w)
        np.exp(w, out=w)
        np.take(inverse_T, self.at_T, out=t1, mode="clip")
        np.take(inverse_u, self.at_u, out=t2, mode="clip")
        np.add(t1, t2, out=t3)
        t1 -= t2  # E = 1/(α+T) − 1/(α+t_x): d(span)/dα
        w_e = dot(w, t1)
        t1 *= rx  # (r + x) E = dd/dα
        np.take(inverse_b, self.at_x, out=t2, mode="clip")  # 1/(b + x − 1) = −dd/db
        w_sum, w_span, w_rxe, w_b = float(w.sum()), dot(w, span), dot(w, t1), dot(w, t2)
        np.multiply(w, t1, out=t4)
        w_rxf = -dot(t4, t3)  # d²d/dα² = (r + x)(1/(α+t_x)² − 1/(α+T)²) = −(r + x) E (1/(α+T) + 1/(α+t_x))
        np.multiply(w, t2, out=t4)
        w_bb = dot(t4, t2)
        np.multiply(w, w, out=t4)
        w -= t4  # now w(1 − w)
        v_sum = float(w.sum())
        np.multiply(w, span, out=t4)
        v_ss, v_sr, v_s, v_sb = dot(t4, span), dot(t4, t1), float(t4.sum()), dot(t4, t2)
        np.multiply(w, t1, out=t4)
        v_rr, v_r, v_rb = dot(t4, t1), float(t4.sum()), dot(t4, t2)
        np.multiply(w, t2, out=t4)
        v_b, v_bb = float(t4.sum()), dot(t4, t2)
        n = self.customers
        grad += np.array([w_span, w_rxe, w_sum / a, -w_b]) / n
        hess += np.array([
            [v_ss, v_sr + w_e, v_s / a, -v_sb],
            [v_sr + w_e, v_rr + w_rxf, v_r / a, -v_rb],
            [v_s / a, v_r / a, (v_sum - w_sum) / a**2, -v_b / a],
            [-v_sb, -v_rb, -v_b / a, v_bb + w_bb],
        ]) / n  # fmt: skip
        return ll / n


def _dot(u: np.ndarray, v: np.ndarray) -> float:
    """u · v by NumPy's own loop: BLAS's dot starts threads, which on a busy machine cost more
    than the sum (measured: 6x slower evaluations with two cores shared)."""
    return float(np.einsum("i,i->", u, v))
