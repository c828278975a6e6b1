"""Imports of platform CSV exports into the store mirror.

`import_shopify_orders(store=store, file=upload, progress=callback)` returns
an `ImportSummary`: `summary.counts()` is "created 120, updated 3, skipped 2"
and `summary.problems` lists `RowProblem(line=14, reason="blank email and no
customer id; skipped")`.
"""

from .shopify_customers import import_shopify_customers
from .shopify_orders import import_shopify_orders
from .summary import ImportSummary, RowProblem

__all__ = ["ImportSummary", "RowProblem", "import_shopify_customers", "import_shopify_orders"]
