"""API authentication: `Authorization: Bearer <store API key>`."""

from ninja.security import HttpBearer

from . import queries as core_queries
from .models import ApiKey


class StoreApiKey(HttpBearer):
    """`Authorization: Bearer <store API key>`; sets `request.store` and `request.api_key_kind`."""

    openapi_description = "A store API key (`cxloop store create` prints one)."
    error_statuses = (401,)  # a publishable key on a secret-key operation is a 401 too

    def __init__(self, *, allow_publishable: bool = False):
        super().__init__()
        self.allow_publishable = allow_publishable

    def authenticate(self, request, token):
        token = token.strip()
        store = core_queries.get_store_for_api_key(token, allow_publishable=self.allow_publishable)
        if store is not None:
            request.store = store
            request.api_key_kind = api_key_kind(token)
        return store


def api_key_kind(raw_key: str) -> str:
    """The kind of a key that authenticated: a key is only found under its own kind's prefix."""
    if raw_key.startswith(ApiKey.PREFIXES[ApiKey.Kind.PUBLISHABLE]):
        return ApiKey.Kind.PUBLISHABLE
    return ApiKey.Kind.SECRET
