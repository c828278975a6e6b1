"""RFM groups and predicted spend tiers: Shopify's values, quintile scores, the grid's corners."""

import doctest

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxloop.segments.predictions import groups
from cxloop.segments.predictions.groups import RfmGroup, SpendTier, quintile_scores, rfm_groups, spend_tiers


def test_the_values_are_shopifys():
    assert {g.value for g in RfmGroup} == {
        "ACTIVE", "ALMOST_LOST", "AT_RISK", "CHAMPIONS", "DORMANT", "LOYAL", "NEEDS_ATTENTION", "NEW",
        "PREVIOUSLY_LOYAL", "PROMISING", "PROSPECTS",
    }  # fmt: skip
    assert {t.value for t in SpendTier} == {"HIGH", "MEDIUM", "LOW"}


def test_distinct_values_fall_a_fifth_in_each_quintile():
    scores = quintile_scores(np.arange(1000))

    assert np.bincount(scores)[1:].tolist() == [200, 200, 200, 200, 200]
    assert scores[0] == 1 and scores[-1] == 5


def test_equal_values_share_a_score():
    scores = quintile_scores([1, 1, 1, 1, 1, 1, 1, 1, 9, 10])

    assert len(set(scores[:8])) == 1
    assert scores[-1] == 5


def store_of(n=500, seed=7):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 720, n), rng.integers(1, 20, n), rng.gamma(2.0, 80.0, n)


def test_the_grids_corners_on_a_store():
    days, orders, spent = store_of()
    # the store's most recent, most frequent, biggest spender; the same history a year ago;
    # one small order long ago; one small order yesterday
    days = np.append(days, [0, 715, 719, 0])
    orders = np.append(orders, [40, 40, 1, 1])
    spent = np.append(spent, [9000.0, 9000.0, 1.0, 1.0])

    found = rfm_groups(days_since_last=days, orders=orders, spent=spent)[-4:]

    assert found.tolist() == ["CHAMPIONS", "PREVIOUSLY_LOYAL", "DORMANT", "NEW"]


def test_a_customer_without_an_order_is_a_prospect_and_does_not_move_the_others():
    days, orders, spent = store_of()
    alone = rfm_groups(days_since_last=days, orders=orders, spent=spent)

    with_prospects = rfm_groups(
        days_since_last=np.append(days, [0, 0]),
        orders=np.append(orders, [0, 0]),
        spent=np.append(spent, [0, 0]),
    )

    assert with_prospects[-2:].tolist() == ["PROSPECTS", "PROSPECTS"]
    assert with_prospects[:-2].tolist() == alone.tolist()


def test_every_cell_of_the_grid_is_a_group():
    assert all(cell in RfmGroup for row in groups.GRID for cell in row)
    assert len(groups.GRID) == 5 and all(len(row) == 5 for row in groups.GRID)


def test_spend_tiers_cut_at_the_70th_and_10th_percentiles():
    tiers = spend_tiers(np.arange(1, 101, dtype=float))

    assert (tiers == "LOW").sum() == 10
    assert (tiers == "HIGH").sum() == 30
    assert (tiers == "MEDIUM").sum() == 60


def test_nothing_predicted_is_low_whatever_the_others():
    tiers = spend_tiers([0.0, 0.0, 0.0, 50.0, 60.0])

    assert tiers[:3].tolist() == ["LOW", "LOW", "LOW"]


@given(st.lists(st.tuples(st.integers(0, 5000), st.integers(0, 500), st.floats(0, 1e7)), max_size=200))
def test_any_store_gets_one_known_group_per_customer(rows):
    days, orders, spent = (np.array(column) for column in zip(*rows, strict=True)) if rows else ([], [], [])

    found = rfm_groups(days_since_last=days, orders=orders, spent=spent)
    tiers = spend_tiers(spent)

    assert len(found) == len(rows) == len(tiers)
    assert set(found) <= {g.value for g in RfmGroup}
    assert set(tiers) <= {t.value for t in SpendTier}


@pytest.mark.parametrize("module", [groups])
def test_the_modules_example_holds(module):
    assert doctest.testmod(module).failed == 0
