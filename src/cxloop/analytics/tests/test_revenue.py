"""The Revenue card: gross, refunds, net, orders, average order and the net of new, returning and guest
orders, each against the period before; worked out by hand on test_metrics' shop, on every engine."""

import re
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from cxloop.analytics import metrics
from cxloop.analytics.reports import Figures, build_dashboard, close_database_backend, database_backend
from cxloop.analytics.revenue import compare_revenue
from cxloop.analytics.sync import sync_warehouse

from .test_metrics import NOW, shop, spark, warehouse_on_spark  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db(transaction=True)  # PostgreSQL is read by its own connection

# 27 November to 3 December in Warsaw: ania 50 (10 refunded, had ordered in October), ben 80 and 20 (his
# first orders), dana 25 (her first, 00:30 on the 27th), a guest 30; chen's 60 was cancelled and dana's
# 999 is on 4 December. The 7 days before: chen's first order, 40.
EXPECTED = {
    "gross": (Decimal("205.00"), Decimal("40.00")),
    "refunds": (Decimal("10.00"), Decimal("0.00")),
    "net": (Decimal("195.00"), Decimal("40.00")),
    "orders": (5, 1),
    "average_order": (Decimal("41.00"), Decimal("40.00")),  # 205 / 5
    "new_net": (Decimal("125.00"), Decimal("40.00")),  # ben's 100 and dana's 25; chen's 40
    "returning_net": (Decimal("40.00"), Decimal("0.00")),  # ania's 50 less 10
    "guest_net": (Decimal("30.00"), Decimal("0.00")),
}


def revenue(report) -> dict:
    return {
        name: (getattr(report.revenue, name).current, getattr(report.revenue, name).previous)
        for name in EXPECTED
    }


def tiles(html: str) -> list[str]:
    """The Revenue card's tiles as text, one a tile."""
    card = html.split('aria-labelledby="revenue-title"', 1)[1].split("</section>", 1)[0]
    card = re.sub(r"<h3.*?</h3>", "", card)
    texts = [re.sub(r"<[^>]+>", " ", tile) for tile in card.split('<div class="kpi">')[1:]]
    return [" ".join(text.replace("\u00a0", " ").split()) for text in texts]


def test_from_the_warehouse_the_card_matches_the_hand_computed_answers(shop):  # noqa: F811
    sync_warehouse(now=NOW)

    report = build_dashboard(shop, days=7, now=NOW)

    assert revenue(report) == EXPECTED
    assert report.revenue.gross.change == Decimal("412.5") and report.revenue.new_net.change == Decimal(
        "212.5"
    )
    assert report.revenue.refunds.change is None  # nothing refunded before: no per cent of it


def test_without_an_order_before_every_figure_before_is_no_earlier_data():
    def figures(orders, gross, refunds, new_net, returning_net):
        return Figures(
            orders=orders, gross=Decimal(gross), refunds=Decimal(refunds),
            net=Decimal(gross) - Decimal(refunds),
            customers=0, new_customers=0, buyers=0, repeat_buyers=0, active=0, first_buyers=0, referred=0,
            referred_by=(0, 0, 0), conversations=0, funnel={}, buckets={}, new_net=Decimal(new_net),
            returning_net=Decimal(returning_net),
        )  # fmt: skip

    card = compare_revenue(figures(2, "90.00", "10.00", "50.00", "20.00"), figures(0, "0", "0", "0", "0"))

    shown = (card.gross, card.orders, card.average_order, card.guest_net)
    assert [(figure.current, figure.previous) for figure in shown] == [
        (Decimal("90.00"), None), (2, None), (Decimal("45.00"), None), (Decimal("10.00"), None),
    ]  # fmt: skip


def test_on_postgresql_the_database_gives_the_same_card(shop):  # noqa: F811
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass (make test-postgres)")
    backend = database_backend()
    try:
        direct = build_dashboard(
            shop, days=7, now=NOW, backend=backend, tables=metrics.database_tables(backend)
        )
    finally:
        close_database_backend()

    assert revenue(direct) == EXPECTED


def test_on_spark_the_same_definitions_give_the_same_card(shop, spark, tmp_path):  # noqa: F811
    backend, tables = warehouse_on_spark(spark, tmp_path, NOW)

    on_spark = build_dashboard(shop, days=7, now=NOW, backend=backend, tables=tables)

    assert revenue(on_spark) == EXPECTED


def test_the_page_shows_each_figure_with_the_one_before_and_the_change(shop, agent_client):  # noqa: F811
    sync_warehouse(now=NOW)

    with time_machine.travel(NOW, tick=False):
        html = agent_client.get(reverse("analytics:dashboard"), {"days": "7"}).content.decode()

    assert tiles(html) == [
        "Gross sales 205.00 PLN ▲ up 412.5% before: 40.00 PLN",
        "Refunds 10.00 PLN before: 0.00 PLN",  # nothing refunded before: no per cent of a zero
        "Net revenue 195.00 PLN ▲ up 387.5% before: 40.00 PLN",
        "Orders 5 ▲ up 400% before: 1",
        "Average order 41.00 PLN ▲ up 2.5% before: 40.00 PLN",
        "From new customers 125.00 PLN ▲ up 212.5% before: 40.00 PLN",
        "From returning customers 40.00 PLN before: 0.00 PLN",
        "From guest checkouts 30.00 PLN before: 0.00 PLN",
    ]
    assert html.index("Revenue</h2>") > html.index("New customers referred")  # after the key numbers


def test_in_persian_the_card_writes_persian_digits(shop, staff_client):  # noqa: F811
    sync_warehouse(now=NOW)

    with time_machine.travel(NOW, tick=False):
        html = staff_client.get(
            reverse("analytics:dashboard"), {"days": "7"}, HTTP_ACCEPT_LANGUAGE="fa"
        ).content
    texts = tiles(html.decode())

    assert "۲۰۵٫۰۰ PLN" in texts[0] and "۴۰٫۰۰ PLN" in texts[0] and "۴۱۲٫۵٪" in texts[0]
    assert "۱۲۵٫۰۰ PLN" in texts[5]
