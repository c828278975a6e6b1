"""Refit a store's models and write every customer's predictions."""

import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial

import numpy as np
from django.db import transaction
from django.utils import timezone

from cxloop.core.models import Store

from ..models import CustomerPrediction, PredictionRun, Segment
from ..predictions import bgnbd, gamma_gamma
from ..predictions.bgnbd import FitError
from ..predictions.groups import rfm_groups, spend_tiers
from ..predictions.uncertainty import draw
from ..queries import customer_summaries, purchase_days_between

logger = logging.getLogger(__name__)

# Below these the store's history is too short to fit: the numbers are left empty and the pages say
# "not enough data". The RFM group needs no model and is set for every customer with an order.
MIN_BUYERS = 100
MIN_REPEAT_BUYERS = 20
MIN_HISTORY_DAYS = 90
# The fits are maximum a posteriori under a weak normal prior on the log-parameters (sd 2: a factor
# of 7 either way) around values read off the store itself (its customers' order rate and mean
# order value; a Beta(1, 3) dropout): worth one customer's evidence, it does not move a large
# store's estimates and keeps a few hundred customers' fit off the edges where the predictions
# overflow (uncertainty.with_prior). lifetimes' penalizer (the fits' `penalty`) is not used: it
# penalises the parameters' squares, which depends on the unit (alpha is about 40 in days).
PENALTY = 0.0
PRIOR_SD = 2.0
BATCH = 2000
# Each prediction's interval: INTERVAL % of the predictions made with DRAWS parameter sets drawn
# from the fits' uncertainty (predictions.uncertainty) fall in it.
INTERVAL = 80
DRAWS = 60
INTERVAL_SEED = 20261204
CHUNK = 20_000
CALIBRATION_TOP = 7  # customers with 7 or more repeat orders are one row of the check
# A next order is expected of a customer at least this likely to be still one (bgnbd.days_to_next_order),
# and not when it would come after the horizon (ten years): "not expected" says that better than a date.
NEXT_ORDER_MIN_ALIVE = 0.5
NEXT_ORDER_HORIZON_DAYS = 3653
DAY = 86_400.0


def refresh_predictions(store: Store, *, as_of: datetime | None = None) -> PredictionRun:
    """Fit the store's BG/NBD and Gamma-Gamma models on its orders before `as_of` (now) and replace
    every customer's prediction, in one transaction. Returns the run, fitted or not."""
    as_of = as_of or timezone.now()
    data = customer_summaries(store, as_of)
    buyers, repeaters = len(data.customer_ids), int((data.x > 0).sum())
    run = PredictionRun(
        store=store, as_of=as_of, customers=buyers, repeat_buyers=repeaters, created_at=timezone.now()
    )
    numbers = None
    history = float(data.T.max()) if buyers else 0.0
    if buyers < MIN_BUYERS or repeaters < MIN_REPEAT_BUYERS or history < MIN_HISTORY_DAYS:
        run.status = PredictionRun.Status.NOT_ENOUGH_DATA
        run.message = (
            f"{buyers} customers with an order ({MIN_BUYERS} needed), {repeaters} with a repeat order "
            f"({MIN_REPEAT_BUYERS} needed), {history:.0f} days of history ({MIN_HISTORY_DAYS} needed)."
        )
    else:
        try:
            numbers = _predict(data, run)
            run.calibration = holdout_check(store, as_of, history)
            run.status = PredictionRun.Status.FITTED
        except FitError as error:
            logger.warning("Predictions for store %s not fitted: %s", store.pk, error)
            run.status, run.message = PredictionRun.Status.FAILED, str(error)[:500]
    groups = rfm_groups(days_since_last=data.days_since_last, orders=data.orders, spent=data.spent)
    with transaction.atomic():
        run.save()
        CustomerPrediction.objects.filter(store=store).delete()
        rows = [
            CustomerPrediction(
                store=store,
                customer_id=int(customer_id),
                rfm_group=str(groups[i]),
                computed_at=run.created_at,
                **(_numbers(numbers, i) if numbers else {}),
            )
            for i, customer_id in enumerate(data.customer_ids)
        ]
        CustomerPrediction.objects.bulk_create(rows, batch_size=BATCH)
        transaction.on_commit(partial(_queue_member_refresh, store.pk))
    return run


def _queue_member_refresh(store_id: int) -> None:
    """Segments of predicted fields change with the predictions: their member rows are refreshed now."""
    from ..tasks import refresh_store_segment_members_task

    if Segment.objects.filter(store_id=store_id).exists():
        refresh_store_segment_members_task.enqueue(store_id)


def holdout_check(store: Store, as_of: datetime, history: float) -> dict:
    """Fit on the history before the last `days` (a quarter of it, 30 to 180 days), predict each of
    those customers' orders in those days, and compare with what they did, by the number of repeat
    orders they had before (the papers' calibration check). {} when the early part is too short."""
    days = int(min(180, max(30, history // 4)))
    cut = as_of - timedelta(days=days)
    early = customer_summaries(store, cut)
    if len(early.customer_ids) < MIN_BUYERS or int((early.x > 0).sum()) < MIN_REPEAT_BUYERS:
        return {}
    try:
        params = bgnbd.fit(early.x, early.t_x, early.T, penalty=PENALTY, prior_sd=PRIOR_SD)
    except FitError:
        return {}
    predicted = bgnbd.expected_orders(params, days, early.x, early.t_x, early.T)
    if not np.all(np.isfinite(predicted)):
        return {}
    seen = purchase_days_between(store, cut, as_of)
    actual = np.array([seen.get(int(c), 0) for c in early.customer_ids], dtype=float)
    bucket = np.minimum(early.x, CALIBRATION_TOP).astype(int)
    rows = [
        {
            "repeat_orders_before": int(k),
            "customers": int((bucket == k).sum()),
            "predicted": round(float(predicted[bucket == k].mean()), 4),
            "actual": round(float(actual[bucket == k].mean()), 4),
        }
        for k in range(CALIBRATION_TOP + 1)
        if (bucket == k).any()
    ]
    return {
        "holdout_days": days,
        "customers": len(early.customer_ids),
        "predicted_total": round(float(predicted.sum()), 2),
        "actual_total": int(actual.sum()),
        "by_repeat_orders": rows,
    }


def _predict(data, run: PredictionRun) -> dict[str, np.ndarray]:
    orders, orders_cov = bgnbd.fit_with_covariance(
        data.x, data.t_x, data.T, penalty=PENALTY, prior_sd=PRIOR_SD
    )
    value, value_cov = gamma_gamma.fit_with_covariance(data.x, data.m, penalty=PENALTY, prior_sd=PRIOR_SD)
    run.orders_params = {"r": orders.r, "alpha": orders.alpha, "a": orders.a, "b": orders.b}
    run.value_params = {"p": value.p, "q": value.q, "v": value.v}
    expected_365 = bgnbd.expected_orders(orders, 365, data.x, data.t_x, data.T)
    predicted = expected_365 * gamma_gamma.expected_order_value(value, data.x, data.m)
    rng = np.random.default_rng(INTERVAL_SEED)  # the same data gives the same intervals
    orders_draws = draw(np.log([orders.r, orders.alpha, orders.a, orders.b]), orders_cov, DRAWS, rng)
    value_draws = draw(np.log([value.p, value.q, value.v]), value_cov, DRAWS, rng)
    orders_low, orders_high, value_low, value_high = _intervals(data, orders_draws, value_draws)
    numbers = {
        "probability_alive": bgnbd.probability_alive(orders, data.x, data.t_x, data.T),
        "expected_orders_90": bgnbd.expected_orders(orders, 90, data.x, data.t_x, data.T),
        "expected_orders_365": expected_365,
        "predicted_value_365": predicted,
        "spend_tier": spend_tiers(predicted),
        "expected_orders_365_low": orders_low,
        "expected_orders_365_high": orders_high,
        "predicted_value_365_low": value_low,
        "predicted_value_365_high": value_high,
    }
    broken = [
        name for name, values in numbers.items() if name != "spend_tier" and not np.all(np.isfinite(values))
    ]
    if broken:  # never a NaN on a customer's page: the run says it failed instead
        raise FitError(f"The fitted models gave no finite {', '.join(broken)}.")
    # NaN on purpose where no next order is expected: the row gets no date
    numbers["next_order_expected_at"] = _next_order_times(orders, data, run.as_of)
    return numbers


def _next_order_times(orders: bgnbd.Params, data, as_of: datetime) -> np.ndarray:
    """Each customer's expected next order as a Unix time: `as_of` plus 1 / λ̂ days, λ̂ = (r + x) / (α + T)
    per day (bgnbd.days_to_next_order); NaN where it is not expected (P(alive) below
    NEXT_ORDER_MIN_ALIVE, or further than NEXT_ORDER_HORIZON_DAYS)."""
    days = bgnbd.days_to_next_order(orders, data.x, data.t_x, data.T, min_alive=NEXT_ORDER_MIN_ALIVE)
    days = np.where(days <= NEXT_ORDER_HORIZON_DAYS, days, np.nan)  # NaN compares false: stays NaN
    return as_of.timestamp() + np.round(days * DAY)


def _intervals(data, orders_draws: np.ndarray, value_draws: np.ndarray) -> tuple[np.ndarray, ...]:
    """The INTERVAL % intervals of each customer's orders and value in 365 days over the parameter
    draws, a chunk of customers at a time (DRAWS x CHUNK numbers in memory)."""
    low_q, high_q = 50 - INTERVAL / 2, 50 + INTERVAL / 2
    out = [np.empty(len(data.x)) for _ in range(4)]
    for start in range(0, len(data.x), CHUNK):
        part = slice(start, start + CHUNK)
        x, t_x, T, m = data.x[part], data.t_x[part], data.T[part], data.m[part]
        orders = np.array([bgnbd.expected_orders(bgnbd.Params(*p), 365, x, t_x, T) for p in orders_draws])
        values = orders * np.array(
            [gamma_gamma.expected_order_value(gamma_gamma.Params(*p), x, m) for p in value_draws]
        )
        out[0][part], out[1][part] = np.nanpercentile(orders, [low_q, high_q], axis=0)
        out[2][part], out[3][part] = np.nanpercentile(values, [low_q, high_q], axis=0)
    return tuple(out)


def _numbers(numbers: dict[str, np.ndarray], i: int) -> dict:
    def money(name: str) -> Decimal:
        return Decimal(f"{max(float(numbers[name][i]), 0.0):.2f}")

    return {
        "probability_alive": float(numbers["probability_alive"][i]),
        "expected_orders_90": float(numbers["expected_orders_90"][i]),
        "expected_orders_365": float(numbers["expected_orders_365"][i]),
        "predicted_value_365": money("predicted_value_365"),
        "spend_tier": str(numbers["spend_tier"][i]),
        "expected_orders_365_low": float(numbers["expected_orders_365_low"][i]),
        "expected_orders_365_high": float(numbers["expected_orders_365_high"][i]),
        "predicted_value_365_low": money("predicted_value_365_low"),
        "predicted_value_365_high": money("predicted_value_365_high"),
        "next_order_expected_at": _moment(numbers["next_order_expected_at"][i]),
    }


def _moment(unix_time: float) -> datetime | None:
    return datetime.fromtimestamp(float(unix_time), tz=UTC) if np.isfinite(unix_time) else None


def erase_person(*, store: Store, customer=None, emails=()) -> None:
    """An erased customer's prediction goes (commerce's erasure hook)."""
    if customer is not None:
        CustomerPrediction.objects.filter(store=store, customer=customer).delete()


def export_person(store: Store, *, customer=None, emails=()) -> dict | None:
    """The customer's prediction in their data export (it is derived from their orders)."""
    prediction = (
        CustomerPrediction.objects.filter(store=store, customer=customer).first() if customer else None
    )
    if prediction is None:
        return None
    return {
        "rfm_group": prediction.rfm_group,
        "spend_tier": prediction.spend_tier,
        "probability_alive": prediction.probability_alive,
        "expected_orders_90": prediction.expected_orders_90,
        "expected_orders_365": prediction.expected_orders_365,
        "predicted_value_365": str(prediction.predicted_value_365)
        if prediction.predicted_value_365 is not None
        else None,
        "next_order_expected_at": prediction.next_order_expected_at.isoformat()
        if prediction.next_order_expected_at is not None
        else None,
        "computed_at": prediction.computed_at.isoformat(),
    }


def erase_store(*, store: Store) -> None:
    CustomerPrediction.objects.filter(store=store).delete()
    PredictionRun.objects.filter(store=store).delete()
