"""Reads for stores, memberships and keys."""

import copy
import time

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404

from .models import ApiKey, Membership, Platform, Store, WebhookSecret


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


# Per-process cache of key hash -> (expiry, store) for the machine API: every
# event batch authenticates, and the lookup cost two queries per request.
# A revoked key keeps working for at most API_KEY_CACHE_SECONDS in a process
# that has just seen it (settings.CXLOOP_API_KEY_CACHE_SECONDS; 0 turns it off).
API_KEY_CACHE_SECONDS = 5.0
API_KEY_CACHE_SIZE = 1024
_api_key_cache: dict[str, tuple[float, Store]] = {}


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
    now = time.monotonic()
    cached = _api_key_cache.get(key_hash)
    if cached is None or cached[0] <= now:
        lookup = raw_key[len(prefix) :].split("_", 1)[0]
        key = (
            ApiKey.objects.select_related("store")
            .filter(lookup=lookup, revoked_at__isnull=True)
            .first()
        )
        if key is None or key.prefix != prefix or not hmac.compare_digest(key.key_hash, key_hash):
            _api_key_cache.pop(key_hash, None)
            return None
        cached = (now + _cache_seconds(), copy.copy(key.store), key.kind)
        if cached[0] > now:
            if len(_api_key_cache) >= API_KEY_CACHE_SIZE:
                _api_key_cache.clear()
            _api_key_cache[key_hash] = cached
    _, store, kind = cached
    if kind == ApiKey.Kind.PUBLISHABLE and not allow_publishable:
        return None
    return copy.copy(store)


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

