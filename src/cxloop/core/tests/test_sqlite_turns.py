"""SQLite writers take turns: a waiting writer is let in between a long job's batches, or fails clearly.

The turns are flocks on files beside the database, so each WriterTurn here
(one per connection, as each thread has) competes as separate processes do.
"""

import threading
import time

import pytest
from django.db import OperationalError, connection, transaction

from cxloop.core.models import Store
from cxloop.core.sqlite.turns import WriterTurn


def until(condition, seconds: float = 30.0) -> None:
    """Wait for another thread to reach a point (it signals nothing we could block on)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the other thread never got there"
        time.sleep(0.001)


def test_a_writer_waiting_past_its_deadline_fails_as_sqlite_would_and_holds_nothing(tmp_path):
    # given a writer holding the turn
    database = str(tmp_path / "cxloop.sqlite3")
    holder, impatient = WriterTurn(database, wait_seconds=30), WriterTurn(database, wait_seconds=0.05)
    holder.acquire()

    # when another waits past its deadline
    with pytest.raises(OperationalError, match="database is locked"):
        impatient.acquire()

    # then it holds nothing, and gets the turn once the holder is done
    assert impatient.held is False
    holder.release()
    impatient.acquire()
    assert impatient.held is True


def test_a_job_between_batches_lets_the_waiting_writer_in_before_its_next_batch(tmp_path):
    # given a job in the middle of a batch, and a login waiting to write
    database = str(tmp_path / "cxloop.sqlite3")
    job, login, probe = (WriterTurn(database, wait_seconds=30) for _ in range(3))
    order = []
    job.acquire()

    def write_login():
        login.acquire()
        order.append("login")
        login.release()

    waiter = threading.Thread(target=write_login)
    waiter.start()
    until(lambda: not probe.let_waiting_writers_in(max_wait=0))  # the login queues
    assert job.has_waiting_writers() is True  # the job ends its batch early

    # when the job commits its batch, lets waiting writers in and starts the next batch
    job.release()
    let_in = job.let_waiting_writers_in(max_wait=30)
    job.acquire()
    order.append("next batch")
    job.release()
    waiter.join()

    # then the login wrote first
    assert let_in is True
    assert order == ["login", "next batch"]


def test_with_nobody_waiting_a_job_goes_straight_on(tmp_path):
    job = WriterTurn(str(tmp_path / "cxloop.sqlite3"), wait_seconds=30)

    assert job.has_waiting_writers() is False
    assert job.let_waiting_writers_in(max_wait=0) is True


@pytest.mark.django_db(transaction=True)
def test_a_transaction_holds_the_turn_from_begin_to_commit_and_a_lone_write_only_while_it_runs():
    turn = connection.writer_turn if connection.vendor == "sqlite" else None
    if turn is None:
        pytest.skip("writer turns are SQLite's")
    # a transaction
    with transaction.atomic():
        Store.objects.create(name="Turns", slug="turns", currency="EUR")
        assert turn.held is True
    assert turn.held is False
    # a write outside any transaction
    Store.objects.filter(slug="turns").update(name="Turns 2")
    assert turn.held is False
    # a transaction that fails
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        Store.objects.filter(slug="turns").update(name="Turns 3")
        1 / 0  # noqa: B018
    assert turn.held is False
    assert Store.objects.get(slug="turns").name == "Turns 2"


@pytest.mark.django_db(transaction=True)
def test_an_insert_into_the_connections_temp_tables_waits_for_no_writer():
    turn = connection.writer_turn if connection.vendor == "sqlite" else None
    if turn is None:
        pytest.skip("writer turns are SQLite's")
    Store.objects.create(name="Turns", slug="turns", currency="EUR")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE turn_check (n integer)")
    other = WriterTurn(turn.database_path, wait_seconds=1)
    other.acquire()  # another process is writing
    waited, turn.wait_seconds = turn.wait_seconds, 1
    try:
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO temp.turn_check (n) SELECT id FROM core_store")
            assert turn.held is False
            with pytest.raises(OperationalError):  # where a write to the shared file waits its turn
                cursor.execute("UPDATE core_store SET name = 'Turns 2'")
            cursor.execute("SELECT COUNT(*) FROM temp.turn_check")
            assert cursor.fetchone() == (1,)
    finally:
        turn.wait_seconds = waited
        other.close()
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE temp.turn_check")
