"""Turns at SQLite's single writer slot, shared by every cxloop process on one database file.

SQLite lets one connection write at a time. Left alone, a writer that finds
the database locked is retried by SQLite's busy handler, which sleeps (up to
100 ms a time) and keeps no order: a job that commits a batch and at once
begins the next takes the lock again before a sleeping writer wakes, so a
login during a long import waited out busy_timeout and failed with
"database is locked".

Writers queue on two lock files beside the database instead (flock, so they
work across gunicorn workers, the task worker and `cxloop import`, and go
away with a process that dies):

- `<db>.write-lock` is held exclusively from BEGIN to COMMIT or ROLLBACK, and
  around a write statement run outside a transaction;
- `<db>.write-queue` is held shared by a writer while it waits for the
  first. A long job ends its batch early when `has_waiting_writers`, and
  before the next one calls `let_waiting_writers_in`, which returns once
  every writer that was waiting has had its turn (or after `max_wait`, so
  the job always moves on).

A waiting writer blocks on the lock file (woken by the kernel as soon as the
writer before it is done) up to its deadline (`OPTIONS["write_wait_seconds"]`),
then fails as SQLite would, with OperationalError("database is locked"). busy_timeout stays as the backstop
for programs that do not take turns (the sqlite3 shell, a backup).

    turn = WriterTurn("/srv/cxloop/var/cxloop.sqlite3", wait_seconds=30)
    turn.acquire()        # before BEGIN IMMEDIATE
    ...                   # the transaction
    turn.release()        # after COMMIT or ROLLBACK
    turn.let_waiting_writers_in(max_wait=1.0)   # a job, between batches
"""

import fcntl
import os
import threading
import time

from django.db.utils import OperationalError

FIRST_POLL_SECONDS = 0.0005
MAX_POLL_SECONDS = 0.002


class WriterTurn:
    """One connection's place in the queue for the writer slot of one database file.

    Not thread-safe: each thread has its own (Django's connections are per thread).
    """

    def __init__(self, database_path: str, *, wait_seconds: float):
        self.database_path = database_path
        self.wait_seconds = wait_seconds
        self.held = False
        self._files = None
        self._pid = None

    def acquire(self) -> None:
        """Wait for the writer slot; raise OperationalError("database is locked") past the deadline."""
        if self.held:
            return
        lock, queue = self._open()
        if not _try(lock, fcntl.LOCK_EX):
            deadline = time.monotonic() + self.wait_seconds
            if not _wait(queue, fcntl.LOCK_SH, deadline):
                raise OperationalError("database is locked")
            try:
                if not _block(lock, deadline):
                    self._files = None  # the abandoned wait still owns the lock file: start afresh
                    raise OperationalError("database is locked")
            finally:
                fcntl.flock(queue, fcntl.LOCK_UN)
        self.held = True

    def release(self) -> None:
        """Give the writer slot to the next writer (nothing happens if this one does not hold it)."""
        if self.held:
            self.held = False
            fcntl.flock(self._files[0], fcntl.LOCK_UN)

    def has_waiting_writers(self) -> bool:
        """True when another writer is queued for the slot (a job may end its batch early)."""
        queue = self._open()[1]
        if _try(queue, fcntl.LOCK_EX):
            fcntl.flock(queue, fcntl.LOCK_UN)
            return False
        return True

    def let_waiting_writers_in(self, *, max_wait: float) -> bool:
        """Return once every writer waiting now has had its turn; False if some still wait after max_wait.

        Call it without holding the slot (between two transactions).
        """
        if self.held:
            return False
        queue = self._open()[1]
        if _wait(queue, fcntl.LOCK_EX, time.monotonic() + max_wait):
            fcntl.flock(queue, fcntl.LOCK_UN)
            return True
        return False

    def close(self) -> None:
        self.release()
        if self._files is not None and self._pid == os.getpid():
            for file in self._files:
                file.close()
        self._files = None

    def _open(self):
        # flock belongs to the open file, which a forked child shares: open again after a fork.
        if self._files is None or self._pid != os.getpid():
            self._files = (
                open(f"{self.database_path}.write-lock", "a+b"),  # noqa: SIM115 (kept open)
                open(f"{self.database_path}.write-queue", "a+b"),  # noqa: SIM115
            )
            self._pid = os.getpid()
            self.held = False
        return self._files


def lock_file_paths(database_path: str) -> list[str]:
    """The files beside the database that writers queue on."""
    return [f"{database_path}.write-lock", f"{database_path}.write-queue"]


def _try(file, operation: int) -> bool:
    try:
        fcntl.flock(file, operation | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _block(file, deadline: float) -> bool:
    """Take `file`'s exclusive flock, blocking in the kernel, until the deadline.

    A blocked flock wakes as soon as the holder unlocks, and the kernel wakes
    waiters in turn, where polling added up to a poll interval to each handoff
    and favoured newcomers (an event API p99 of 169 ms instead of 48 ms). A
    blocked flock cannot be interrupted, so a helper thread blocks in it;
    past the deadline the caller leaves, and the helper, if it ever gets the
    lock, releases it and closes the file (the caller opens new files).
    """
    got, abandoned, decided = threading.Event(), threading.Event(), threading.Lock()

    def wait_in_kernel():
        fcntl.flock(file, fcntl.LOCK_EX)
        with decided:
            if not abandoned.is_set():
                got.set()
                return
        fcntl.flock(file, fcntl.LOCK_UN)
        file.close()

    threading.Thread(target=wait_in_kernel, name="sqlite-writer-turn", daemon=True).start()
    got.wait(max(0.0, deadline - time.monotonic()))
    with decided:
        if got.is_set():
            return True
        abandoned.set()
        return False


def _wait(file, operation: int, deadline: float) -> bool:
    pause = FIRST_POLL_SECONDS
    while not _try(file, operation):
        if time.monotonic() >= deadline:
            return False
        time.sleep(pause)
        pause = min(pause * 2, MAX_POLL_SECONDS)
    return True
