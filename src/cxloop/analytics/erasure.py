"""The erasure hooks: remember who to remove from the warehouse (the sync does it, analytics.sync)."""

from cxloop.commerce.models import Event

from .models import WarehouseErasure


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


def erase_store(*, store) -> None:
    WarehouseErasure.objects.create(store=store, customer_id=None)
