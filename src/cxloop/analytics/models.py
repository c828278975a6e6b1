"""What the warehouse must forget: erasures waiting for the next sync."""

from django.db import models

from cxloop.core.models import StoreScopedModel


class WarehouseErasure(StoreScopedModel):
    """A customer (or, with no customer, the whole store) erased since the last sync.

    Written in the erasure's transaction (the commerce.personal_data hook), so it
    exists exactly when the erasure committed; the sync removes the person's rows
    from the warehouse, commits that, and only then deletes this row.
    """

    customer_id = models.BigIntegerField(null=True, blank=True, help_text="None: the whole store.")
    anonymous_ids = models.JSONField(default=list, blank=True, help_text="The storefront ids they used.")
    created_at = models.DateTimeField(auto_now_add=True)
