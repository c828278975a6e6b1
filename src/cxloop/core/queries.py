"""Reads for stores, memberships and keys."""

import copy
import time

from django.conf import settings
from django.db.models import Case, QuerySet, Value, When
from django.http import Http404

from .models import (
    ApiKey,
    AuditLog,
    MemberInvitation,
    Membership,
    OutboxMessage,
    Platform,
    Store,
    WebhookSecret,
)


def list_memberships(user) -> QuerySet[Membership]:
    """The user's memberships, with their stores, by store name."""
    return Membership.objects.filter(user=user).select_related("store").order_by("store__name")


def get_current_membership(user, store_id) -> Membership | None:
    """The membership for `store_id` if the user has one, else their first; or None."""
    memberships = list_memberships(user)
    if store_id is not None:
        chosen = memberships.filter(store_id=store_id).first()
        if chosen:
            return chosen
    return memberships.first()


def get_store_by_slug(slug: str) -> Store:
    """The store with this slug; raises Http404."""
    try:
        return Store.objects.get(slug=slug)
    except Store.DoesNotExist:
        raise Http404("No such store.") from None


# Per-process cache of key hash -> (cached at, store, kind) for the machine API:
# every event batch authenticates, and the lookup cost two queries per request.
# A revoked key keeps working for at most API_KEY_CACHE_SECONDS in another
# process that has just seen it (settings.CXLOOP_API_KEY_CACHE_SECONDS; 0 turns
# it off); the process that revokes it forgets it at once (`forget_api_key`).
# Wall-clock time, so an entry stamped "in the future" (the clock was set back)
# counts as stale rather than living on.
API_KEY_CACHE_SECONDS = 5.0
API_KEY_CACHE_SIZE = 1024
_api_key_cache: dict[str, tuple[float, Store, str]] = {}


def get_store_for_api_key(raw_key: str, *, allow_publishable: bool = False) -> Store | None:
    """The store an API key belongs to, or None for an unknown or revoked key.

    Publishable keys (`cxpk_`, embedded in storefront pages) count only where
    `allow_publishable` is set: the event API. The lookup part selects the row;
    the full key's SHA-256 is then compared in constant time. A key that was
    found is remembered for a few seconds (see API_KEY_CACHE_SECONDS); unknown
    keys are looked up every time.
    """
    import hmac

    prefix = next((p for p in ApiKey.PREFIXES.values() if raw_key.startswith(p)), None)
    if prefix is None or raw_key.count("_") < 2:
        return None
    key_hash = ApiKey.hash_key(raw_key)
    now = time.time()
    cached = _api_key_cache.get(key_hash)
    if cached is None or not 0 <= now - cached[0] < _cache_seconds():
        lookup = raw_key[len(prefix) :].split("_", 1)[0]
        key = ApiKey.objects.select_related("store").filter(lookup=lookup, revoked_at__isnull=True).first()
        if key is None or key.prefix != prefix or not hmac.compare_digest(key.key_hash, key_hash):
            _api_key_cache.pop(key_hash, None)
            return None
        cached = (now, copy.copy(key.store), key.kind)
        if _cache_seconds() > 0:
            if len(_api_key_cache) >= API_KEY_CACHE_SIZE:
                _api_key_cache.clear()
            _api_key_cache[key_hash] = cached
    _, store, kind = cached
    if kind == ApiKey.Kind.PUBLISHABLE and not allow_publishable:
        return None
    return copy.copy(store)


def forget_api_key(key_hash: str) -> None:
    """Drop a key from this process's lookup cache (it was just revoked)."""
    _api_key_cache.pop(key_hash, None)


def _cache_seconds() -> float:
    return getattr(settings, "CXLOOP_API_KEY_CACHE_SECONDS", API_KEY_CACHE_SECONDS)


def get_webhook_secret(store: Store, platform: str) -> WebhookSecret | None:
    """The store's secret for a platform, or None if none is set."""
    return WebhookSecret.objects.filter(store=store, platform=platform).first()


def list_webhook_secrets(store: Store) -> dict[str, WebhookSecret]:
    return {s.platform: s for s in WebhookSecret.objects.filter(store=store)}


def list_api_keys(store: Store) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(store=store).order_by("-created_at")


WEBHOOK_PLATFORMS = [Platform.SHOPIFY, Platform.WOOCOMMERCE, Platform.ECWID]


def get_storefront_key(store: Store) -> ApiKey | None:
    """The store's newest active publishable key that is readable (created since 0007), or None."""
    return (
        ApiKey.objects.filter(store=store, kind=ApiKey.Kind.PUBLISHABLE, revoked_at__isnull=True)
        .exclude(public_key="")
        .order_by("-created_at", "-pk")
        .first()
    )


def get_api_key(store: Store, key_id) -> ApiKey:
    """One of the store's API keys; raises Http404 for another store's id."""
    key = ApiKey.objects.select_related("store").filter(store=store, pk=_int(key_id)).first()
    if key is None:
        raise Http404("No such API key.")
    return key


def list_members(store: Store) -> QuerySet[Membership]:
    """The store's members with their accounts: owners first, then by email."""
    role_order = Case(
        *(When(role=role, then=Value(rank)) for role, rank in ROLE_ORDER.items()), default=Value(9)
    )
    return (
        Membership.objects.filter(store=store)
        .select_related("user", "store")
        .order_by(role_order, "user__email", "pk")
    )


ROLE_ORDER = {Membership.Role.OWNER: 0, Membership.Role.ADMIN: 1, Membership.Role.AGENT: 2}


def get_member(store: Store, membership_id) -> Membership:
    """One membership of the store; raises Http404 for another store's id."""
    membership = list_members(store).filter(pk=_int(membership_id)).first()
    if membership is None:
        raise Http404("No such member.")
    return membership


def list_pending_invitations(store: Store) -> QuerySet[MemberInvitation]:
    """Invitations not yet accepted or revoked (expired ones included, to send again), newest first."""
    return (
        MemberInvitation.objects.filter(store=store, accepted_at__isnull=True, revoked_at__isnull=True)
        .select_related("store", "invited_by")
        .order_by("-sent_at", "-pk")
    )


def get_pending_invitation(store: Store, invitation_id) -> MemberInvitation:
    """One pending invitation of the store; raises Http404 otherwise (another store's id included)."""
    invitation = list_pending_invitations(store).filter(pk=_int(invitation_id)).first()
    if invitation is None:
        raise Http404("No such invitation.")
    return invitation


def list_audit_log(store: Store) -> QuerySet[AuditLog]:
    """The store's audit log, newest first."""
    return AuditLog.objects.filter(store=store).order_by("-created_at", "-pk")


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def list_outbox() -> QuerySet[OutboxMessage]:
    """Mail kept by the development outbox, newest first."""
    return OutboxMessage.objects.order_by("-created_at", "-pk")


def get_outbox_message(message_id: int) -> OutboxMessage:
    """One kept message; raises Http404."""
    try:
        return OutboxMessage.objects.get(pk=message_id)
    except OutboxMessage.DoesNotExist:
        raise Http404("No such message in the outbox.") from None
