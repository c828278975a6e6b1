"""`cxloop bench predictions`: fitting and scoring BG/NBD + Gamma-Gamma against the `lifetimes` package.

--customers customers (default 1,000,000) are simulated from the BG/NBD and
Gamma-Gamma processes themselves (known parameters, times in days over two
years, values per order Gamma-distributed), summarised as the store's refresh
summarises them: (x, t_x, T) in whole days and the mean repeat-order value.
On the same arrays, in one run:

- cxloop (`segments.predictions`): BG/NBD fit, Gamma-Gamma fit, then scoring
  every customer (P(alive), expected orders in 365 days, expected order value);
- the baseline, `lifetimes` (BetaGeoFitter, GammaGammaFitter and their
  conditional_* methods) on the same rows, as its documentation uses it.

Printed: seconds for each step and the ratio (and the process's CPU seconds,
which another job on a shared machine moves less), and the largest relative
difference between the two packages' parameter estimates (goal: >= 10x
faster, parameters within 1e-5). Written to var/bench/predictions-<timestamp>.json.

    cxloop bench predictions --customers 1000000
"""

import argparse
import json
import platform
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
TRUE_ORDERS = {"r": 0.5, "alpha": 35.0, "a": 0.8, "b": 3.0}  # days
TRUE_VALUE = {"p": 6.0, "q": 4.0, "v": 120.0}
DAYS = 730


def simulate(customers: int, seed: int) -> dict[str, np.ndarray]:
    """Each customer's (x, t_x, T) in whole days and mean repeat-order value, from the models' processes."""
    rng = np.random.default_rng(seed)
    rate = rng.gamma(TRUE_ORDERS["r"], 1 / TRUE_ORDERS["alpha"], customers)
    leave = rng.beta(TRUE_ORDERS["a"], TRUE_ORDERS["b"], customers)
    start = rng.uniform(0, DAYS, customers)
    T = np.floor(DAYS - start)
    nu = rng.gamma(TRUE_VALUE["q"], 1 / TRUE_VALUE["v"], customers)  # the customer's value rate
    x = np.zeros(customers)
    t_x = np.zeros(customers)
    spent = np.zeros(customers)
    t = np.zeros(customers)
    alive = np.ones(customers, dtype=bool)
    last_day = np.zeros(customers)
    while alive.any():
        idx = np.flatnonzero(alive)
        t[idx] += rng.exponential(1 / rate[idx])
        inside = t[idx] < DAYS - start[idx]
        done = idx[~inside]
        alive[done] = False
        idx = idx[inside]
        day = np.floor(t[idx])
        new_day = day > last_day[idx]  # orders on one day are one purchase
        hit = idx[new_day]
        x[hit] += 1
        t_x[hit] = day[new_day]
        last_day[hit] = day[new_day]
        spent[hit] += rng.gamma(TRUE_VALUE["p"], 1 / nu[hit])
        alive[hit[rng.random(len(hit)) < leave[hit]]] = False
    m = np.divide(spent, x, out=np.zeros(customers), where=x > 0)
    return {"x": x, "t_x": t_x, "T": T, "m": m}


CPU: dict[str, float] = {}  # process CPU seconds of each timed step: on a shared machine, the work itself


def _timed(fn, step: str = ""):
    started, cpu_started = time.perf_counter(), time.process_time()
    result = fn()
    CPU[step] = time.process_time() - cpu_started
    return result, time.perf_counter() - started


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="cxloop bench predictions", description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20261204)
    args = parser.parse_args(argv)
    if args.customers < 1000:
        parser.error("--customers must be at least 1000")

    import warnings

    warnings.filterwarnings("ignore")
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    from cxloop.segments.predictions import bgnbd, gamma_gamma

    data, simulate_s = _timed(lambda: simulate(args.customers, args.seed))
    x, t_x, T, m = data["x"], data["t_x"], data["T"], data["m"]
    repeat = x > 0
    distinct = len(np.unique(np.column_stack([x, t_x, T]), axis=0))
    print(f"{args.customers:,} customers simulated in {simulate_s:.1f} s; {int(repeat.sum()):,} "
          f"with a repeat order; {distinct:,} distinct (x, t_x, T)")  # fmt: skip

    ours_orders, ours_orders_s = _timed(lambda: bgnbd.fit(x, t_x, T), "ours BG/NBD fit")
    ours_value, ours_value_s = _timed(lambda: gamma_gamma.fit(x, m), "ours Gamma-Gamma fit")

    def ours_score():
        return (
            bgnbd.probability_alive(ours_orders, x, t_x, T),
            bgnbd.expected_orders(ours_orders, 365, x, t_x, T),
            gamma_gamma.expected_order_value(ours_value, x, m),
        )

    ours_scores, ours_score_s = _timed(ours_score, "ours scoring every customer")

    theirs_orders, theirs_orders_s = _timed(lambda: BetaGeoFitter().fit(x, t_x, T), "theirs BG/NBD fit")
    theirs_value, theirs_value_s = _timed(
        lambda: GammaGammaFitter().fit(x[repeat], m[repeat]), "theirs Gamma-Gamma fit"
    )

    def theirs_score():
        return (
            theirs_orders.conditional_probability_alive(x, t_x, T),
            theirs_orders.conditional_expected_number_of_purchases_up_to_time(365, x, t_x, T),
            np.asarray(theirs_value.conditional_expected_average_profit(x, m)),
        )

    theirs_scores, theirs_score_s = _timed(theirs_score, "theirs scoring every customer")

    ours_params = {"r": ours_orders.r, "alpha": ours_orders.alpha, "a": ours_orders.a, "b": ours_orders.b,
                   "p": ours_value.p, "q": ours_value.q, "v": ours_value.v}  # fmt: skip
    theirs_params = {**theirs_orders.params_.to_dict(), **theirs_value.params_.to_dict()}
    worst_param = max(abs(ours_params[k] - theirs_params[k]) / abs(theirs_params[k]) for k in ours_params)
    worst_score = max(
        float(np.nanmax(np.abs(a - b) / np.maximum(np.abs(b), 1e-12)))
        for a, b in zip(ours_scores, theirs_scores, strict=True)
    )
    rows = [
        ("BG/NBD fit", ours_orders_s, theirs_orders_s),
        ("Gamma-Gamma fit", ours_value_s, theirs_value_s),
        ("scoring every customer", ours_score_s, theirs_score_s),
        (
            "all",
            ours_orders_s + ours_value_s + ours_score_s,
            theirs_orders_s + theirs_value_s + theirs_score_s,
        ),
    ]
    for side in ("ours", "theirs"):
        CPU[f"{side} all"] = sum(CPU[f"{side} {name}"] for name, *_ in rows[:3])
    print(f"\n{'step':24} {'cxloop s':>10} {'lifetimes s':>12} {'speed-up':>9}   "
          "(CPU s: cxloop, lifetimes, speed-up)")  # fmt: skip
    for name, ours, theirs in rows:
        ours_cpu, theirs_cpu = CPU[f"ours {name}"], CPU[f"theirs {name}"]
        print(f"{name:24} {ours:10.2f} {theirs:12.2f} {theirs / ours:8.1f}x   "
              f"({ours_cpu:.2f}, {theirs_cpu:.2f}, {theirs_cpu / ours_cpu:.1f}x)")  # fmt: skip
    print("\nparameters (cxloop / lifetimes / true):")
    truth = {**TRUE_ORDERS, **TRUE_VALUE}
    for key in ours_params:
        print(f"  {key:6} {ours_params[key]:14.8f} {theirs_params[key]:14.8f} {truth[key]:10.4f}")
    print(f"largest relative difference: parameters {worst_param:.2e}, scores {worst_score:.2e} "
          f"(goal: >= 10x faster, parameters within 1e-5)")  # fmt: skip

    out = ROOT / "var" / "bench" / f"predictions-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "customers": args.customers, "seed": args.seed, "distinct_summaries": distinct,
        "repeat_buyers": int(repeat.sum()), "machine": platform.platform(),
        "seconds": {name: {"cxloop": ours, "lifetimes": theirs} for name, ours, theirs in rows},
        "cpu_seconds": {name: {"cxloop": CPU[f"ours {name}"], "lifetimes": CPU[f"theirs {name}"]}
                        for name, *_ in rows},
        "params": {"cxloop": ours_params, "lifetimes": theirs_params, "true": truth},
        "largest_relative_difference": {"params": worst_param, "scores": worst_score},
    }, indent=2))  # fmt: skip
    print(f"\nresults: {out}")
