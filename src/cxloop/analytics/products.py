"""Sales by product and by product type: what sold in a period, against the period before.

    report = build_products(store, days=30)    # reads the warehouse (or backend/tables, as reports does)
    report.by_product[0].title, .orders, .units, .net, .previous

The lines of the orders that count for revenue (metrics.revenue: placed in the
period, not cancelled) are summed per product (a line without a catalogue
product is one group, key 0) and per product type (products without one, key
""): orders that contain it, units, and net sales of the lines (price ×
quantity − the line's discount; refunds are of orders, not lines, and stay out).
The TOP groups with the most sales come one per row, ties by key; the rest are
summed as one "other" row, whose orders are counted once however many of its
products an order held. Beside each row, the previous period's sales of the same
group (of the same rest, for "other"). Each expression is Ibis, so the warehouse,
PostgreSQL directly and Spark give one answer.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import ibis
from ibis import _
from ibis.expr import types as ir

from . import metrics
from .reports import _zone, engine, period_bounds

TOP = 10
KEYS = {"product": "product_id", "type": "product_type"}
NO_PRODUCT = 0  # the key of the lines without a catalogue product
NO_TYPE = ""  # the key of the products without a type


def _sold_lines(t: metrics.Tables, store_id: int, since: datetime, until: datetime) -> ir.Table:
    """The lines of the period's orders: (order_id, product_id, title, product_type, units, net)."""
    orders = metrics._placed(t, store_id)
    orders = orders.filter(metrics._within(orders.created_at, since, until)).select(placed=orders.id)
    lines = t.line_items
    lines = lines.filter(lines.store_id == store_id)
    lines = lines.join(orders, lines.order_id == orders.placed)
    products = t.products
    products = products.filter(products.store_id == store_id).select(
        catalogue_id=products.id, catalogue_title=products.title, catalogue_type=products.product_type
    )
    lines = lines.left_join(products, lines.product_id == products.catalogue_id)
    return lines.select(
        order_id=lines.order_id,
        product_id=lines.product_id.fill_null(NO_PRODUCT),
        title=lines.catalogue_title,
        product_type=lines.catalogue_type.strip().nullif("").fill_null(NO_TYPE),
        units=lines.quantity.cast("int64"),
        net=lines.price * lines.quantity - lines.total_discount,
    )


def product_sales(t: metrics.Tables, store_id: int, since: datetime, until: datetime, by: str) -> ir.Table:
    """The TOP groups (`by` "product" or "type") with the most sales, `position` 0 to TOP - 1, and the
    rest as one row of `position` TOP: key, orders, units, net, and `groups` (how many in the row).
    By product, with the product's `title` (null without one)."""
    key = KEYS[by]
    lines = _sold_lines(t, store_id, since, until)
    # each line with its group's sales, then the groups ranked by them (one rank a group: ties by key)
    lines = lines.mutate(total=lines.net.sum().over(group_by=lines[key]))
    lines = lines.mutate(rank=ibis.dense_rank().over(order_by=[ibis.desc(lines.total), lines[key]]))
    lines = lines.mutate(position=ibis.least(lines["rank"], TOP))
    rows = lines.group_by("position").aggregate(
        key=_[key].max(), groups=_[key].nunique(), orders=_.order_id.nunique(), units=_.units.sum(),
        net=_.net.sum(), title=_.title.max(),
    )  # fmt: skip
    return rows if by == "product" else rows.drop("title")


def product_sales_of(
    t: metrics.Tables, store_id: int, since: datetime, until: datetime, by: str, keys: list
) -> ir.Table:
    """Net sales of the groups `keys` (one row each, `kept` true) and of all the others together (one
    row, `kept` false) in the period."""
    key = KEYS[by]
    lines = _sold_lines(t, store_id, since, until)
    kept = lines[key].isin(keys)
    lines = lines.mutate(
        kept=kept, key=ibis.ifelse(kept, lines[key], NO_TYPE if by == "type" else NO_PRODUCT)
    )
    return lines.group_by(["kept", "key"]).aggregate(net=_.net.sum())


@dataclass
class Sales:
    key: int | str | None  # a product's id (0: lines without one) or a type ("": none); None: the rest
    title: str | None  # a product's
    orders: int
    units: int
    net: Decimal
    previous: Decimal | None  # the previous period's sales of the same group; None: nothing sold then
    groups: int = 1  # the products or types in the row (the rest's)

    @property
    def other(self) -> bool:
        return self.key is None


@dataclass
class Products:
    since: date
    until: date  # the period's last day
    by_product: list[Sales] = field(default_factory=list)
    by_type: list[Sales] = field(default_factory=list)

    @property
    def sold(self) -> bool:
        return bool(self.by_product)


def build_products(
    store, *, days: int = 30, now: datetime | None = None, backend=None, tables=None, period=None
) -> Products:
    """Sales by product and by product type of the last `days` days (or of `period`, a reports.Period),
    with as many days before beside."""
    if period is not None:
        first, last, since, until, before = (
            period.first,
            period.last,
            period.since,
            period.until,
            period.previous_since,
        )
    else:
        first, last, since, until = period_bounds(store, days, now=now)
        before = datetime.combine(first - timedelta(days=days), time.min, tzinfo=_zone(store))
    report = Products(since=first, until=last)
    with engine(backend, tables) as (backend, tables):
        if tables.line_items is None or tables.products is None:  # a warehouse before its next sync
            return report
        for by, rows in (("product", report.by_product), ("type", report.by_type)):
            rows.extend(_current(backend.to_pyarrow(product_sales(tables, store.pk, since, until, by))))
            top = [row.key for row in rows if not row.other]
            if top:
                expr = product_sales_of(tables, store.pk, before, since, by, top)
                _add_previous(rows, backend.to_pyarrow(expr).to_pylist())
    return report


def _current(table) -> list[Sales]:
    found = sorted(table.to_pylist(), key=lambda row: row["position"])
    return [
        Sales(
            key=None if row["position"] >= TOP else row["key"],
            title=None if row["position"] >= TOP else row.get("title"),
            orders=row["orders"] or 0,
            units=row["units"] or 0,
            net=_money(row["net"]),
            previous=None,
            groups=row["groups"] or 0,
        )
        for row in found
    ]


def _add_previous(rows: list[Sales], previous: list[dict]) -> None:
    if not previous:
        return  # nothing sold in the previous period: None beside every row
    kept = {row["key"]: _money(row["net"]) for row in previous if row["kept"]}
    rest = sum((_money(row["net"]) for row in previous if not row["kept"]), Decimal(0))
    for row in rows:
        row.previous = rest if row.other else kept.get(row.key, Decimal("0.00"))


def _money(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))
