"""The store mirror's verbs. Each module holds one topic; import from here."""

from .customers import (
    casefold_name,
    record_consent,
    refresh_customer_facts,
    register_renamed_listener,
    tag_customer,
    upsert_customer,
    would_change_customer,
)
from .deliveries import record_rejected_delivery, start_delivery
from .erasure import erase_customer, erase_person, erase_store_data
from .events import record_events
from .fulfilments import record_fulfilment
from .orders import (
    add_refund,
    mark_abandoned_checkouts,
    remove_checkout,
    remove_order,
    upsert_checkout,
    upsert_order,
)
from .system_events import record_system_event

__all__ = [
    "add_refund",
    "casefold_name",
    "erase_customer",
    "erase_person",
    "erase_store_data",
    "mark_abandoned_checkouts",
    "record_consent",
    "record_events",
    "record_fulfilment",
    "record_rejected_delivery",
    "record_system_event",
    "refresh_customer_facts",
    "register_renamed_listener",
    "remove_checkout",
    "remove_order",
    "start_delivery",
    "tag_customer",
    "upsert_checkout",
    "upsert_customer",
    "upsert_order",
    "would_change_customer",
]
