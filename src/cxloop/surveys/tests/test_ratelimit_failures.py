"""A cache that fails lets the survey answer through: an error is never counted as a taken slot."""

import logging
import sqlite3

import pytest
from django.db import connection
from django.test import override_settings

from cxloop.surveys import ratelimit


@pytest.fixture
def database_locked_by_another_program():
    """Another program (a plain sqlite3 connection, outside cxloop's writer turns) holds the write lock.

    cxloop's connection waits for SQLite's busy handler only briefly here (50 ms instead of 10 s).
    """
    if connection.vendor != "sqlite":
        pytest.skip("the lock of SQLite's single writer")
    holder = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout = 50")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_a_locked_cache_table_lets_the_answer_through_and_says_so(database_locked_by_another_program, caplog):
    # given the database cache (the default) cannot write: every `add` fails inside Django and answers False
    # when a customer answers
    with caplog.at_level(logging.WARNING, logger="cxloop.surveys.ratelimit"):
        decision = ratelimit.hit("survey-submit", "203.0.113.5", limit=10, period=60)

    # then the answer may pass, and the failure is logged
    assert decision.allowed is True
    assert "Rate limit survey-submit not counted: the cache failed" in caplog.text


@pytest.mark.django_db
def test_a_missing_cache_table_lets_the_answer_through():
    # given the cache table was never created (`cxloop migrate` creates it)
    missing = {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "cxloop_cache_missing"}
    with override_settings(CACHES={"default": missing}):
        # when a customer answers
        decision = ratelimit.hit("survey-submit", "203.0.113.6", limit=10, period=60)

    # then the answer may pass
    assert decision.allowed is True


@pytest.mark.django_db
def test_a_working_cache_still_refuses_the_eleventh_answer():
    decisions = [
        ratelimit.hit("survey-submit", "203.0.113.7", limit=10, period=60).allowed for _ in range(11)
    ]

    assert decisions == [True] * 10 + [False]
