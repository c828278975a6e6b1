"""Two owners demoting each other at the same moment leave the store one owner.

Each `cxloop member role` runs in its own process, as two people at two
terminals (or two web workers) would. A third session holds the owners'
membership rows, so both commands get past their checks and wait at their
write at the same time; then it lets go. Without the store's team lock both
demotions commit and the store has no owner; with it, the second command
sees the first one's change and is refused ("last owner").

PostgreSQL only: SQLite already runs one writing transaction at a time
(IMMEDIATE transactions), so the two commands cannot interleave there.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection, connections

from cxloop.core.models import Membership
from cxloop.testing.fixtures import make_staff

pytestmark = pytest.mark.django_db(transaction=True)
CXLOOP = str(Path(sys.executable).parent / "cxloop")


def database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def waiting_on_locks(session) -> int:
    with session.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def wait_for(condition, *, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the commands never reached their write")
        time.sleep(0.05)


def test_two_owners_demoting_each_other_at_once_leave_one_owner(store):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite runs one writer at a time")
    # given: two owners, and another session holding their membership rows
    first = make_staff(store, Membership.Role.OWNER, email="first@example.com")
    second = make_staff(store, Membership.Role.OWNER, email="second@example.com")
    env = {**os.environ, "DATABASE_URL": database_url(), "DEBUG": "1"}
    blocker = connections.create_connection("default")
    blocker.set_autocommit(False)
    with blocker.cursor() as cursor:
        cursor.execute("SELECT id FROM core_membership WHERE store_id = %s FOR UPDATE", [store.pk])
    watcher = connections.create_connection("default")
    # when: each owner is demoted by a separate process at the same time
    commands = [
        subprocess.Popen(
            [CXLOOP, "member", "role", user.email, "--store", store.slug, "--role", "agent"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for user in (first, second)
    ]
    try:
        wait_for(lambda: waiting_on_locks(watcher) >= 2)
    finally:
        blocker.rollback()
        blocker.close()
        watcher.close()
    outcomes = [(command.wait(timeout=60), command.communicate()[1]) for command in commands]
    # then: one demotion went through, the other was refused
    assert sorted(code for code, _ in outcomes) == [0, 1]
    assert any("last owner" in error for _, error in outcomes)
    assert Membership.objects.filter(store=store, role=Membership.Role.OWNER).count() == 1
