"""A parsed segment query as one condition on the store's customers.

    customers = customers_matching(store, "amount_spent > 100 AND customer_tags CONTAINS 'vip'")

Each condition is checked against its field (query.fields) and becomes a Q;
AND and OR join them. The tree is walked without recursion. Erased customers
never match.
"""

from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from cxloop.commerce.models import Customer

from .ast import Condition, Group, Node
from .fields import Context, get_field
from .grammar import parse


def compile_tree(tree: Node, context: Context) -> Q:
    """The tree as a Q on Customer; SegmentQueryError, with a position, for a wrong field or value."""
    done: dict[int, Q] = {}
    stack: list[tuple[Node, bool]] = [(tree, False)]
    while stack:
        node, expanded = stack.pop()
        if isinstance(node, Condition):
            done[id(node)] = get_field(node.field, node.position).condition(node, context)
        elif not expanded:
            stack.append((node, True))
            stack.extend((part, False) for part in node.parts)
        else:
            parts = [done.pop(id(part)) for part in node.parts]
            joined = parts[0]
            for part in parts[1:]:
                joined = joined & part if node.kind == "AND" else joined | part
            done[id(node)] = joined
    return done[id(tree)]


def compile_query(store, text: str, *, now: datetime | None = None) -> Q:
    """Parse and check `text`; its condition on `store`'s customers."""
    return compile_tree(parse(text), Context(store=store, now=now or timezone.now()))


def customers_matching(store, text: str, *, now: datetime | None = None) -> QuerySet[Customer]:
    """The store's customers (not erased) the query matches."""
    condition = compile_query(store, text, now=now)
    return Customer.objects.filter(store=store, erased_at__isnull=True).filter(condition)


__all__ = ["compile_query", "compile_tree", "customers_matching", "Group"]
