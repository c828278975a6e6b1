"""Each SQLite connection is opened with the settings production relies on."""

import pytest
from django.conf import settings
from django.db import connection

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's connection settings"),
]


def pragma(name: str):
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA {name}")
        return cursor.fetchone()[0]


def test_a_connection_is_durable_and_reads_through_a_memory_map():
    assert pragma("journal_mode") == "wal"
    assert pragma("synchronous") == 2  # FULL: a commit is on disk before it is answered
    assert pragma("foreign_keys") == 1
    assert pragma("mmap_size") == settings.SQLITE_MMAP_BYTES == 1 << 30
