"""What a long-lived process does once it has started: keep its start-up objects out of the collector.

A process that has imported Django, the apps and their libraries holds about 180,000 container
objects that live as long as it does (functions, classes, modules' dicts). CPython's full collection
(generation 2) visits every one of them, about 100 ms on a small machine, and it runs whenever enough
new objects have survived: the request or task that happens to trigger it takes 100 ms longer (the
help-centre search's p99 was that pause, not the search). `gc.freeze()` moves the objects alive now
into the permanent generation, which collections skip; new objects are collected as before.

It also makes the youngest generation's threshold YOUNG_COLLECTION_EVERY tracked allocations, not
CPython's 700. A chat server with 1,000 open sockets ran a young collection every 700 new containers
(a message makes hundreds) and, from those, full collections of every socket's objects (120-165 ms
each) whenever survivors had grown the heap by a quarter. `cxloop bench chat` measured a fifth more
messages a second with 20,000 (1,424-1,523 against 1,099-1,331, five runs each); the young
collections that remain take longer only when many of their objects survive (while a thousand
sockets open: 20-45 ms).

Called at the end of `cxloop.wsgi` and `cxloop.asgi` (each web worker) and by the task worker before
it takes its first task. Under gunicorn's preloading it also keeps those pages shared after the fork.
"""

import gc

YOUNG_COLLECTION_EVERY = 20_000  # tracked allocations (less deallocations) between young collections


def settle(*, views: bool = True) -> int:
    """Import what the first request would (every app's URLs and views; not with `views=False`, for a
    process that serves no page), collect what start-up left as garbage, then freeze what is alive
    and collect the young generation less often; the number of objects frozen."""
    if views:
        from django.urls import get_resolver

        get_resolver().url_patterns  # noqa: B018 (the URLconf imports the views: 90,000 objects more)
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_EVERY, *gc.get_threshold()[1:])
    return gc.get_freeze_count()
