"""Fast inserts for the demo generator: ids reserved up front, rows sent in bulk.

The generator builds each table column by column (NumPy arrays, object arrays
of text) and hands them to `RowWriter.insert`:

- SQLite: one prepared statement in `cursor.executemany`, fed by a zip of the
  columns, so no Python code runs per row.
- PostgreSQL: `COPY ... FROM STDIN` in text format through psycopg 3, the
  columns joined into lines in C (`str.join` over a zip).

Going around the ORM is what makes a million customers take minutes: Django's
`bulk_create` spends most of its time building model instances and preparing
each value one by one.

Columns hold final values: text for dates, money and JSON (see `columns`),
Python or NumPy integers, None for NULL. A column can also be `Ids`: row
numbers within the chunk of a table whose primary keys `reserve` handed out,
so that child rows (orders of a customer, line items of an order) point at
their parents without a round trip:

- SQLite: the next ids after the table's largest id (and its AUTOINCREMENT
  counter). Call inside `transaction.atomic()`: the project opens SQLite
  transactions with BEGIN IMMEDIATE, so nobody else writes until commit.
  Every table gets explicit ids on SQLite, which also spares AUTOINCREMENT
  a lookup per row.
- PostgreSQL: `nextval` of the table's sequence, which is safe alongside
  other writers. Tables nobody points at take their ids from the default.
"""

import os
import re
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import repeat

import numpy as np
from django.db import connection, transaction
from django.db.models import Model

BULK_CACHE_KIB = 1024 * 1024  # 1 GiB of page cache while loading
PG_SORT_MIB = 512  # maintenance_work_mem while building indexes
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


class UnsupportedDatabase(Exception):
    pass


@dataclass
class Ids:
    """The primary keys of rows of `model` written in the same chunk, by row number (-1: NULL)."""

    model: type[Model]
    rows: np.ndarray

    def __len__(self) -> int:
        return len(self.rows)


@dataclass
class Constant:
    """The same value in every row."""

    value: object


@dataclass
class ChunkRows:
    """One chunk's rows, table by table (parents first), with `Ids` for the keys to reserve."""

    reserve: dict[type[Model], int]
    tables: list[tuple[type[Model], dict]]
    counts: object


class RowWriter:
    def __init__(self):
        self.vendor = connection.vendor
        if self.vendor not in {"sqlite", "postgresql"}:
            raise UnsupportedDatabase(
                f"The demo generator supports SQLite and PostgreSQL, not {self.vendor}."
            )
        self.rows_written = 0
        self.reserved: dict[type[Model], np.ndarray] = {}

    @property
    def datetime_suffix(self) -> str:
        """What follows a UTC date and time in this database's text: PostgreSQL gets the zone."""
        return "+00" if self.vendor == "postgresql" else ""

    @contextmanager
    def bulk_load(self, models=(), *, rebuild_indexes: bool = False, notify=None):
        """Load faster: cheaper commits on SQLite, and optionally indexes built once at the end.

        On SQLite, WAL with synchronous=NORMAL stays consistent after a crash (a
        crash may only lose the last chunks, and the generator writes demo
        data), and a larger page cache holds more of the indexes; both are
        restored afterwards.

        With `rebuild_indexes`, the non-unique indexes of `models` are dropped
        and created again at the end, also if loading fails: every chunk adds
        keys all over the event and customer indexes, so each commit rewrote
        most of their pages (on SQLite, commits took 48 s of 184 s for 300,000
        customers and grew faster than the data). Unique indexes stay, so
        every constraint still holds for other writers meanwhile. Should the
        process be killed before the end, the next load creates the missing
        indexes first. Inside an outer transaction (tests) nothing changes.
        """
        if connection.in_atomic_block:
            yield
            return
        indexes = [
            str(sql) for model in models for sql in connection.schema_editor()._model_indexes_sql(model)
        ]
        _create_indexes(indexes)
        with self._fast_commits():
            if rebuild_indexes:
                _drop_indexes(indexes)
            try:
                yield
            finally:
                if rebuild_indexes:
                    if notify:
                        notify(f"building {len(indexes)} indexes")
                    _create_indexes(indexes, threads=os.cpu_count() or 1)

    @contextmanager
    def _fast_commits(self):
        if self.vendor == "postgresql":
            # Commits do not wait for the WAL flush: a crash may lose the last chunks, never corrupt.
            with connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit TO off")
            try:
                yield
            finally:
                with connection.cursor() as cursor:
                    cursor.execute("RESET synchronous_commit")
            return
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous")
            synchronous = cursor.fetchone()[0]
            cursor.execute("PRAGMA cache_size")
            cache_size = cursor.fetchone()[0]
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA cache_size={-BULK_CACHE_KIB}")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA synchronous={int(synchronous)}")
                cursor.execute(f"PRAGMA cache_size={int(cache_size)}")

    def write_chunk(self, rows) -> None:
        """Write a chunk in one transaction: `ChunkRows`, or a `staging.StagedChunk` (then deleted)."""
        if isinstance(rows, ChunkRows):
            with transaction.atomic():
                for model, count in rows.reserve.items():
                    self.reserve(model, count)
                for model, columns in rows.tables:
                    self.insert(model, columns)
            return
        with connection.cursor() as cursor:
            cursor.execute("ATTACH DATABASE %s AS stage", [rows.path])
        try:
            with transaction.atomic():
                self._copy_staged(rows)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("DETACH DATABASE stage")
            os.remove(rows.path)

    def _copy_staged(self, rows) -> None:
        for model, count in rows.reserve.items():
            self.reserve(model, count)
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            for model, names, keys in rows.tables:
                cursor.execute(f"SELECT COUNT(*) FROM stage.{quote(model._meta.db_table)}")
                count = cursor.fetchone()[0]
                if count == 0:
                    continue
                first = {m: int(self._first(m)) for m in set(keys.values())}
                # Reserved SQLite keys are consecutive: row number n gets the first key + n.
                values = [f"{quote(n)} + {first[keys[n]]}" if n in keys else quote(n) for n in names]
                if "id" not in names:
                    before_first = int(self.reserve_ids(model, count)[0]) - 1
                    names, values = ["id", *names], [f"rowid + {before_first}", *values]
                cursor.execute(
                    f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(n) for n in names)}) "
                    f"SELECT {', '.join(values)} FROM stage.{quote(model._meta.db_table)} ORDER BY rowid"
                )
                self.rows_written += count

    def _first(self, model: type[Model]) -> int:
        ids = self.reserved[model]
        return ids[0] if len(ids) else 0

    def reserve(self, model: type[Model], count: int) -> np.ndarray:
        """Reserve `count` primary keys of `model` for the `Ids` of this chunk (call inside a transaction)."""
        self.reserved[model] = self.reserve_ids(model, count)
        return self.reserved[model]

    def reserve_ids(self, model: type[Model], count: int) -> np.ndarray:
        """Return `count` fresh primary keys for `model` (call inside a transaction)."""
        table = model._meta.db_table
        with connection.cursor() as cursor:
            if self.vendor == "sqlite":
                cursor.execute(f'SELECT COALESCE(MAX("id"), 0) FROM "{table}"')
                largest = cursor.fetchone()[0]
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
                row = cursor.fetchone()
                start = max(largest, row[0] if row else 0) + 1
                return np.arange(start, start + count, dtype=np.int64)
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return np.array([r[0] for r in cursor.fetchall()], dtype=np.int64)

    def insert(self, model: type[Model], columns: dict[str, object]) -> int:
        """Insert rows given as {column name: values}; every column has the same length."""
        count = next((len(v) for v in columns.values() if not isinstance(v, Constant)), 0)
        if count == 0:
            return 0
        if self.vendor == "sqlite" and "id" not in columns:
            columns = {"id": self.reserve_ids(model, count), **columns}
        values = {name: self._values(column, count) for name, column in columns.items()}
        quote = connection.ops.quote_name
        table, names = quote(model._meta.db_table), ", ".join(quote(n) for n in values)
        with connection.cursor() as cursor:
            if self.vendor == "sqlite":
                sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(values))})"
                cursor.executemany(sql, zip(*values.values(), strict=False))  # Constant repeats
            else:
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    copy.write(_copy_text(list(values.values())))
        self.rows_written += count
        return count

    def _values(self, column, count: int):
        if isinstance(column, Constant):
            return repeat(column.value, count)
        if isinstance(column, Ids):
            ids = self.reserved[column.model][column.rows].tolist()
            if (column.rows < 0).any():
                return [None if row < 0 else i for row, i in zip(column.rows.tolist(), ids, strict=True)]
            return ids
        if isinstance(column, np.ndarray):
            return column.tolist()
        return column

    def money(self, cents: np.ndarray) -> list:
        """Database values for amounts given in integer cents (never negative)."""
        cents = np.asarray(cents, dtype=np.int64).tolist()
        return [f"{c // 100}.{c % 100:02d}" for c in cents]


def _copy_text(columns: list) -> str:
    """Rows in COPY's text format: tab between columns, \\N for NULL, backslash escapes."""
    texts = []
    for column in columns:
        if isinstance(column, repeat):
            value = next(column)
            texts.append(repeat(_copy_value(value)))
            continue
        column = list(column)
        if any(v is None for v in column):
            column = [_copy_value(v) for v in column]
        elif column and not isinstance(column[0], str):
            column = list(map(str, column))
        elif any(c in "\x00".join(column) for c in "\\\t\n\r"):
            column = [v.translate(COPY_ESCAPES) for v in column]
        texts.append(column)
    return "\n".join(map("\t".join, zip(*texts, strict=False))) + "\n"  # Constant repeats


def _copy_value(value) -> str:
    if value is None:
        return "\\N"
    return str(value).translate(COPY_ESCAPES)


def _create_indexes(statements: list[str], *, threads: int = 1) -> None:
    """Create the indexes that do not exist (SQLite sorts with `threads` threads)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"PRAGMA threads={int(threads)}")
        else:
            cursor.execute(f"SET maintenance_work_mem TO '{PG_SORT_MIB}MB'")
        for sql in statements:
            cursor.execute(sql.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1))
        if connection.vendor == "postgresql":
            cursor.execute("RESET maintenance_work_mem")


def _drop_indexes(statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for sql in statements:
            if match := re.match(r"CREATE INDEX (\S+) ON", sql):
                cursor.execute(f"DROP INDEX IF EXISTS {match.group(1)}")
