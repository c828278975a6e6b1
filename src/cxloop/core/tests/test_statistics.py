"""The SQLite planner's statistics: written after migrate and by the daily task; PostgreSQL's are its own."""

import pytest
from django.conf import settings
from django.db import connection

from cxloop.core.statistics import refresh_statistics
from cxloop.core.tasks import refresh_statistics_task
from cxloop.surveys.tests.factories import make_customer


def _customer_statistics() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT idx FROM sqlite_stat1 WHERE tbl = 'commerce_customer'")
        return sorted(row[0] for row in cursor.fetchall())


@pytest.mark.django_db
def test_the_sqlite_planner_gets_statistics_of_every_index_and_postgresql_is_left_to_autovacuum(store):
    for n in range(3):
        make_customer(store, email=f"c{n}@example.com")
    if connection.vendor == "postgresql":
        assert refresh_statistics() is False
        return
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM sqlite_stat1")

    assert refresh_statistics_task.call() is True

    assert {"customer_live_spent_id", "customer_live_last_order", "customer_email_idx"} <= set(
        _customer_statistics()
    )


def test_statistics_are_refreshed_daily():
    assert settings.CXLOOP_PERIODIC_TASKS["cxloop.core.tasks.refresh_statistics_task"] == 86400
