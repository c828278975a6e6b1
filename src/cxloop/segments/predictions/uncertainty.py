"""How sure a fit is: the Laplace approximation of the parameters' uncertainty, and draws from it.

At the maximum, the negative log-likelihood in the log-parameters is close to
a quadratic whose curvature (the Hessian, times the number of customers) is the
inverse covariance of the estimates. Drawing parameter sets from that normal
and predicting with each gives every prediction an interval that is wide for a
store with a few hundred buyers and narrow for one with a hundred thousand.
"""

import numpy as np

from .errors import FitError


def log_covariance(hessian: np.ndarray, customers: float) -> np.ndarray:
    """The covariance of the log-parameters: the inverse of the total negative log-likelihood's
    Hessian (`hessian` is the mean's, at the maximum). FitError when the curvature is not positive
    (the fit is not a maximum)."""
    total = (hessian + hessian.T) / 2 * customers
    try:
        np.linalg.cholesky(total)
    except np.linalg.LinAlgError:
        raise FitError("The fit's curvature is not positive: no interval can be given.") from None
    return np.linalg.inv(total)


def with_prior(objective, centre: np.ndarray, sd: float, customers: float):
    """`objective` (mean negative log-likelihood, gradient and Hessian in the log-parameters) plus
    a normal prior on the log-parameters around `centre` with standard deviation `sd`, per customer:
    the maximum a posteriori. It weighs like one customer's worth of belief, so it decides nothing
    for a store of thousands, and keeps a store of a few hundred from estimates that run to the edge
    (a Beta of dropout with a and b in the millions, on which the predictions overflow)."""
    precision = 1 / (sd**2 * customers)

    def posterior(log_params: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        value, grad, hess = objective(log_params)
        distance = log_params - centre
        return (
            value + precision * float(distance @ distance) / 2,
            grad + precision * distance,
            hess + precision * np.eye(len(distance)),
        )

    return posterior


def draw(log_params: np.ndarray, covariance: np.ndarray, draws: int, rng: np.random.Generator) -> np.ndarray:
    """`draws` parameter sets (rows, on the natural scale) from the fit's approximate distribution."""
    return np.exp(rng.multivariate_normal(log_params, covariance, size=draws))
