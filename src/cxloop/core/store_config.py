"""A store's configuration, read once per process while it is unchanged, not once per request.

    rules = store_config.cached(store.pk, ("helpdesk.rules", trigger), lambda: list(Rule.objects...))

Arriving mail reads the same few rows for every mail: the desk settings, the
teams, the SLA policies, the rules of a trigger, the mailboxes' addresses, the
webhook endpoints. Only staff change them, rarely. `cached` keeps what its
loader returned in this process, beside the store's configuration version
(`Store.config_version`), and gives it back while that version is unchanged:
one indexed read of one column (once per batch inside a `core.batch_cache`
batch) instead of the ORM reads.

The version changes in the same transaction as the change itself:

- Every save or delete of a model registered with `watch` (the apps register
  theirs in `ready()`) sets a new version for the instance's store.
- Code that changes such rows with `QuerySet.update` (no signals) calls
  `changed(store_id)`.
- A save of the store itself sets a new one too: a form that saves a store
  loaded earlier must not write an older version back.

A version is a random 62-bit number, never a counter. A change rolled back takes its version
with it, and a counter would hand the same number to the next change. Each new store starts
with a random one too: a database rolled back (a test) can give the next store the same id,
but not the same version.

A value is read after the version it is kept under, so it is never older than that version.
A change committed between the two reads gives a newer value under the old version. The next
read sees the new version and loads again. Cached values are shared by the process's threads:
the loaders return model instances or plain data that callers only read.
"""

import secrets
import threading
from collections.abc import Callable, Hashable
from typing import TypeVar

from django.db import connection
from django.db.models.signals import post_delete, post_save

from . import batch_cache

T = TypeVar("T")

_kept: dict[tuple, tuple[int, object]] = {}
_lock = threading.Lock()


def new_version() -> int:
    return secrets.randbits(62)


def cached(store_id: int, name: Hashable, loader: Callable[[], T]) -> T:
    """`loader()`, kept while the store's configuration version is unchanged."""
    key = ("store_config", store_id, name)
    in_batch = batch_cache.get(key, _MISSING)
    if in_batch is not _MISSING:
        return in_batch
    version = batch_cache.cached(("store_config.version", store_id), lambda: read_version(store_id))
    kept = _kept.get(key)
    if kept is not None and kept[0] == version and version is not None:
        value = kept[1]
    else:
        value = loader()
        if version is not None:
            with _lock:
                _kept[key] = (version, value)
    batch_cache.put(key, value)
    return value


def read_version(store_id: int) -> int | None:
    """The store's configuration version (None for a store that no longer exists)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT config_version FROM core_store WHERE id = %s", [store_id])
        row = cursor.fetchone()
    return None if row is None else row[0]


def changed(store_id: int | None) -> None:
    """The store's configuration changed: a new version, in the caller's transaction."""
    if store_id is None:
        return
    from .models import Store

    Store.objects.filter(pk=store_id).update(config_version=new_version())
    batch_cache.forget(lambda key: isinstance(key, tuple) and key[:1] in _BATCH_KEYS and key[1] == store_id)


def forget_all() -> None:
    """Drop everything kept in this process (what a test that swaps databases wants)."""
    with _lock:
        _kept.clear()


def watch(*models) -> None:
    """Every save or delete of these models (each with a `store_id`) changes its store's version."""
    for model in models:
        uid = f"cxloop.store_config.{model._meta.label}"
        post_save.connect(_saved, sender=model, dispatch_uid=uid + ".save", weak=False)
        post_delete.connect(_deleted, sender=model, dispatch_uid=uid + ".delete", weak=False)


def _saved(sender, instance, **kwargs) -> None:
    changed(getattr(instance, "store_id", None))


def _deleted(sender, instance, **kwargs) -> None:
    changed(getattr(instance, "store_id", None))


def _store_saved(sender, instance, created=False, update_fields=None, **kwargs) -> None:
    if created or (update_fields is not None and set(update_fields) <= {"config_version"}):
        return  # a new store has a random version of its own
    changed(instance.pk)


def connect() -> None:
    from .models import Store

    post_save.connect(_store_saved, sender=Store, dispatch_uid="cxloop.store_config.store", weak=False)


_MISSING = object()
_BATCH_KEYS = {("store_config",), ("store_config.version",)}
