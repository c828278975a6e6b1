"""Customers' summaries as the models read them: a column's distinct values, without a sort when it can.

A fit evaluates functions of a column (the log of α + T, the Gamma function of
r + x) a few times; computed once per distinct value and read back by index,
they cost a table of a few hundred numbers instead of a million:

    >>> values, at = value_index(np.array([3.0, 0.0, 3.0, 2.0]))
    >>> values.tolist(), at.tolist()
    ([0.0, 1.0, 2.0, 3.0], [3, 0, 3, 2])
"""

import numpy as np

# Whole numbers from 0 to this (days: 27 years) index a table 0..max directly: O(n), where finding
# the distinct values of a million floats by sorting took 0.1-0.2 s here, more than a whole fit.
DENSE_MAX = 10_000


def value_index(column) -> tuple[np.ndarray, np.ndarray]:
    """A table of values and each row's place in it: `values[at]` equals the column.

    For whole numbers in 0..DENSE_MAX the table is every number from 0 to the largest (some
    perhaps unused, which costs nothing); otherwise the distinct values, found by a sort."""
    column = np.asarray(column, dtype=float)
    if len(column) and 0 <= column.min() and column.max() <= DENSE_MAX:
        at = column.astype(np.intp)
        if np.array_equal(at, column):
            return np.arange(at.max() + 1, dtype=float), at
    values, at = np.unique(column, return_inverse=True)
    return values, at.reshape(-1)


def tally(at: np.ndarray, size: int, weights=None) -> np.ndarray:
    """How many rows (or how much weight) fall on each of the table's `size` values."""
    return np.bincount(at, weights=weights, minlength=size).astype(float)
