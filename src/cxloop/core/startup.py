"""What a long-lived process does once it has started: keep its start-up objects out of the collector.

A process that has imported Django, the apps and their libraries holds about 180,000 container
objects that live as long as it does (functions, classes, modules' dicts). CPython's full collection
(generation 2) visits every one of them, about 100 ms on a small machine, and it runs whenever enough
new objects have survived: the request or task that happens to trigger it takes 100 ms longer (the
help-centre search's p99 was that pause, not the search). `gc.freeze()` moves the objects alive now
into the permanent generation, which collections skip; new objects are collected as before.

Called at the end of `cxloop.wsgi` and `cxloop.asgi` (each web worker) and by the task worker before
it takes its first task. Under gunicorn's preloading it also keeps those pages shared after the fork.
"""

import gc


def settle() -> int:
    """Import what the first request would (every app's URLs and views), collect what start-up left as
    garbage, then freeze what is alive; the number of objects frozen."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (the URLconf imports the views: 90,000 objects more)
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
