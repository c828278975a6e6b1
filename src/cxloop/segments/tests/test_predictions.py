"""The BG/NBD and Gamma-Gamma models against the published CDNOW estimates and `lifetimes`' formulas.

CDNOW: 2,357 customers' first 39 weeks of purchases, as the `lifetimes`
package ships them (a test dependency only). Published estimates: Fader,
Hardie and Lee (2005), r = 0.243, α = 4.414, a = 0.793, b = 2.426; Fader and
Hardie (2013), p = 6.25, q = 3.74, ν = 15.44.
"""

import doctest
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifetimes import BetaGeoFitter, GammaGammaFitter
from lifetimes.datasets import load_cdnow_summary_data_with_monetary_value

from cxloop.segments.predictions import bgnbd, gamma_gamma
from cxloop.segments.predictions.bgnbd import FitError


def three_figures(value: float) -> float:
    return float(f"{value:.3g}")


@pytest.fixture(scope="module")
def cdnow():
    data = load_cdnow_summary_data_with_monetary_value()
    return (
        data["frequency"].to_numpy(),
        data["recency"].to_numpy(),
        data["T"].to_numpy(),
        data["monetary_value"].to_numpy(),
    )


def test_bgnbd_on_cdnow_gives_the_published_parameters(cdnow):
    x, t_x, T, _m = cdnow

    params = bgnbd.fit(x, t_x, T)

    assert [three_figures(v) for v in (params.r, params.alpha, params.a, params.b)] == [
        0.243, 4.41, 0.793, 2.43,
    ]  # fmt: skip


def test_bgnbd_finds_the_maximum_lifetimes_finds(cdnow):
    x, t_x, T, _m = cdnow
    theirs = BetaGeoFitter().fit(x, t_x, T).params_

    ours = bgnbd.fit(x, t_x, T)

    for name in ("r", "alpha", "a", "b"):
        assert getattr(ours, name) == pytest.approx(theirs[name], rel=1e-4), name


def test_gamma_gamma_on_cdnow_gives_the_published_parameters(cdnow):
    x, _t_x, _T, m = cdnow

    params = gamma_gamma.fit(x, m)  # customers without a repeat order are left out by the fit

    assert [three_figures(v) for v in (params.p, params.q, params.v)] == [6.25, 3.74, 15.4]
    theirs = GammaGammaFitter().fit(x[x > 0], m[x > 0]).params_
    assert [params.p, params.q, params.v] == pytest.approx([theirs["p"], theirs["q"], theirs["v"]], rel=1e-4)


@pytest.mark.parametrize(
    "start",
    [(1.0, 1.0, 1.0, 1.0), (100.0, 0.01, 50.0, 0.01), (0.01, 1000.0, 0.01, 100.0), (3.0, 40.0, 0.1, 20.0)],
)
def test_newtons_method_finds_the_same_maximum_from_far_away(cdnow, start):
    """Far from the maximum the Hessian is not positive definite and full steps overshoot: the
    shifted Hessian and the shortened steps still lead to the one maximum."""
    x, t_x, T, m = cdnow
    near = bgnbd.fit(x, t_x, T)
    near_value = gamma_gamma.fit(x, m)

    far = bgnbd.fit(x, t_x, T, start=bgnbd.Params(*start))
    far_value = gamma_gamma.fit(x, m, start=gamma_gamma.Params(*start[1:]))

    assert [far.r, far.alpha, far.a, far.b] == pytest.approx([near.r, near.alpha, near.a, near.b], rel=1e-9)
    assert [far_value.p, far_value.q, far_value.v] == pytest.approx(
        [near_value.p, near_value.q, near_value.v], rel=1e-9
    )


def test_the_predictions_equal_lifetimes_formulas_for_every_cdnow_customer(cdnow):
    x, t_x, T, m = cdnow
    theirs = BetaGeoFitter().fit(x, t_x, T)
    params = bgnbd.Params(**{k: float(v) for k, v in theirs.params_.items()})

    assert bgnbd.probability_alive(params, x, t_x, T) == pytest.approx(
        theirs.conditional_probability_alive(x, t_x, T), rel=1e-9
    )
    assert bgnbd.expected_orders(params, 39, x, t_x, T) == pytest.approx(
        theirs.conditional_expected_number_of_purchases_up_to_time(39, x, t_x, T), rel=1e-9
    )
    assert bgnbd.expected_orders_new(params, 39) == pytest.approx(
        theirs.expected_number_of_purchases_up_to_time(39)
    )
    money = GammaGammaFitter().fit(x[x > 0], m[x > 0])
    value_params = gamma_gamma.Params(**{k: float(v) for k, v in money.params_.items()})
    assert gamma_gamma.expected_order_value(value_params, x, m) == pytest.approx(
        np.asarray(money.conditional_expected_average_profit(x, m)), rel=1e-9
    )


def test_the_bgnbd_likelihood_predicts_cdnows_aggregate_repeat_orders(cdnow):
    """The paper's check: expected repeat orders over the 39 calibration weeks, summed over
    customers, is close to the 2,457 observed (Fader, Hardie and Lee 2005, figure 1)."""
    x, t_x, T, _m = cdnow
    params = bgnbd.fit(x, t_x, T)

    expected = float(np.sum(bgnbd.expected_orders_new(params, T)))

    assert int(x.sum()) == 2457
    assert expected == pytest.approx(2457, rel=0.02)


def test_every_customer_counted_twice_changes_no_estimate(cdnow):
    x, t_x, T, _m = cdnow
    doubled = bgnbd.fit(np.tile(x, 2), np.tile(t_x, 2), np.tile(T, 2))

    assert doubled.r == pytest.approx(bgnbd.fit(x, t_x, T).r, rel=1e-6)


def test_nothing_to_fit_says_so():
    with pytest.raises(FitError, match="No customers"):
        bgnbd.fit([], [], [])
    with pytest.raises(FitError, match="repeat order"):
        gamma_gamma.fit([0, 0], [0.0, 0.0])


@settings(max_examples=200, deadline=None)
@given(
    x=st.integers(0, 500),
    gap=st.floats(0, 3650, allow_nan=False),
    since=st.floats(0, 3650, allow_nan=False),
)
def test_predictions_stay_finite_and_in_range_for_any_history(x, gap, since):
    """A long history, many orders or none: a probability in [0, 1], a finite count >= 0."""
    params = bgnbd.Params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    t_x = since if x > 0 else 0.0
    T = np.array([t_x + gap])

    alive = bgnbd.probability_alive(params, [x], [t_x], T)[0]
    orders = bgnbd.expected_orders(params, 365, [x], [t_x], T)[0]
    ll = bgnbd.log_likelihood(params, [x], [t_x], T)[0]

    assert 0.0 <= alive <= 1.0
    assert math.isfinite(orders) and orders >= 0
    assert math.isfinite(ll)  # a density of t_x and T, not a probability: it may exceed 0


@pytest.mark.parametrize("module", [bgnbd, gamma_gamma])
def test_the_modules_examples_hold(module):
    assert doctest.testmod(module).failed == 0


@pytest.mark.parametrize(
    "log_params", [np.log([0.243, 4.414, 0.793, 2.426]), np.array([0.3, -1.0, 1.2, -0.4])]
)
def test_the_bgnbd_objective_is_the_likelihood_with_its_derivatives(cdnow, log_params):
    x, t_x, T, _m = cdnow
    objective = bgnbd._Objective(x, t_x, T, penalty=0.0)
    params = bgnbd.Params(*np.exp(log_params))

    value, grad, hessian = objective(log_params)

    assert value == pytest.approx(-bgnbd.log_likelihood(params, x, t_x, T).mean(), rel=1e-12)
    exact = -bgnbd.gradient(params, x, t_x, T).mean(axis=1) * np.exp(log_params)
    assert grad == pytest.approx(exact, rel=1e-9)
    assert grad == pytest.approx(numeric_gradient(objective, log_params), rel=1e-4, abs=1e-6)
    assert hessian == pytest.approx(numeric_hessian(objective, log_params), rel=1e-5, abs=1e-7)


@pytest.mark.parametrize("log_params", [np.log([6.25, 3.74, 15.44]), np.array([0.5, 2.0, 1.0])])
def test_the_gamma_gamma_objective_is_the_likelihood_with_its_derivatives(cdnow, log_params):
    x, _t_x, _T, m = cdnow
    x, m = x[x > 0], m[x > 0]
    objective = gamma_gamma._Objective(x, m, penalty=0.0)
    params = gamma_gamma.Params(*np.exp(log_params))

    value, grad, hessian = objective(log_params)

    assert value == pytest.approx(-gamma_gamma.log_likelihood(params, x, m).mean(), rel=1e-12)
    exact = -gamma_gamma.gradient(params, x, m).mean(axis=1) * np.exp(log_params)
    assert grad == pytest.approx(exact, rel=1e-9)
    assert grad == pytest.approx(numeric_gradient(objective, log_params), rel=1e-4, abs=1e-6)
    assert hessian == pytest.approx(numeric_hessian(objective, log_params), rel=1e-5, abs=1e-7)


@pytest.mark.parametrize("module", [bgnbd, gamma_gamma])
def test_a_penalty_adds_its_value_and_derivatives(cdnow, module):
    x, t_x, T, m = cdnow
    columns = (x, t_x, T) if module is bgnbd else (x[x > 0], m[x > 0])
    log_params = np.log([0.5, 3.0, 1.0, 2.0])[: 4 if module is bgnbd else 3]
    plain, penalised = module._Objective(*columns, penalty=0.0), module._Objective(*columns, penalty=0.1)
    squares = np.exp(2 * log_params)

    value, grad, hessian = penalised(log_params)

    assert value == pytest.approx(plain(log_params)[0] + 0.1 * squares.sum(), rel=1e-12)
    assert grad == pytest.approx(plain(log_params)[1] + 0.2 * squares, rel=1e-12)
    assert hessian == pytest.approx(numeric_hessian(penalised, log_params), rel=1e-5, abs=1e-7)


def numeric_gradient(objective, log_params):
    from scipy import optimize

    return optimize.approx_fprime(log_params, lambda p: objective(p)[0], 1e-7)


def numeric_hessian(objective, log_params, step=1e-6):
    """Central differences of the exact gradient."""
    columns = [
        (objective(log_params + step * e)[1] - objective(log_params - step * e)[1]) / (2 * step)
        for e in np.eye(len(log_params))
    ]
    return np.array(columns).T


@given(st.lists(st.one_of(st.integers(0, 20_000), st.floats(-1e6, 1e6, allow_nan=False)), min_size=1))
def test_a_value_index_reads_back_every_value(column):
    from cxloop.segments.predictions.summaries import value_index

    values, at = value_index(column)

    assert values[at].tolist() == [float(v) for v in column]


def test_the_laplace_standard_errors_on_cdnow_equal_lifetimes(cdnow):
    x, t_x, T, m = cdnow
    ours, cov = bgnbd.fit_with_covariance(x, t_x, T)
    ours_value, value_cov = gamma_gamma.fit_with_covariance(x, m)
    theirs = BetaGeoFitter().fit(x, t_x, T).summary["se(coef)"]
    theirs_value = GammaGammaFitter().fit(x[x > 0], m[x > 0]).summary["se(coef)"]

    # the delta method: se(p) = p * se(log p)
    se = np.array([ours.r, ours.alpha, ours.a, ours.b]) * np.sqrt(np.diag(cov))
    se_value = np.array([ours_value.p, ours_value.q, ours_value.v]) * np.sqrt(np.diag(value_cov))

    assert se == pytest.approx(theirs[["r", "alpha", "a", "b"]].to_numpy(), rel=1e-3)
    assert se_value == pytest.approx(theirs_value[["p", "q", "v"]].to_numpy(), rel=1e-3)
