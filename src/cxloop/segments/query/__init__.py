"""Segment queries: `amount_spent > 100 AND rfm_group = 'AT_RISK'` read, checked and run on customers.

    from cxloop.segments.query import customers_matching, SegmentQueryError
    customers_matching(store, text)  # a QuerySet of Customer; SegmentQueryError (422) names the fault
    count_matching(store, text)  # how many: the live count, read from the predictions when it can

grammar (text -> tree), fields (what each field compares with), compile (tree -> Q).
"""

from .compile import compile_query, count_matching, customers_matching
from .errors import SegmentQueryError
from .fields import all_fields, register_field

__all__ = [
    "compile_query",
    "count_matching",
    "customers_matching",
    "SegmentQueryError",
    "all_fields",
    "register_field",
]
