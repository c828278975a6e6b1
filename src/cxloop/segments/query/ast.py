"""The parsed shape of a segment query: conditions joined by AND and OR.

    amount_spent > 100 AND (customer_tags CONTAINS 'vip' OR rfm_group = 'CHAMPIONS')

parses to And([Condition(amount_spent > 100), Or([Condition(...), Condition(...)])]).
Every node knows where it starts in the query text (`position`, 0-based), so an
error in it can be shown under the right word.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class RelativeDate:
    """`-90d`, `-2w`, `-3m`, `-1y`, `today`, `yesterday`: so many units before the store's today."""

    amount: int
    unit: str  # d, w, m, y


Value = str | Decimal | bool | date | RelativeDate | None


@dataclass(frozen=True)
class Literal:
    value: Value
    position: int
    text: str  # as written, for error messages


@dataclass(frozen=True)
class Condition:
    field: str
    operator: str  # =, !=, >, >=, <, <=, CONTAINS, NOT CONTAINS, BETWEEN, IS NULL, IS NOT NULL
    values: tuple[Literal, ...]
    position: int
    arguments: tuple[tuple[str, Literal], ...] = ()  # products_viewed(id: '1', since: -7d) = true

    @property
    def terms(self) -> int:
        return 1

    @property
    def depth(self) -> int:
        return 0


@dataclass(frozen=True)
class Group:
    kind: str  # AND, OR
    parts: tuple = field(default_factory=tuple)
    position: int = 0
    terms: int = 0
    depth: int = 0


Node = Condition | Group


def conditions(node: Node):
    """Every condition of the tree, left to right (iteratively: the tree may be deep)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Condition):
            yield current
        else:
            stack.extend(reversed(current.parts))
