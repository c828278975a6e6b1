"""API authentication: `Authorization: Bearer <store API key>`."""

from ninja.security import HttpBearer

from . import queries as core_queries


class StoreApiKey(HttpBearer):
    """`Authorization: Bearer <store API key>`; sets `request.store`."""

    openapi_description = "A store API key (`cxloop store create` prints one)."

    def __init__(self, *, allow_publishable: bool = False):
        super().__init__()
        self.allow_publishable = allow_publishable

    def authenticate(self, request, token):
        store = core_queries.get_store_for_api_key(
            token.strip(), allow_publishable=self.allow_publishable
        )
        if store is not None:
            request.store = store
        return store
