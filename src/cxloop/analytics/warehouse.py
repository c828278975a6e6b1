"""The analytics warehouse: a DuckDB file under the var directory, written by the worker, read by reports.

    with writing() as con:        # the sync (one writer at a time; waits briefly for readers)
        ...
    with reading() as con:        # a report: read-only, while no sync holds the file
        ...

DuckDB lets one process write a file, or several read it, not both at once,
so each side holds the file only while it works: a sync for a few seconds,
a report for a few milliseconds, each waiting up to WAIT_SECONDS for the
other. A report that still finds the file busy says so (WarehouseBusy)
instead of waiting longer; a sync that does is retried by the next one.
`settings.CXLOOP_WAREHOUSE_PATH` moves the file (default var/analytics.duckdb).
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from django.conf import settings

from .sources import TABLES

WAIT_SECONDS = 3.0
STATE_DDL = (
    "CREATE TABLE IF NOT EXISTS sync_state (table_name VARCHAR PRIMARY KEY, watermark_time TIMESTAMPTZ, "
    "watermark_id BIGINT, history VARCHAR, synced_at TIMESTAMPTZ, rows_copied BIGINT)"
)


class WarehouseBusy(Exception):
    """The file stayed locked by another process for WAIT_SECONDS."""


class WarehouseMissing(Exception):
    """No sync has created the warehouse yet."""


def warehouse_path() -> Path:
    return Path(settings.CXLOOP_WAREHOUSE_PATH)


def _connect(path: Path, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as error:  # "Could not set lock on file": the other side holds it
            if "lock" not in str(error).lower() or time.monotonic() > deadline:
                raise WarehouseBusy(str(error)) from error
            time.sleep(0.05)


@contextmanager
def writing() -> Iterator[duckdb.DuckDBPyConnection]:
    path = warehouse_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    con = _connect(path, read_only=False)
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute(STATE_DDL)
        _create_tables(con)
        _add_new_columns(con)
        yield con
    finally:
        con.close()


def _create_tables(con) -> None:
    """Make the tables a warehouse lacks. A new table is copied from the start (whatever watermark a
    table of its name left); one with a parent (sources.Table.parent) by copying its parent again from
    the start: the child has no watermark of its own."""
    have = {row[0] for row in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    for table in TABLES.values():
        con.execute(table.ddl())
        if table.name not in have:
            con.execute("DELETE FROM sync_state WHERE table_name = ?", [table.parent or table.name])


def _add_new_columns(con) -> None:
    """A warehouse made by an earlier version gets the columns added since; each table that got one is
    copied again from the start (its rows replace themselves by id), so the new columns are filled
    (for a table with a parent, its parent is)."""
    for table in TABLES.values():
        have = {
            row[0]
            for row in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table.name]
            ).fetchall()
        }
        missing = [(column, kind) for column, kind, _path in table.columns if column not in have]
        for column, kind in missing:  # names and types are the constants of sources.TABLES
            con.execute(f"ALTER TABLE {table.name} ADD COLUMN {column} {kind}")
        if missing:
            con.execute("DELETE FROM sync_state WHERE table_name = ?", [table.parent or table.name])


@contextmanager
def reading() -> Iterator[duckdb.DuckDBPyConnection]:
    path = warehouse_path()
    if not path.exists():
        raise WarehouseMissing(str(path))
    con = _connect(path, read_only=True)
    try:
        con.execute("SET TimeZone = 'UTC'")
        yield con
    finally:
        con.close()
