"""The help desk in the store's numbers: the contact rate of the period's buyers, and orders after a resolved
conversation, against answers worked out by hand and against the help desk's own report; on DuckDB,
PostgreSQL and Spark alike."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection

from cxloop.analytics import metrics
from cxloop.analytics.reports import build_dashboard, close_database_backend, database_backend
from cxloop.analytics.support import build_support, count_outcomes
from cxloop.analytics.sync import sync_warehouse
from cxloop.commerce.models import Order
from cxloop.helpdesk.reports import ReportPeriod
from cxloop.helpdesk.reports.outcomes import outcomes
from cxloop.helpdesk.services import conversations as desk
from cxloop.helpdesk.tests.factories import customer_writes, open_conversation
from cxloop.surveys.tests.factories import make_customer

from .test_metrics import spark, warehouse_on_spark  # noqa: F401 (spark: the module's Spark session)

pytestmark = pytest.mark.django_db(transaction=True)  # PostgreSQL is read by its own connection

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)  # 7 days: 27 November to 3 December; before: 20-26 November
PERIOD = (date(2026, 8, 1), date(2026, 9, 30))  # the outcomes' period; windows ended by 4 September 12:00


def at(text: str) -> datetime:
    return datetime.fromisoformat(f"{text}T10:00+00:00")


def customer(store, name, since):
    with time_machine.travel(at(since), tick=False):
        return make_customer(store, email=f"{name}@example.pl", first_name=name)


def order(store, who, when, *, cancelled=False):
    order.n += 1
    Order.objects.create(
        store=store, customer=who, platform="shopify", external_id=str(order.n), number=f"#{order.n}",
        currency="PLN", total=Decimal("10.00"), created_at=at(when),
        cancelled_at=at(when) if cancelled else None,
    )  # fmt: skip


order.n = 0


def talk(store, email, opened, *, resolved=None, actor=None):
    """A conversation opened by `email` on that day, resolved on another (by `actor`)."""
    with time_machine.travel(at(opened), tick=False):
        conversation, _message = open_conversation(store, from_email=email)
    if resolved:
        with time_machine.travel(at(resolved), tick=False):
            desk.set_status(conversation=conversation, status="resolved", actor=actor)
    return conversation


@pytest.fixture
def desk_year(store, other_store, owner):
    store.timezone = "Europe/Warsaw"
    store.save(update_fields=["timezone"])
    # Orders after a resolved conversation: customers known since June 2025.
    olga, pawel, rita, sara, tom, uma, base1, base2, base3 = (
        customer(store, name, "2025-06-01")
        for name in ("olga", "pawel", "rita", "sara", "tom", "uma", "base1", "base2", "base3")
    )
    customer(store, "late", "2026-08-05")  # known after the period began: no baseline
    talk(store, "olga@example.pl", "2026-08-03", resolved="2026-08-03", actor=owner)
    order(store, olga, "2026-09-01")  # within 90 days: came back
    talk(store, "pawel@example.pl", "2026-08-04", resolved="2026-08-04", actor=owner)
    order(store, pawel, "2026-09-01", cancelled=True)  # a cancelled order is no order
    talk(store, "rita@example.pl", "2026-09-20", resolved="2026-09-20", actor=owner)  # window still open
    talk(store, "sara@example.pl", "2026-08-10", resolved="2026-08-10", actor=owner)  # her window starts here
    talk(store, "sara@example.pl", "2026-08-25", resolved="2026-08-25", actor=owner)
    order(store, sara, "2026-11-15")  # 97 days after her first resolution: too late
    reopened = talk(store, "tom@example.pl", "2026-08-05", resolved="2026-08-05", actor=owner)
    with time_machine.travel(at("2026-08-06"), tick=False):
        customer_writes(store, reopened, text="Still broken.")  # open again: not resolved
    kept = talk(store, "uma@example.pl", "2026-07-01")
    duplicate = talk(store, "uma@example.pl", "2026-08-06")
    with time_machine.travel(at("2026-08-07"), tick=False):
        desk.merge(source=duplicate, target=kept, actor=owner)  # resolved by the merge: not counted
    talk(store, "vera@example.pl", "2026-08-08", resolved="2026-08-08", actor=owner)  # no customer record
    order(store, base1, "2026-10-15")  # within 90 days of the period's start
    order(store, base2, "2026-11-15")  # later
    order(store, base3, "2025-10-01")  # within 90 days of the card's year's start (4 September 2025)

    # The contact rate: customers known since October 2026.
    ania, ben, chen, dana, erin, fay, gil = (
        customer(store, name, "2026-10-01") for name in ("ania", "ben", "chen", "dana", "erin", "fay", "gil")
    )
    order(store, ania, "2026-11-28")
    talk(store, "ania@example.pl", "2026-11-29")  # wrote: contacted
    order(store, ben, "2026-11-21")
    order(store, ben, "2026-11-29")
    talk(store, "ben@example.pl", "2026-11-20", resolved="2026-11-28", actor=owner)  # opened the week before
    order(store, chen, "2026-11-30")
    older = talk(store, "chen@example.pl", "2026-11-10")
    newer = talk(store, "chen@example.pl", "2026-11-30")
    with time_machine.travel(at("2026-12-01"), tick=False):
        desk.merge(source=newer, target=older, actor=owner)  # merged: still says chen wrote
    order(store, dana, "2026-12-01", cancelled=True)  # no buyer
    talk(store, "dana@example.pl", "2026-12-01")
    order(store, erin, "2026-11-22")
    talk(store, "erin@example.pl", "2026-12-02")  # wrote, but bought the week before
    order(store, fay, "2026-12-02")
    talk(store, "someone@example.com", "2026-12-02")  # not linked to fay
    order(store, gil, "2026-11-23")
    order(store, None, "2026-11-30")  # a guest
    order(other_store, None, "2026-11-30")
    talk(other_store, "ania@example.pl", "2026-11-29")
    return store


# (windows, complete, ordered) after a resolved conversation and for the baseline, by hand
AFTER_PERIOD = (4, 3, 1)  # olga, pawel, sara and rita (still open); olga ordered
BASELINE_PERIOD = (3, 3, 1)  # base1, base2, base3; base1 ordered within 90 days of 1 August
AFTER_CARD = (3, 3, 1)  # in the year 4 September 2025 - 3 September 2026: rita is later
BASELINE_CARD = (4, 4, 1)  # base1-3 and rita, who wrote after that year; base3 ordered in October 2025
CONTACT = (Decimal("50.0"), Decimal("33.3"))  # ania and chen of 4 buyers; ben of ben, erin and gil before


def cohorts(after, baseline) -> tuple:
    return tuple((c.windows, c.complete, c.ordered) for c in (after, baseline))


def card(support) -> tuple:
    return (
        (support.contact.current, support.contact.previous), (support.buyers, support.contacted),
        (support.resolved_since, support.resolved_until), cohorts(support.after, support.baseline),
    )  # fmt: skip


CARD = (CONTACT, (4, 2), (date(2025, 9, 4), date(2026, 9, 3)), (AFTER_CARD, BASELINE_CARD))


def help_desk_report(store, since: date, until: date) -> tuple:
    found = outcomes(ReportPeriod(store=store, since=since, until=until), now=NOW)
    return cohorts(found.after_conversation, found.baseline)


def warehouse_outcomes(store, since: date, until: date, backend=None, tables=None) -> tuple:
    period = ReportPeriod(store=store, since=since, until=until)
    from cxloop.analytics.reports import engine

    with engine(backend, tables) as (backend, tables):
        return cohorts(*count_outcomes(tables, backend, store.pk, period.start, period.end, NOW))


def test_the_card_from_the_warehouse_matches_the_hand_computed_answers(desk_year):
    sync_warehouse(now=NOW)

    support = build_support(desk_year, days=7, now=NOW)

    assert card(support) == CARD
    assert support.after.share == Decimal("33.3")
    assert support.after.interval == (Decimal("6.1"), Decimal("79.2"))
    # merged conversations are not counted again: ania, dana, erin, and the one not linked, per 5 orders
    assert build_dashboard(desk_year, days=7, now=NOW).contact_rate.current == Decimal("80.0")


def test_orders_after_a_resolved_conversation_are_the_help_desk_reports_own_numbers(desk_year):
    sync_warehouse(now=NOW)

    assert warehouse_outcomes(desk_year, *PERIOD) == help_desk_report(desk_year, *PERIOD) == (
        AFTER_PERIOD, BASELINE_PERIOD,
    )  # fmt: skip
    year = (date(2025, 9, 4), date(2026, 9, 3))
    assert warehouse_outcomes(desk_year, *year) == help_desk_report(desk_year, *year) == (
        AFTER_CARD, BASELINE_CARD,
    )  # fmt: skip


def test_a_window_that_has_not_ended_is_not_counted_here_either(desk_year):
    sync_warehouse(now=NOW)
    november = (date(2026, 11, 1), date(2026, 11, 30))  # ben's resolution, 28 November: 5 days ago

    assert warehouse_outcomes(desk_year, *november) == help_desk_report(desk_year, *november)
    assert warehouse_outcomes(desk_year, *november)[0] == (1, 0, 0)


def test_on_postgresql_the_database_gives_the_same_answers(desk_year):
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass (make test-postgres)")
    sync_warehouse(now=NOW)
    backend = database_backend()
    tables = metrics.database_tables(backend)
    try:
        direct = build_support(desk_year, days=7, now=NOW, backend=backend, tables=tables)
        period = warehouse_outcomes(desk_year, *PERIOD, backend=backend, tables=tables)
        dashboard = build_dashboard(desk_year, days=7, now=NOW, backend=backend, tables=tables)
    finally:
        close_database_backend()

    assert card(direct) == card(build_support(desk_year, days=7, now=NOW)) == CARD
    assert period == help_desk_report(desk_year, *PERIOD)
    assert dashboard.contact_rate.current == Decimal("80.0")


def test_on_spark_the_same_answers(desk_year, spark, tmp_path):  # noqa: F811 (the fixture)
    with time_machine.travel(NOW, tick=False):
        backend, tables = warehouse_on_spark(spark, tmp_path, NOW)

    on_spark = build_support(desk_year, days=7, now=NOW, backend=backend, tables=tables)

    assert card(on_spark) == CARD
    on_spark_period = warehouse_outcomes(desk_year, *PERIOD, backend=backend, tables=tables)
    assert on_spark_period == (AFTER_PERIOD, BASELINE_PERIOD)
