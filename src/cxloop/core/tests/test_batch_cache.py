"""core.batch_cache: read once inside a batch, every time outside one."""

import threading

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
