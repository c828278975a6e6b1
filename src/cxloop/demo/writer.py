"""Fast inserts for the demo generator: ids reserved up front, rows sent by executemany.

The generator builds each table column by column (NumPy arrays, lists of
strings) and hands the rows to `RowWriter.insert`, which is a plain
`cursor.executemany`. Going around the ORM is what makes a million customers
take minutes: Django's `bulk_create` spends most of its time building model
instances and preparing each value one by one.

Ids are reserved before the insert so that child rows (orders of a customer,
line items of an order) can point at their parents without a round trip:

- SQLite: the next ids after the table's largest id (and its AUTOINCREMENT
  counter). Call inside `transaction.atomic()`: the project opens SQLite
  transactions with BEGIN IMMEDIATE, so nobody else writes until commit.
- PostgreSQL: `nextval` of the table's sequence, which is safe alongside
  other writers.

Values are converted once per column for the database in use (`datetimes`,
`money`, `json`): strings on SQLite (what Django itself stores), aware
datetimes, Decimals and Jsonb on PostgreSQL.
"""

from contextlib import contextmanager
from datetime import UTC
from decimal import Decimal

import numpy as np
from django.db import connection
from django.db.models import Model

BULK_CACHE_KIB = 1024 * 1024  # 1 GiB of page cache while loading


class UnsupportedDatabase(Exception):
    pass


class RowWriter:
    def __init__(self):
        self.vendor = connection.vendor
        if self.vendor not in {"sqlite", "postgresql"}:
            raise UnsupportedDatabase(
                f"The demo generator supports SQLite and PostgreSQL, not {self.vendor}."
            )
        self.rows_written = 0

    @contextmanager
    def bulk_load(self):
        """On SQLite, trade per-commit fsync and a small page cache for speed while loading.

        WAL with synchronous=NORMAL stays consistent after a crash (a crash may
        only lose the last chunks, and the generator writes demo data); a larger
        cache keeps the event table's indexes, whose keys arrive in random
        order, in memory. Measured on 5,000 customers: about three times faster.
        Both settings are restored afterwards. Inside an outer transaction
        (tests) SQLite refuses the change, so nothing changes there.
        """
        if self.vendor != "sqlite" or connection.in_atomic_block:
            yield
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

    def insert(self, model: type[Model], columns: dict[str, list]) -> int:
        """Insert rows given as {column name: values}; all lists have the same length."""
        names = list(columns)
        if not names:
            return 0
        count = len(columns[names[0]])
        if count == 0:
            return 0
        quote = connection.ops.quote_name
        table = quote(model._meta.db_table)
        sql = (
            f"INSERT INTO {table} ({', '.join(quote(n) for n in names)}) "
            f"VALUES ({', '.join(['%s'] * len(names))})"
        )
        rows = list(zip(*(columns[n] for n in names), strict=True))
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)
        self.rows_written += count
        return count

    def datetimes(self, values: np.ndarray) -> list:
        """Database values for an array of datetime64 (UTC); NaT becomes NULL."""
        values = values.astype("datetime64[us]")
        missing = np.isnat(values)
        if self.vendor == "sqlite":
            text = np.datetime_as_string(values, unit="us")
            out = [t.replace("T", " ") for t in text.tolist()]
        else:
            out = [d.replace(tzinfo=UTC) if d is not None else None for d in values.tolist()]
        if missing.any():
            for i in np.flatnonzero(missing).tolist():
                out[i] = None
        return out

    def money(self, cents: np.ndarray) -> list:
        """Database values for amounts given in integer cents (never negative)."""
        cents = np.asarray(cents, dtype=np.int64).tolist()
        text = [f"{c // 100}.{c % 100:02d}" for c in cents]
        if self.vendor == "sqlite":
            return text
        return [Decimal(t) for t in text]

    def json(self, texts: list[str]) -> list:
        """Database values for JSON documents already serialised to text."""
        if self.vendor == "sqlite":
            return texts
        from psycopg.types.json import Jsonb

        return [Jsonb(t, dumps=_as_is) for t in texts]


def _as_is(text: str) -> str:
    return text
