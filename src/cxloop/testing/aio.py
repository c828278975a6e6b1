"""Running a test's coroutine when the test's thread may already run an event loop."""

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


def run(coroutine: Coroutine[object, object, T]) -> T:
    """Run `coroutine` to its end on a new event loop in a thread of its own; its result.

    `asyncio.run` and `async_to_sync` refuse to start in a thread that runs a loop, and the
    browser tests' Playwright keeps one running in the main thread for the rest of the session
    (pytest-django runs tests without a database after those).
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
