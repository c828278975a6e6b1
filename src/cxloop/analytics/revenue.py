"""The reports page's Revenue card: the period's sales against the same number of days before.

    revenue = compare_revenue(current, previous)   # two reports.Figures (build_dashboard does it)
    revenue.gross.current, revenue.refunds.previous, revenue.new_net.change

Every figure is of the orders placed in the period and not cancelled (metrics.revenue,
metrics.customer_mix): gross sales are their totals, refunds what was refunded of them,
net the difference; the average order is gross / orders, as on the key numbers. Net is
split by who ordered: customers whose first order ever is in the period (new), customers
who had ordered before it (returning), and orders without a customer record (guest
checkouts), so the three add up to the net.
"""

from dataclasses import dataclass
from decimal import Decimal

from cxloop.web.queries import Comparison


@dataclass
class Revenue:
    gross: Comparison
    refunds: Comparison
    net: Comparison
    orders: Comparison
    average_order: Comparison
    new_net: Comparison
    returning_net: Comparison
    guest_net: Comparison


def compare_revenue(current, previous) -> Revenue:
    """The Revenue card from two periods' reports.Figures. A period before without an order is no
    earlier data (as the key numbers' net revenue); one with orders is, even where a figure of it is
    zero (nothing refunded, no guest): the page shows that zero, without a per cent of change."""
    had_orders = previous.orders > 0

    def amount(now: Decimal, before: Decimal) -> Comparison:
        return Comparison(now, before if had_orders else None)

    return Revenue(
        gross=amount(current.gross, previous.gross),
        refunds=amount(current.refunds, previous.refunds),
        net=amount(current.net, previous.net),
        orders=Comparison(current.orders, previous.orders if had_orders else None),
        average_order=Comparison(current.average_order, previous.average_order),
        new_net=amount(current.new_net, previous.new_net),
        returning_net=amount(current.returning_net, previous.returning_net),
        guest_net=amount(_guest_net(current), _guest_net(previous)),
    )


def _guest_net(figures) -> Decimal:
    """The net of orders without a customer record: neither new nor returning."""
    return figures.net - figures.new_net - figures.returning_net
