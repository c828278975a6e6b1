"""Help desk conversations in the warehouse: copied without their words, counted per 100 orders."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import ibis
import pytest
from django.db import connection

from cxloop.analytics import metrics
from cxloop.analytics.reports import build_dashboard, close_database_backend, database_backend, flattened
from cxloop.analytics.sync import sync_warehouse
from cxloop.analytics.warehouse import reading
from cxloop.commerce.models import Customer, Order
from cxloop.commerce.services.erasure import erase_customer
from cxloop.helpdesk.models import Conversation
from cxloop.helpdesk.tests.factories import open_conversation

from .test_metrics import spark, warehouse_on_spark  # noqa: F401 (spark: the module's Spark session)

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)  # the 7-day period: 27 November to 3 December (UTC)


@pytest.fixture
def desk(store, other_store):
    ania = Customer.objects.create(
        store=store, email="ania@example.pl", email_key="ania@example.pl", created_at=NOW, updated_at=NOW
    )
    for n, when in enumerate(["2026-11-28", "2026-11-29", "2026-11-30", "2026-12-01", "2026-11-22"]):
        Order.objects.create(
            store=store, customer=ania, platform="shopify", external_id=str(n), number=f"#{n}",
            currency="PLN", total=Decimal("10.00"), created_at=datetime.fromisoformat(f"{when}T10:00+00:00"),
        )  # fmt: skip
    for days_ago, shop in [(1, store), (2, store), (3, store), (9, store), (1, other_store)]:
        conversation, _message = open_conversation(shop, subject="Gdzie jest paczka?")
        at = NOW - timedelta(days=days_ago)
        Conversation.objects.filter(pk=conversation.pk).update(created_at=at, updated_at=at)
    Conversation.objects.filter(store=store).update(customer=ania)
    return store


def test_the_sync_copies_conversations_without_their_words(desk):
    sync_warehouse(now=NOW)

    with reading() as con:
        columns = {row[0] for row in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'conversations'"
        ).fetchall()}  # fmt: skip
        count = con.execute("SELECT count(*) FROM conversations").fetchone()[0]

    assert count == 5 and not columns & {"subject", "contact_email", "contact_name"}


def test_conversations_per_100_orders_against_the_period_before(desk):
    sync_warehouse(now=NOW)

    report = build_dashboard(desk, days=7, now=NOW)

    # 3 conversations and 4 orders this week (another store's not counted); 1 and 1 the week before
    assert (report.contact_rate.current, report.contact_rate.previous) == (Decimal("75.0"), Decimal("100.0"))


def test_an_erased_customers_conversations_stay_counted_without_them(desk):
    sync_warehouse(now=NOW)
    erase_customer(store=desk, customer=Customer.objects.get(store=desk))

    sync_warehouse(now=NOW + timedelta(minutes=1))

    with reading() as con:
        rows = con.execute(
            "SELECT count(*), count(customer_id) FROM conversations WHERE store_id = ?", [desk.pk]
        )
        assert rows.fetchone() == (4, 0)


def test_on_postgresql_the_database_gives_the_same_rate(desk):
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass (make test-postgres)")
    backend = database_backend()
    try:
        report = build_dashboard(
            desk, days=7, now=NOW, backend=backend, tables=metrics.database_tables(backend)
        )
    finally:
        close_database_backend()

    assert (report.contact_rate.current, report.contact_rate.previous) == (Decimal("75.0"), Decimal("100.0"))


def test_the_compiled_sql_reads_the_table_without_a_derived_one_and_answers_the_same(desk):
    sync_warehouse(now=NOW)
    since, until = NOW - timedelta(days=7), NOW
    with reading() as con:
        backend = ibis.duckdb.from_connection(con)
        tables = metrics.warehouse_tables(backend)
        ibis_sql = backend.compile(metrics.support_contacts(tables, desk.pk, since, until))
        flat = flattened(ibis_sql, tables)
        answers = [con.execute(sql).fetchall() for sql in (ibis_sql, flat)]

    assert "(SELECT" in ibis_sql and "(SELECT" not in flat
    assert answers[0] == answers[1] == [(3, 1)]


def test_a_query_with_a_join_is_left_as_ibis_wrote_it(desk):
    sync_warehouse(now=NOW)
    with reading() as con:
        backend = ibis.duckdb.from_connection(con)
        tables = metrics.warehouse_tables(backend)
        ibis_sql = backend.compile(metrics.referral_rate(tables, desk.pk, NOW - timedelta(days=7), NOW))

    assert " JOIN " in ibis_sql and flattened(ibis_sql, tables) == ibis_sql


def test_on_spark_the_same_definitions_give_the_same_rate(desk, spark, tmp_path):  # noqa: F811
    backend, tables = warehouse_on_spark(spark, tmp_path, NOW)

    report = build_dashboard(desk, days=7, now=NOW, backend=backend, tables=tables)

    assert (report.contact_rate.current, report.contact_rate.previous) == (Decimal("75.0"), Decimal("100.0"))
