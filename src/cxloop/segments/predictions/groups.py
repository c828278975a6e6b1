"""The RFM group and the predicted spend tier, with Shopify's values and meanings.

A Shopify merchant filters on `rfm_group` and `predicted_spend_tier`; cxloop
gives its customers the same values so those filters read the same way.

**RFM group** (`rfm_groups`). Shopify publishes the groups' values and what each
means (GraphQL Admin enum `CustomerRfmGroup`), not its cut-offs. cxloop scores
each customer with an order 1-5 on recency (days since the last order, fewer
is better), frequency (orders) and monetary value (net amount spent), each by
its quintile among the store's customers (equal values, equal score), takes
FM = the mean of F and M rounded half up, and places the customer on this grid,
drawn from Shopify's descriptions ("very recent purchases, many orders, and the
most spend" is R 5 and FM 4-5):

    FM →         1             2             3                4           5
    R 5    NEW           NEW           ACTIVE           CHAMPIONS   CHAMPIONS
    R 4    PROMISING     PROMISING     ACTIVE           LOYAL       LOYAL
    R 3    NEEDS_ATTENTION NEEDS_ATTENTION NEEDS_ATTENTION LOYAL    LOYAL
    R 2    ALMOST_LOST   ALMOST_LOST   AT_RISK          AT_RISK     PREVIOUSLY_LOYAL
    R 1    DORMANT       DORMANT       AT_RISK          AT_RISK     PREVIOUSLY_LOYAL

A customer without an order is PROSPECTS.

**Predicted spend tier** (`spend_tiers`), from the predicted spend over the next
year: HIGH above the 70th percentile of the store's customers, LOW at or below
the 10th or when nothing is predicted, MEDIUM between, as Shopify's API
documentation first described `CustomerPredictedSpendTier` (its current text:
"the top spending range", "zero, or in the lowest spending range", "the normal
spending range").

    >>> quintile_scores([10, 20, 30, 40, 50, 50]).tolist()
    [1, 2, 3, 4, 5, 5]
    >>> spend_tiers([0.0, 20.0, 40.0, 60.0, 80.0, 100.0]).tolist()
    ['LOW', 'MEDIUM', 'MEDIUM', 'MEDIUM', 'HIGH', 'HIGH']
"""

from enum import StrEnum

import numpy as np
from scipy import stats


class RfmGroup(StrEnum):
    ACTIVE = "ACTIVE"
    ALMOST_LOST = "ALMOST_LOST"
    AT_RISK = "AT_RISK"
    CHAMPIONS = "CHAMPIONS"
    DORMANT = "DORMANT"
    LOYAL = "LOYAL"
    NEEDS_ATTENTION = "NEEDS_ATTENTION"
    NEW = "NEW"
    PREVIOUSLY_LOYAL = "PREVIOUSLY_LOYAL"
    PROMISING = "PROMISING"
    PROSPECTS = "PROSPECTS"


class SpendTier(StrEnum):
    HIGH = "HIGH"
    MEDIUM = "MEDIUM"
    LOW = "LOW"


G = RfmGroup
# GRID[r - 1][fm - 1]
GRID = (
    (G.DORMANT, G.DORMANT, G.AT_RISK, G.AT_RISK, G.PREVIOUSLY_LOYAL),
    (G.ALMOST_LOST, G.ALMOST_LOST, G.AT_RISK, G.AT_RISK, G.PREVIOUSLY_LOYAL),
    (G.NEEDS_ATTENTION, G.NEEDS_ATTENTION, G.NEEDS_ATTENTION, G.LOYAL, G.LOYAL),
    (G.PROMISING, G.PROMISING, G.ACTIVE, G.LOYAL, G.LOYAL),
    (G.NEW, G.NEW, G.ACTIVE, G.CHAMPIONS, G.CHAMPIONS),
)
HIGH_ABOVE = 70  # percentile of predicted spend
LOW_AT_OR_BELOW = 10


def quintile_scores(values) -> np.ndarray:
    """Each value's score 1-5 by its quintile among `values` (higher values score higher; equal
    values share the score of their average rank)."""
    values = np.asarray(values, dtype=float)
    if len(values) == 0:
        return np.zeros(0, dtype=int)
    ranks = stats.rankdata(values, method="average")
    return np.clip(np.ceil(5 * ranks / len(values)), 1, 5).astype(int)


def rfm_groups(*, days_since_last, orders, spent) -> np.ndarray:
    """Each customer's RFM group (see the module); scored among the customers with an order."""
    days, orders, spent = (np.asarray(v, dtype=float) for v in (days_since_last, orders, spent))
    groups = np.full(len(orders), RfmGroup.PROSPECTS.value, dtype="<U16")
    buyers = orders > 0
    if buyers.any():
        r = quintile_scores(-days[buyers])
        f = quintile_scores(orders[buyers])
        m = quintile_scores(spent[buyers])
        fm = np.floor((f + m) / 2 + 0.5).astype(int)
        table = np.array([[group.value for group in row] for row in GRID], dtype="<U16")
        groups[buyers] = table[r - 1, fm - 1]
    return groups


def spend_tiers(predicted_spend) -> np.ndarray:
    """Each customer's predicted spend tier among these customers (see the module)."""
    spend = np.asarray(predicted_spend, dtype=float)
    tiers = np.full(len(spend), SpendTier.MEDIUM.value, dtype="<U6")
    if len(spend) == 0:
        return tiers
    high, low = np.percentile(spend, [HIGH_ABOVE, LOW_AT_OR_BELOW])
    tiers[spend > high] = SpendTier.HIGH.value
    tiers[(spend <= low) | (spend <= 0)] = SpendTier.LOW.value
    return tiers
