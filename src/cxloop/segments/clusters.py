"""Customer clusters: k-means on how recently, how often and how much customers buy, described in words.

    features = Features(recency=days_since_last, orders=orders, spent=spent, aov=spent / orders,
                        tenure=days_since_first)
    for cluster in find_clusters(features, k=4):
        cluster.label, cluster.size, cluster.centre.spent, cluster.words  # "A", 212, 840.0, (recent, ...)

Each customer is five numbers: days since the last order (recency), orders,
net amount spent, average order value and days since the first order
(tenure). Orders, spend and order value are skewed (a few customers buy far
more than the rest), so they are taken as log(1 + x) first; then every
feature becomes a z-score, so each weighs the same. A feature that does not
vary (every customer bought once) is all zeros and weighs nothing.

k-means is scipy's `kmeans2` with k-means++ starts drawn from a generator
seeded with SEED: RESTARTS starts, the one with the smallest within-cluster
sum of squares is kept, so the same customers always give the same clusters.
A start that leaves a cluster empty is discarded; when every start does (or
the customers have fewer distinct profiles than k) fewer clusters are
returned, never an empty one. Above MAX_FIT_ROWS customers the centres are
fitted on a sample drawn from the same generator, then everyone is assigned.

A cluster's centre is the **median** of its members on each feature, in the
input's units (more readable than the mean, which one big order pulls up).
Its words compare that centre with the terciles of all the customers given
(the store's own buyers), so "recent" means "as recent as the store's most
recent third". Clusters come ordered by total spend, largest first, and are
labelled A, B, C... in that order.

Pure computation over NumPy arrays: no database, no Django models.
"""

from dataclasses import dataclass

import numpy as np
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy
from scipy.cluster.vq import ClusterError, kmeans2, vq

SEED = 20_240_301
RESTARTS = 10
ITERATIONS = 30  # kmeans2 has no stopping rule: it runs this many Lloyd iterations
MAX_FIT_ROWS = 20_000
MIN_K, MAX_K = 2, 8
LABELS = "ABCDEFGH"

RECENCY_WORDS = (
    pgettext_lazy("customer cluster", "recent"),
    pgettext_lazy("customer cluster", "lapsing"),
    pgettext_lazy("customer cluster", "long gone"),
)
FREQUENCY_WORDS = (
    pgettext_lazy("customer cluster", "one-time"),
    pgettext_lazy("customer cluster", "occasional"),
    pgettext_lazy("customer cluster", "frequent"),
)
SPEND_WORDS = (
    pgettext_lazy("customer cluster", "low spend"),
    pgettext_lazy("customer cluster", "mid spend"),
    pgettext_lazy("customer cluster", "high spend"),
)
# Order value and tenure get a word only when they stand out (the lowest or highest third).
ORDER_VALUE_WORDS = (
    pgettext_lazy("customer cluster", "small orders"),
    None,
    pgettext_lazy("customer cluster", "large orders"),
)
TENURE_WORDS = (
    pgettext_lazy("customer cluster", "new"),
    None,
    pgettext_lazy("customer cluster", "long-standing"),
)


@dataclass(frozen=True)
class Features:
    """One value per customer in each array, the customers in the same order in all five."""

    recency: np.ndarray  # days since the last order
    orders: np.ndarray  # number of orders
    spent: np.ndarray  # net amount spent
    aov: np.ndarray  # average order value
    tenure: np.ndarray  # days since the first order

    def columns(self) -> list[np.ndarray]:
        return [
            np.asarray(column, dtype=float)
            for column in (self.recency, self.orders, self.spent, self.aov, self.tenure)
        ]


@dataclass(frozen=True)
class Centre:
    """The median member, in the input's units."""

    recency: float
    orders: float
    spent: float
    aov: float
    tenure: float


@dataclass(frozen=True)
class Cluster:
    label: str  # A, B, C...: by total spend, largest first
    members: np.ndarray  # positions in the input arrays, ascending
    centre: Centre
    total_spent: float
    words: tuple[Promise, ...]  # the centre against the store's terciles: recency, frequency, spend, ...

    @property
    def size(self) -> int:
        return len(self.members)


def find_clusters(features: Features, k: int, *, seed: int = SEED) -> list[Cluster]:
    """Group the customers into at most k clusters, ordered by total spend (largest first).

    Fewer than k come back when the customers have fewer distinct profiles than k or no start
    fills k clusters; no customers give no clusters. ValueError for k outside 1-8.
    """
    if not 1 <= k <= len(LABELS):
        raise ValueError(f"k must be from 1 to {len(LABELS)}, not {k}")
    columns = features.columns()
    if len(columns[0]) == 0:
        return []
    data = standardise(columns)
    labels = _assign(data, k, np.random.default_rng(seed))
    groups = [np.flatnonzero(labels == cluster) for cluster in np.unique(labels)]
    groups.sort(key=lambda members: (-columns[2][members].sum(), -len(members), members[0]))
    cuts = [_terciles(column) for column in columns]
    return [_describe(LABELS[i], members, columns, cuts) for i, members in enumerate(groups)]


def standardise(columns: list[np.ndarray]) -> np.ndarray:
    """Recency, log1p(orders), log1p(spent), log1p(aov) and tenure as z-scores (a constant one as zeros)."""
    recency, orders, spent, aov, tenure = columns
    # refunds can make net spend negative: the log starts at zero
    skewed = [np.log1p(np.maximum(column, 0.0)) for column in (orders, spent, aov)]
    data = np.column_stack([recency, *skewed, tenure])
    spread = data.std(axis=0)
    varies = spread > 1e-12 * np.maximum(1.0, np.abs(data).max(axis=0))
    centred = data - data.mean(axis=0)
    return np.divide(centred, spread, out=np.zeros_like(data), where=varies)


def _assign(data: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Each row's cluster number: the best of RESTARTS k-means++ starts, k lowered while no start fills k."""
    fit = data
    if len(data) > MAX_FIT_ROWS:
        fit = data[np.sort(rng.choice(len(data), MAX_FIT_ROWS, replace=False))]
    k = min(k, len(np.unique(fit, axis=0)))  # k-means++ cannot start from more distinct points than exist
    while k > 1:
        centres = _best_centres(fit, k, rng)
        if centres is not None:
            return vq(data, centres, check_finite=False)[0]
        k -= 1
    return np.zeros(len(data), dtype=int)


def _best_centres(data: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray | None:
    best, best_spread = None, np.inf
    for _ in range(RESTARTS):
        try:
            centres, _ = kmeans2(data, k, iter=ITERATIONS, minit="++", missing="raise", seed=rng)
        except ClusterError:  # a cluster emptied: this start is discarded
            continue
        spread = float((vq(data, centres, check_finite=False)[1] ** 2).sum())
        if spread < best_spread:
            best, best_spread = centres, spread
    return best


def _terciles(column: np.ndarray) -> tuple[float, float] | None:
    """The store's 33rd and 67th percentiles of a feature; None when it does not vary."""
    if column.max() == column.min():
        return None
    low, high = np.percentile(column, [100 / 3, 200 / 3])
    return float(low), float(high)


def _describe(label: str, members: np.ndarray, columns: list[np.ndarray], cuts: list) -> Cluster:
    centre = Centre(*(float(np.median(column[members])) for column in columns))
    return Cluster(
        label=label,
        members=members,
        centre=centre,
        total_spent=float(columns[2][members].sum()),
        words=describe(centre, cuts),
    )


def describe(centre: Centre, cuts: list[tuple[float, float] | None]) -> tuple[Promise, ...]:
    """The centre in words, feature by feature, against the store's terciles (`cuts`, in Features' order).

    A median of one order is "one-time" whatever the store; otherwise a feature's lowest third
    gets the first word, its highest third the last, the rest the middle one. A feature that
    does not vary gets no word.
    """
    recency, orders, spent, aov, tenure = cuts
    words = []
    if recency:
        words.append(RECENCY_WORDS[_third(centre.recency, recency)])
    if centre.orders <= 1:
        words.append(FREQUENCY_WORDS[0])
    elif orders:
        words.append(FREQUENCY_WORDS[2] if _third(centre.orders, orders) == 2 else FREQUENCY_WORDS[1])
    if spent:
        words.append(SPEND_WORDS[_third(centre.spent, spent)])
    for value, feature_cuts, vocabulary in (
        (centre.aov, aov, ORDER_VALUE_WORDS),
        (centre.tenure, tenure, TENURE_WORDS),
    ):
        word = vocabulary[_third(value, feature_cuts)] if feature_cuts else None
        if word is not None:
            words.append(word)
    return tuple(words)


def _third(value: float, cuts: tuple[float, float]) -> int:
    """0 in the lowest third (at or below the 33rd percentile), 2 above the 67th, 1 between."""
    low, high = cuts
    if value <= low:
        return 0
    return 2 if value > high else 1
