"""Running an import in batches: one transaction per batch, one savepoint per item."""

from collections.abc import Callable, Iterable
from itertools import islice

from django.db import transaction

from cxloop.core.errors import InvalidInput

BATCH_SIZE = 500

Progress = Callable[[int, int], None]


def run_in_batches(
    items: Iterable,
    *,
    handle: Callable,
    reject: Callable,
    finish_batch: Callable[[], None] = lambda: None,
    rows_in: Callable[[object], int],
    total: int,
    progress: Progress | None,
) -> None:
    """Call `handle(item)` for every item, committing every BATCH_SIZE items.

    Each call runs in its own savepoint: when it raises InvalidInput, what it
    wrote is rolled back, `reject(item, error)` records why, and the batch
    goes on. `finish_batch()` runs last in each batch's transaction. A
    committed batch stays committed if a later one fails.
    """
    done = 0
    iterator = iter(items)
    if progress:
        progress(0, total)
    while batch := list(islice(iterator, BATCH_SIZE)):
        with transaction.atomic():
            for item in batch:
                try:
                    with transaction.atomic():
                        handle(item)
                except InvalidInput as error:
                    reject(item, error)
            finish_batch()
        done += sum(rows_in(item) for item in batch)
        if progress:
            progress(done, total)
