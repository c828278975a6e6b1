"""API keys after creation: revoke and rotate, by owners and admins, written to the audit log.

A revoked key is refused by the next lookup in every process: the lookup
caches a key for at most API_KEY_CACHE_SECONDS (see `queries`), and the
process that revokes it drops its own cached entry when the change commits.
"""

from django.db import transaction
from django.utils import timezone

from . import audit, queries, services
from .audit import Actor
from .errors import Conflict
from .members import authority
from .models import ApiKey, AuditLog, Store


def _label(key: ApiKey) -> str:
    return f"{key.prefix}{key.lookup} ({key.name})"


def create_api_key(*, store: Store, name: str, kind: str, actor: Actor) -> tuple[ApiKey, str]:
    """Create a key as a staff member; return (row, raw key shown once)."""
    with transaction.atomic():
        authority(store, actor)
        key, raw = services.create_api_key(store=store, name=name, kind=kind)
        audit.record(
            store=store, actor=actor, action=AuditLog.Action.API_KEY_CREATED,
            target=_label(key), detail={"kind": key.kind},
        )  # fmt: skip
    return key, raw


def _revoke(key: ApiKey) -> None:
    revoked = ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if not revoked:
        raise Conflict("This API key is already revoked.", code="already_revoked")
    # Drop this process's cached lookup now and again after commit, so a
    # request racing the commit cannot put the key back in the cache.
    queries.forget_api_key(key.key_hash)
    transaction.on_commit(lambda: queries.forget_api_key(key.key_hash))


def revoke_api_key(*, key: ApiKey, actor: Actor) -> ApiKey:
    """Revoke a key: the API refuses it from the next request (other processes: within the cache's seconds).

    Raises Forbidden for agents, Conflict if it is already revoked.
    """
    with transaction.atomic():
        authority(key.store, actor)
        _revoke(key)
        audit.record(
            store=key.store, actor=actor, action=AuditLog.Action.API_KEY_REVOKED,
            target=_label(key), detail={"kind": key.kind},
        )  # fmt: skip
    key.refresh_from_db()
    return key


def rotate_api_key(*, key: ApiKey, actor: Actor) -> tuple[ApiKey, str]:
    """Replace a key with a new one of the same name and kind; the old one is revoked.

    Returns (new row, new raw key, shown once). Raises Forbidden or Conflict
    (a revoked key cannot be rotated: create a new one).
    """
    with transaction.atomic():
        authority(key.store, actor)
        _revoke(key)
        new_key, raw = services.create_api_key(store=key.store, name=key.name, kind=key.kind)
        audit.record(
            store=key.store, actor=actor, action=AuditLog.Action.API_KEY_ROTATED,
            target=_label(key), detail={"kind": key.kind, "replaced_by": f"{new_key.prefix}{new_key.lookup}"},
        )  # fmt: skip
    return new_key, raw
