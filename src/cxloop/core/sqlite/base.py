"""Django's SQLite backend, with every write waiting for its turn (see `turns`)."""

import os
import re

from django.db.backends.sqlite3 import base, creation

from .turns import WriterTurn, lock_file_paths

DEFAULT_WAIT_SECONDS = 30.0
# A statement that writes and, outside a transaction, commits by itself.
WRITE_STATEMENT = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b", re.IGNORECASE)
# ... except an insert into the connection's own TEMP database (named `temp.`): SQLite locks only that
# one, never the shared file, so it waits for no writer and makes none wait (a segment refresh fills one
# with its query's matches: segments.services.members).
TEMP_INSERT = re.compile(r"\s*INSERT\s+INTO\s+temp\.", re.IGNORECASE)


class DatabaseCreation(creation.DatabaseCreation):
    def _destroy_test_db(self, test_database_name, verbosity):
        super()._destroy_test_db(test_database_name, verbosity)
        if not self.is_in_memory_db(test_database_name):
            for path in lock_file_paths(test_database_name):
                if os.path.exists(path):
                    os.remove(path)


class SQLiteCursorWrapper(base.SQLiteCursorWrapper):
    """Takes the writer turn around a write statement that runs outside a transaction."""

    turn: WriterTurn | None = None

    def execute(self, query, params=None):
        if not self._needs_turn(query):
            return super().execute(query, params)
        self.turn.acquire()
        try:
            return super().execute(query, params)
        finally:
            self._release_unless_in_transaction()

    def executemany(self, query, param_list):
        if not self._needs_turn(query):
            return super().executemany(query, param_list)
        self.turn.acquire()
        try:
            return super().executemany(query, param_list)
        finally:
            self._release_unless_in_transaction()

    def _needs_turn(self, query) -> bool:
        return (
            self.turn is not None
            and not self.turn.held
            and not self.connection.in_transaction
            and WRITE_STATEMENT.match(query) is not None
            and TEMP_INSERT.match(query) is None
        )

    def _release_unless_in_transaction(self) -> None:
        # With Django's autocommit off (not under `atomic`), sqlite3 opens a
        # transaction before the first write: the turn lasts until it ends.
        if not self.connection.in_transaction:
            self.turn.release()


class DatabaseWrapper(base.DatabaseWrapper):
    """SQLite with writers in a queue: BEGIN (IMMEDIATE) and lone write statements wait their turn.

    OPTIONS["write_wait_seconds"] (default 30) is how long a writer waits
    before it fails with OperationalError("database is locked").
    """

    creation_class = DatabaseCreation

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.writer_turn: WriterTurn | None = None

    def get_connection_params(self):
        # Django hands OPTIONS to sqlite3.connect, which knows no write_wait_seconds. The
        # settings dict is shared by every thread's wrapper: swap this wrapper's reference only.
        settings_dict = self.settings_dict
        options = settings_dict["OPTIONS"]
        wait = float(options.get("write_wait_seconds", DEFAULT_WAIT_SECONDS))
        self.settings_dict = {
            **settings_dict,
            "OPTIONS": {k: v for k, v in options.items() if k != "write_wait_seconds"},
        }
        try:
            params = super().get_connection_params()
        finally:
            self.settings_dict = settings_dict
        path = str(params["database"])
        if self.is_in_memory_db():
            self.writer_turn = None
        elif self.writer_turn is None or self.writer_turn.database_path != path:
            if self.writer_turn is not None:
                self.writer_turn.close()
            self.writer_turn = WriterTurn(path, wait_seconds=wait)
        return params

    def create_cursor(self, name=None):
        cursor = self.connection.cursor(factory=SQLiteCursorWrapper)
        cursor.turn = self.writer_turn
        return cursor

    def _start_transaction_under_autocommit(self):
        if self.writer_turn is None:
            return super()._start_transaction_under_autocommit()
        self.writer_turn.acquire()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self.writer_turn.release()
            raise

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._release_turn()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_turn()

    def _close(self):
        try:
            return super()._close()
        finally:
            if self.writer_turn is not None:
                self.writer_turn.release()

    def _release_turn(self) -> None:
        in_transaction = self.connection is not None and self.connection.in_transaction
        if self.writer_turn is not None and not in_transaction:
            self.writer_turn.release()

    def has_waiting_writers(self) -> bool:
        """True when a writer is queued behind this connection (a long job may end its batch)."""
        return self.writer_turn is not None and self.writer_turn.has_waiting_writers()

    def let_waiting_writers_in(self, *, max_wait: float) -> bool:
        """Between two transactions of a long job: let the writers waiting now go first."""
        if self.writer_turn is None or self.in_atomic_block:
            return False
        return self.writer_turn.let_waiting_writers_in(max_wait=max_wait)
