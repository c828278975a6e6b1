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


class WarehouseLink(StoreScopedModel):
    """An anonymous visitor's earlier storefront events given to a customer (an identify) since the last
    sync: written in the identify's transaction; the sync gives the warehouse's copies of those events
    to the customer too, commits, then deletes this row."""

    anonymous_id = models.CharField(max_length=100)
    customer_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)


class WarehouseDeletion(StoreScopedModel):
    """A row the store mirror deleted since the last sync (a platform's deleted order: commerce's
    remove_order): written in the deletion's transaction; the sync deletes the warehouse's copy and
    computes again what was made of it (analytics.rollups), commits, then deletes this row."""

    table = models.CharField(max_length=40, help_text="The warehouse table (analytics.sources): orders.")
    row_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
