"""The erasure hooks: remember who to remove from the warehouse (the sync does it, analytics.sync)."""

from cxloop.commerce.models import Event

from .models import WarehouseDeletion, WarehouseErasure, WarehouseLink


def erase_person(*, store, customer=None, emails=()) -> None:
    if customer is None:
        return  # nobody the warehouse holds: it keeps no emails, only customer and storefront ids
    anonymous_ids = sorted(
        set(
            Event.objects.filter(store=store, customer=customer)
            .exclude(anonymous_id="")
            .values_list("anonymous_id", flat=True)
            .distinct()
        )  # fmt: skip
    )
    WarehouseErasure.objects.create(store=store, customer_id=customer.pk, anonymous_ids=anonymous_ids)
    WarehouseLink.objects.filter(store=store, customer_id=customer.pk).delete()


def link_visitor(store, anonymous_id: str, customer_id: int) -> None:
    """The identify hook: the next sync gives the visitor's copied events to the customer too."""
    WarehouseLink.objects.create(store=store, anonymous_id=anonymous_id, customer_id=customer_id)


def erase_store(*, store) -> None:
    WarehouseErasure.objects.create(store=store, customer_id=None)


def remove_order(store, order_id: int) -> None:
    """The hook of commerce's remove_order: the next sync deletes the warehouse's copy."""
    WarehouseDeletion.objects.create(store=store, table="orders", row_id=order_id)
