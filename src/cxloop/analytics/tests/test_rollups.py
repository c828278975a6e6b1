"""The rollups the sync keeps (analytics.rollups) equal the same tables worked out from scratch from the
store mirror, whatever happened between syncs; and the tiles read from them answer as from the copies."""

import dataclasses
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import duckdb
import ibis
import pytest
import time_machine
from django.utils import timezone

from cxloop.analytics import metrics
from cxloop.analytics.reports import build_dashboard, compute_figures, period_bounds
from cxloop.analytics.rollups import SESSION_KEY, zone_of
from cxloop.analytics.sync import OVERLAP, sync_warehouse
from cxloop.analytics.warehouse import reading, writing
from cxloop.commerce import services as commerce
from cxloop.commerce.models import Customer, Event, Order
from cxloop.commerce.services.erasure import erase_customer
from cxloop.core import services as core_services
from cxloop.core.models import Store

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def customer(store, name):
    return Customer.objects.create(
        store=store, email=f"{name}@example.com", email_key=f"{name}@example.com", first_name=name,
        created_at=T0, updated_at=T0,
    )  # fmt: skip


def order(store, who, when, total="10.00", *, cancelled=False):
    order.n += 1
    return Order.objects.create(
        store=store, customer=who, platform="shopify", external_id=str(order.n), number=f"#{order.n}",
        currency="PLN", total=Decimal(total), created_at=at(when),
        cancelled_at=at(when) if cancelled else None,
    )  # fmt: skip


order.n = 0


def event(store, session, kind, when, who=None, anonymous=None):
    event.n += 1
    return Event.objects.create(
        store=store, event_id=f"e{event.n}", type=kind, session_id=session,
        anonymous_id=anonymous or f"a-{session}", customer=who, occurred_at=at(when),
        received_at=timezone.now(),
    )  # fmt: skip


event.n = 0


def sync_at(moment: datetime, **options):
    with time_machine.travel(moment, tick=False):
        return sync_warehouse(**options)


def kept() -> tuple[list, list]:
    """The warehouse's customer_orders and session_days rows, in order (a row twice would show)."""
    with reading() as con:
        customers = con.execute(
            "SELECT store_id, customer_id, first_order_at, first_order_id, second_order_at "
            "FROM customer_orders"
        )
        customers = sorted(customers.fetchall(), key=str)
        sessions = con.execute("SELECT store_id, day_start, session_key, steps FROM session_days")
        sessions = sorted(sessions.fetchall(), key=str)
    return customers, sessions


def from_scratch() -> tuple[list, list]:
    """The same two tables worked out in Python from the store mirror as it is now."""
    firsts: dict[tuple, list] = {}
    placed = Order.objects.filter(cancelled_at__isnull=True, customer__isnull=False)
    for row in placed.order_by("created_at", "pk"):
        firsts.setdefault((row.store_id, row.customer_id), []).append(row)
    customers = [
        (*key, rows[0].created_at, rows[0].pk, rows[1].created_at if len(rows) > 1 else None)
        for key, rows in firsts.items()
    ]
    zones = {store.pk: zone_of(store.timezone) for store in Store.objects.all()}
    steps: dict[tuple, int] = {}
    for row in Event.objects.exclude(session_id="").filter(type__in=metrics.FUNNEL_STEPS):
        zone = zones[row.store_id]
        day = row.occurred_at.astimezone(zone).date()
        day_start = datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)  # as DuckDB gives it
        key = (row.store_id, day_start, session_key(row.session_id))
        steps[key] = steps.get(key, 0) | metrics.step_bit(row.type)
    return sorted(customers, key=str), sorted(((*key, bits) for key, bits in steps.items()), key=str)


def session_key(session_id: str) -> int:
    return duckdb.execute(f"SELECT {SESSION_KEY.format('?')}", [session_id]).fetchone()[0]


@pytest.fixture
def warsaw(store):
    store.timezone = "Europe/Warsaw"
    store.save(update_fields=["timezone"])
    return store


def test_rollups_kept_through_syncs_equal_them_worked_out_from_scratch(warsaw, other_store):
    ania, ben, chen, dana = (customer(warsaw, name) for name in ("ania", "ben", "chen", "dana"))
    with time_machine.travel(T0, tick=False):
        first = order(warsaw, ania, "2026-11-20T10:00")
        refunded = order(warsaw, ania, "2026-11-25T10:00")
        moved = order(warsaw, ben, "2026-11-26T10:00")
        order(warsaw, chen, "2026-11-27T09:00", cancelled=True)
        removed = order(warsaw, chen, "2026-11-27T10:00")
        order(warsaw, None, "2026-11-27T11:00")  # a guest
        order(warsaw, dana, "2026-11-27T12:00")
        order(other_store, None, "2026-11-27T12:00")
        # one session across midnight in Warsaw: 23:30 on the 27th, 00:30 on the 28th
        event(warsaw, "s1", "page_view", "2026-11-27T22:30", ania)
        event(warsaw, "s1", "product_view", "2026-11-27T22:40", ania)
        event(warsaw, "s1", "add_to_cart", "2026-11-27T23:30", ania)
        event(warsaw, "s1", "search", "2026-11-27T23:31", ania)  # not a step
        event(warsaw, "", "identify", "2026-11-27T23:32", ania)  # no session
        event(warsaw, "s3", "page_view", "2026-11-27T08:00", dana, anonymous="a-dana")
        event(warsaw, "s3", "product_view", "2026-11-27T08:01", None, anonymous="a-dana")
        event(warsaw, "s3", "add_to_cart", "2026-11-27T08:02", None, anonymous="a-shared")
        event(other_store, "s1", "page_view", "2026-11-27T23:30")  # the same session id, another store
    sync_at(T0 + timedelta(minutes=1), chunk=2)
    assert kept() == from_scratch()

    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        refunded.refunded_amount = Decimal("4.00")
        refunded.save()
        first.cancelled_at = T0
        first.save()  # ania's first order is now the one of the 25th
        order(warsaw, ania, "2026-11-28T11:00")  # and her second this one
        moved.customer = chen
        moved.save()  # given to chen: ben has no order left, chen's first is earlier
        assert commerce.remove_order(store=warsaw, platform="shopify", external_id=removed.external_id)
        # late: after the sync, an event of the 28th in Warsaw (23:10 UTC on the 27th) and of the 26th
        event(warsaw, "s1", "checkout_started", "2026-11-27T23:10", ania)
        event(warsaw, "s2", "page_view", "2026-11-26T10:00")
        event(warsaw, "s2", "order_placed", "2026-11-28T11:50")
    sync_at(T0 + timedelta(minutes=6), chunk=2)
    sync_at(T0 + timedelta(minutes=6) + OVERLAP / 2, chunk=2)  # reads the last changes again
    assert kept() == from_scratch()
    assert ben.pk not in {row[1] for row in kept()[0]}
    with reading() as con:
        assert con.execute("SELECT count(*) FROM orders WHERE id = ?", [removed.pk]).fetchone() == (0,)

    with time_machine.travel(T0 + timedelta(minutes=10), tick=False):
        erase_customer(store=warsaw, customer=dana)
        other_store.timezone = "Asia/Shanghai"  # its days are cut again
        other_store.save(update_fields=["timezone"])
        gone, _key = core_services.create_store(name="Gone", currency="EUR", slug="gone")
        order(gone, customer(gone, "x"), "2026-11-27T10:00")
        event(gone, "g1", "page_view", "2026-11-27T10:00")
    sync_at(T0 + timedelta(minutes=11))
    customers, sessions = kept()
    assert (customers, sessions) == from_scratch()
    assert dana.pk not in {row[1] for row in customers}
    assert any(row[0] == gone.pk for row in sessions)
    # s3 keeps only the add to cart of someone else (a-shared)
    assert {row[2] for row in sessions if row[0] == warsaw.pk and row[3] == 4} == {session_key("s3")}

    gone.delete()
    sync_at(T0 + timedelta(minutes=12))
    customers, sessions = kept()
    assert (customers, sessions) == from_scratch()
    assert gone.pk not in {row[0] for row in customers + sessions}


def test_a_first_sync_into_an_empty_warehouse_keeps_the_same_rollups(warsaw, settings, tmp_path):
    ania, ben = customer(warsaw, "ania"), customer(warsaw, "ben")
    with time_machine.travel(T0, tick=False):
        for n in range(5):
            order(warsaw, ania, f"2026-11-2{n}T23:30")
            event(warsaw, f"s{n % 2}", metrics.FUNNEL_STEPS[n], f"2026-11-2{n}T23:30", ania)
        tied = [order(warsaw, ben, "2026-11-22T10:00") for _n in range(2)]  # the same instant
    for n in range(3):
        sync_at(T0 + timedelta(minutes=1 + n), chunk=3)
    incremental = kept()

    settings.CXLOOP_WAREHOUSE_PATH = tmp_path / "fresh.duckdb"
    sync_at(T0 + timedelta(minutes=5))

    assert kept() == incremental == from_scratch()
    assert len(incremental[1]) == 5  # five Warsaw days, each one session's
    bens = [row for row in incremental[0] if row[1] == ben.pk]
    assert bens == [(warsaw.pk, ben.pk, tied[0].created_at, tied[0].pk, tied[0].created_at)]


def test_a_warehouse_made_before_the_rollups_reads_without_them_and_gets_them_at_the_next_sync(warsaw):
    ania = customer(warsaw, "ania")
    with time_machine.travel(T0, tick=False):
        order(warsaw, ania, "2026-11-20T10:00")
        order(warsaw, ania, "2026-11-27T10:00")
        event(warsaw, "s1", "page_view", "2026-11-27T10:00", ania)
    sync_at(T0 + timedelta(minutes=1))
    with writing() as con:  # as an earlier version left it
        for name in ("customer_orders", "session_days", "rollup_zones"):
            con.execute(f"DROP TABLE {name}")
    with time_machine.travel(T0 + timedelta(minutes=2), tick=False):
        before = build_dashboard(warsaw, days=7)

    sync_at(T0 + timedelta(minutes=3))
    with time_machine.travel(T0 + timedelta(minutes=4), tick=False):
        after = build_dashboard(warsaw, days=7)

    assert kept() == from_scratch() and len(kept()[0]) == 1
    assert (before.new_customers.current, before.repeat_rate.current) == (0, Decimal("100.0"))
    assert after == before


def test_the_tiles_from_the_rollups_answer_as_from_the_copies_across_a_summer_time_change(warsaw):
    """Warsaw left summer time on 25 October 2026, at 01:00 UTC: a week over it is 7 days and an hour."""
    people = [customer(warsaw, name) for name in ("ania", "ben", "chen")]
    times = ["2026-10-18T22:30", "2026-10-24T21:59", "2026-10-24T22:00", "2026-10-25T22:59",
             "2026-10-25T23:00", "2026-10-31T22:59", "2026-10-31T23:00", "2026-11-01T12:00"]  # fmt: skip
    with time_machine.travel(T0, tick=False):
        for n, when in enumerate(times):
            who = people[n % 3]
            order(warsaw, who, when, f"{10 + n}.00", cancelled=n == 4)
            event(warsaw, f"s{n // 2}", metrics.FUNNEL_STEPS[n % 5], when, who)
            event(warsaw, f"s{n // 2}", "page_view", when)
    sync_at(T0 + timedelta(minutes=1))
    now = datetime(2026, 11, 1, 13, 0, tzinfo=UTC)

    with reading() as con:
        backend = ibis.duckdb.from_connection(con)
        tables = metrics.warehouse_tables(backend)
        assert tables.session_days is not None and tables.customer_orders is not None
        copies = dataclasses.replace(tables, customer_orders=None, session_days=None)
        for days in (1, 7, 14):
            _first, _last, since, until = period_bounds(warsaw, days, now=now)
            kept_figures = compute_figures(backend, tables, warsaw.pk, since, until)
            assert kept_figures == compute_figures(backend, copies, warsaw.pk, since, until)
        assert kept_figures.funnel["page_view"] == 4 and kept_figures.new_customers == 3

    with time_machine.travel(now, tick=False):
        report = build_dashboard(warsaw, days=7)  # 26 October to 1 November; before: 19 to 25 October
    # the week before is 19 to 25 October whole (7 days and an hour): its first order at 00:30 on the 19th
    assert (report.orders.current, report.orders.previous) == (3, 4)


def test_an_event_dated_in_the_year_1_is_left_out_of_the_days_and_stops_nothing(warsaw):
    with time_machine.travel(T0, tick=False):
        event(warsaw, "s1", "page_view", "0001-01-01T00:00")  # the API takes any past date
        event(warsaw, "s1", "product_view", "2026-11-27T10:00")

    result = sync_at(T0 + timedelta(minutes=1))

    assert result.copied["events"] == 2
    day = datetime(2026, 11, 26, 23, 0, tzinfo=UTC)  # 27 November in Warsaw
    assert kept()[1] == [(warsaw.pk, day, session_key("s1"), metrics.step_bit("product_view"))]


def test_a_late_event_just_after_midnight_in_summer_time_joins_its_days_row(warsaw):
    """In November the store is an hour from UTC, in July two: the day an event is first guessed on
    (at today's offset) is the day before, and its row must still be found."""
    with time_machine.travel(T0, tick=False):
        event(warsaw, "s1", "page_view", "2026-07-11T10:00")  # noon on 11 July in Warsaw
    sync_at(T0 + timedelta(minutes=1))
    sync_at(T0 + timedelta(minutes=2))  # the next one reads only what comes after
    with time_machine.travel(T0 + timedelta(minutes=3), tick=False):
        event(warsaw, "s1", "product_view", "2026-07-10T22:30")  # 00:30 on 11 July in Warsaw
    result = sync_at(T0 + timedelta(minutes=4))

    day = datetime(2026, 7, 10, 22, 0, tzinfo=UTC)
    assert result.copied["events"] == 1
    assert kept()[1] == from_scratch()[1] == [(warsaw.pk, day, session_key("s1"), 3)]
