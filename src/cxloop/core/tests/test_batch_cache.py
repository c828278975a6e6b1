"""core.batch_cache: read once inside a batch, every time outside one."""

import threading

import pytest
from django.db import transaction

from cxloop.core import batch_cache


def counting_loader():
    calls = []

    def load():
        calls.append(1)
        return len(calls)

    return load, calls


def test_outside_a_batch_every_call_loads():
    load, calls = counting_loader()

    assert [batch_cache.cached("key", load) for _ in range(3)] == [1, 2, 3]
    assert len(calls) == 3


def test_inside_a_batch_a_key_loads_once_and_the_next_batch_loads_again():
    load, calls = counting_loader()

    with batch_cache.batch():
        first = [batch_cache.cached("key", load) for _ in range(3)]
        with batch_cache.batch():  # joins the open batch
            nested = batch_cache.cached("key", load)
        other = batch_cache.cached("other", load)
    with batch_cache.batch():
        second = batch_cache.cached("key", load)

    assert first == [1, 1, 1] and nested == 1 and other == 2 and second == 3


def test_a_batch_is_not_seen_by_another_thread():
    load, calls = counting_loader()
    seen = []

    with batch_cache.batch():
        batch_cache.cached("key", load)
        thread = threading.Thread(target=lambda: seen.append(batch_cache.cached("key", load)))
        thread.start()
        thread.join()

    assert seen == [2] and len(calls) == 2


@pytest.mark.django_db(transaction=True)
def test_all_items_keeps_everything_or_rolls_everything_back_and_undoes():
    from cxloop.core.models import Store

    undone = []
    with transaction.atomic(), batch_cache.batch():
        with batch_cache.all_items() as check:
            Store.objects.create(name="Kept 1", slug="kept-1", currency="EUR")
            check()
        with pytest.raises(batch_cache.ItemsRolledBack), batch_cache.all_items() as check:
            batch_cache.put("counted", 1)
            Store.objects.create(name="Gone 1", slug="gone-1", currency="EUR")
            batch_cache.on_rollback(lambda: undone.append("file of gone-1"))
            with pytest.raises(ValueError), batch_cache.atomic():  # no savepoint of its own in an item
                Store.objects.create(name="Gone 2", slug="gone-2", currency="EUR")
                raise ValueError("refused after writing")
            check()  # the error caught above left the transaction marked for rollback
        assert batch_cache.cached("counted", lambda: "loaded again") == "loaded again"

    assert sorted(Store.objects.values_list("slug", flat=True)) == ["kept-1"]
    assert undone == ["file of gone-1"]
