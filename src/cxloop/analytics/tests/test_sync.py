"""The warehouse follows the store mirror: new and changed rows, erasures, deleted stores, resumed syncs."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from cxloop.analytics.models import WarehouseErasure
from cxloop.analytics.sync import OVERLAP, sync_warehouse
from cxloop.analytics.warehouse import reading
from cxloop.commerce.models import Customer, Event, Order
from cxloop.commerce.services.erasure import erase_customer
from cxloop.core import services as core_services

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def customer(store, name):
    return Customer.objects.create(
        store=store, email=f"{name}@example.com", email_key=f"{name}@example.com", first_name=name,
        created_at=T0, updated_at=T0,
    )  # fmt: skip


def order(store, who, n, total="10.00"):
    return Order.objects.create(
        store=store, customer=who, platform="shopify", external_id=str(n), number=f"#{n}", currency="PLN",
        total=Decimal(total), created_at=T0, referrer="https://www.google.com/search?q=ania+kowalska",
    )  # fmt: skip


def event(store, n, who=None, anonymous="a1"):
    return Event.objects.create(
        store=store, event_id=f"e{n}", type="page_view", customer=who, anonymous_id=anonymous,
        session_id="s1", occurred_at=T0, received_at=T0,
    )  # fmt: skip


def warehouse(sql: str, params=()):
    with reading() as con:
        return con.execute(sql, list(params)).fetchall()


def test_a_first_sync_copies_everything_in_chunks_and_keeps_no_personal_text(store):
    ania = customer(store, "ania")
    with time_machine.travel(T0, tick=False):
        for n in range(7):
            order(store, ania, n)
            event(store, n, ania)

    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        result = sync_warehouse(chunk=3)

    assert result.copied == {
        "customers": 1, "orders": 7, "events": 7, "conversations": 0, "messages": 0, "conversation_tags": 0,
        "responses": 0, "products": 0, "line_items": 0,
    }  # fmt: skip
    assert warehouse("SELECT count(*), sum(total) FROM orders") == [(7, Decimal("70.00"))]
    assert warehouse("SELECT DISTINCT referrer_host FROM orders") == [("www.google.com",)]  # never the query
    assert "email" not in {row[0] for row in warehouse("SELECT column_name FROM information_schema.columns")}


def test_a_later_sync_copies_what_changed_since_and_a_changed_order_replaces_itself(store):
    ania = customer(store, "ania")
    with time_machine.travel(T0, tick=False):
        first = order(store, ania, 1)
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        sync_warehouse()
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        order(store, ania, 2, "20.00")
        first.refunded_amount = Decimal("4.00")
        first.save()
        event(store, 1)
    with time_machine.travel(T0 + timedelta(minutes=6), tick=False):
        again = sync_warehouse()

    assert again.copied["orders"] == 2 and again.copied["events"] == 1
    assert warehouse("SELECT id, total, refunded_amount FROM orders ORDER BY id") == [
        (first.pk, Decimal("10.00"), Decimal("4.00")), (first.pk + 1, Decimal("20.00"), Decimal("0.00")),
    ]  # fmt: skip


def test_rows_written_just_before_the_last_sync_are_read_again_and_not_doubled(store):
    ania = customer(store, "ania")
    with time_machine.travel(T0, tick=False):
        order(store, ania, 1)
    with time_machine.travel(T0 + OVERLAP / 2, tick=False):
        sync_warehouse()
        again = sync_warehouse()  # inside the overlap: read again, replaced, counted once in the table

    assert again.copied["orders"] == 1
    assert warehouse("SELECT count(*) FROM orders") == [(1,)]


def test_an_erased_customer_leaves_the_warehouse_at_the_next_sync_and_their_orders_stay_anonymous(store):
    ania, ben = customer(store, "ania"), customer(store, "ben")
    with time_machine.travel(T0, tick=False):
        order(store, ania, 1)
        order(store, ben, 2)
    event(store, 1, ania, anonymous="a-ania")
    event(store, 2, None, anonymous="a-ania")  # before she signed in
    event(store, 3, ben, anonymous="a-ben")
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        sync_warehouse()
    with time_machine.travel(T0 + timedelta(minutes=2), tick=False):
        erase_customer(store=store, customer=ania)
    with time_machine.travel(T0 + timedelta(minutes=3), tick=False):
        result = sync_warehouse()

    assert result.erased == 1 and not WarehouseErasure.objects.exists()
    assert warehouse("SELECT id FROM customers") == [(ben.pk,)]
    assert warehouse("SELECT anonymous_id FROM events") == [("a-ben",)]
    assert sorted(warehouse("SELECT customer_id, total FROM orders"), key=str) == sorted(
        [(None, Decimal("10.00")), (ben.pk, Decimal("10.00"))], key=str
    )


def test_a_deleted_store_leaves_the_warehouse(store):
    gone, _ = core_services.create_store(name="Gone", currency="EUR", slug="gone")
    with time_machine.travel(T0, tick=False):
        order(gone, customer(gone, "x"), 1)
        order(store, None, 2)
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        sync_warehouse()
    gone.delete()
    with time_machine.travel(T0 + timedelta(minutes=2), tick=False):
        sync_warehouse()

    assert warehouse(
        "SELECT DISTINCT store_id FROM orders UNION SELECT DISTINCT store_id FROM customers"
    ) == [(store.pk,)]


def test_an_event_committed_late_below_a_seen_id_is_copied_and_a_quick_second_sync_copies_nothing_again(
    store,
):
    def make(pk):
        Event.objects.create(
            pk=pk, store=store, event_id=f"e{pk}", type="page_view", session_id="s", occurred_at=T0,
            received_at=T0,
        )  # fmt: skip

    make(100)
    make(200)
    with time_machine.travel(T0, tick=False):
        first = sync_warehouse()
    make(150)  # its transaction began before the first sync read 200, and committed after
    with time_machine.travel(T0 + timedelta(seconds=30), tick=False):
        second = sync_warehouse()
    with time_machine.travel(T0 + timedelta(seconds=35), tick=False):  # "Update now" just after
        third = sync_warehouse()

    assert first.copied["events"] == 2
    assert second.copied["events"] == 3  # read again from the safe start: 150 is not lost
    assert third.copied["events"] == 0  # never back to the first event
    assert warehouse("SELECT id FROM events ORDER BY id") == [(100,), (150,), (200,)]


def test_a_warehouse_from_before_a_new_column_gets_it_and_its_table_is_copied_again(store):
    from cxloop.analytics.warehouse import writing

    with time_machine.travel(T0, tick=False):
        for n in range(3):
            Event.objects.create(
                store=store, event_id=f"e{n}", type="page_view", anonymous_id="a1", session_id="s1",
                occurred_at=T0, received_at=T0, properties={"utm_source": "Newsletter", "ref": "x"},
            )  # fmt: skip
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        sync_warehouse()
    with writing() as con:  # as an earlier version left it: no `source`, no `referred`
        con.execute("ALTER TABLE events DROP COLUMN source")
        con.execute("ALTER TABLE events DROP COLUMN referred")
    # Reports read such a warehouse without the columns (nobody's visit has a source yet).
    import ibis

    from cxloop.analytics import metrics

    with reading() as con:
        events = metrics.warehouse_tables(ibis.duckdb.from_connection(con)).events
        assert "source" in events.columns

    with time_machine.travel(T0 + timedelta(minutes=2), tick=False):
        result = sync_warehouse()

    assert result.copied["events"] == 3  # copied again from the start, to fill the new columns
    assert warehouse("SELECT DISTINCT source, referred FROM events") == [("newsletter", True)]


def test_visits_made_before_an_identify_become_the_customers_in_the_warehouse_too(store):
    from cxloop.analytics.models import WarehouseLink
    from cxloop.commerce.services.events import parse_events, record_events

    def send(*events):
        record_events(store=store, events=parse_events([dict(e) for e in events]), trusted=True)

    with time_machine.travel(T0, tick=False):
        send({"event_id": "v1", "type": "page_view", "anonymous_id": "a-ewa", "occurred_at": T0.isoformat()})
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        sync_warehouse()  # copied as anonymous
        send({"event_id": "v2", "type": "identify", "anonymous_id": "a-ewa", "occurred_at": T0.isoformat(),
              "properties": {"email": "ewa@example.pl"}})  # fmt: skip
    ewa = Customer.objects.get(email_key="ewa@example.pl")
    assert WarehouseLink.objects.count() == 1

    with time_machine.travel(T0 + timedelta(minutes=2), tick=False):
        result = sync_warehouse()

    assert result.linked == 1 and not WarehouseLink.objects.exists()
    assert sorted(warehouse("SELECT type, customer_id FROM events")) == [
        ("identify", ewa.pk), ("page_view", ewa.pk),
    ]  # fmt: skip


def test_the_warehouse_keeps_that_an_order_was_referred_never_the_code_and_erasure_keeps_it_so(store):
    ola, zofia = customer(store, "ola"), customer(store, "zofia")
    with time_machine.travel(T0, tick=False):
        referred = order(store, zofia, 1)
        Order.objects.filter(pk=referred.pk).update(referral_code=ola.referral_code)
        order(store, ola, 2)
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        sync_warehouse()
    copied = warehouse("SELECT id, referred FROM orders ORDER BY id")

    with time_machine.travel(T0 + timedelta(minutes=2), tick=False):
        erase_customer(store=store, customer=ola)  # the referrer: the order stays referred, without her code
    with time_machine.travel(T0 + timedelta(minutes=3), tick=False):
        sync_warehouse()

    assert copied == [(referred.pk, True), (referred.pk + 1, False)]
    assert warehouse("SELECT id, referred FROM orders ORDER BY id") == copied
    columns = {row[0] for row in warehouse("SELECT column_name FROM information_schema.columns")}
    assert "referral_code" not in columns and "referred" in columns
    assert ola.referral_code not in str(warehouse("SELECT * FROM orders"))


def test_a_warehouse_made_before_orders_had_referred_reads_and_then_fills_it(store):
    from cxloop.analytics.warehouse import writing

    ola, zofia = customer(store, "ola"), customer(store, "zofia")
    with time_machine.travel(T0, tick=False):
        Order.objects.filter(pk=order(store, zofia, 1).pk).update(referral_code=ola.referral_code)
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        sync_warehouse()
    with writing() as con:  # as an earlier version left it
        con.execute("ALTER TABLE orders DROP COLUMN referred")
    import ibis

    from cxloop.analytics import metrics

    with reading() as con:
        assert "referred" in metrics.warehouse_tables(ibis.duckdb.from_connection(con)).orders.columns

    with time_machine.travel(T0 + timedelta(minutes=2), tick=False):
        result = sync_warehouse()

    assert result.copied["orders"] == 1 and warehouse("SELECT referred FROM orders") == [(True,)]
