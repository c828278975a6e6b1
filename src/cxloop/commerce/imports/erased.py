"""Customers erased at their request, as an import sees them: never brought back."""

from functools import cached_property

from cxloop.core.models import Platform, Store

from ..models import ErasedIdentity
from ..services.erasure import identity_digest


class ErasedCustomers:
    """Answers "was this person erased?" for one import run.

    Most stores never erased anyone: one query per run tells, and then no
    row costs a query.
    """

    def __init__(self, store: Store):
        self.store = store

    @cached_property
    def any(self) -> bool:
        return ErasedIdentity.objects.filter(store=self.store).exists()

    def include(self, *, email: str = "", shopify_id: str | None = None) -> bool:
        """True when the email or the Shopify customer id belongs to an erased customer."""
        digests = [identity_digest("email", email)] if email else []
        if shopify_id:
            digests.append(identity_digest(Platform.SHOPIFY, shopify_id))
        if not (digests and self.any):
            return False
        return ErasedIdentity.objects.filter(store=self.store, digest__in=digests).exists()
