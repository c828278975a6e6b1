"""What other apps hold about a customer: hooks commerce calls when it erases or exports a person.

commerce holds the customer record, so its erasure (Shopify customers/redact,
shop/redact) and its export start here; an app that keeps more about a person
(the help desk's conversations) registers a hook in its AppConfig.ready:

    register_personal_data(
        "helpdesk",
        erase_person=privacy.erase_contact,     # (store=, customer=Customer | None, emails=[...])
        erase_store=privacy.erase_store,        # (store=)
        export=privacy.build_contact_export,    # (store, customer=, emails=) -> JSON-able
    )

commerce imports no app that imports it (the help desk reads customers), so
the hooks run the other way. Hooks run inside the caller's transaction: a
failing hook rolls the whole erasure back.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class PersonalDataHooks:
    erase_person: Callable[..., object] | None = None
    erase_store: Callable[..., object] | None = None
    export: Callable[..., object] | None = None


HOOKS: dict[str, PersonalDataHooks] = {}


def register_personal_data(name: str, **hooks: Callable) -> None:
    """Register (or replace) the hooks of `name`; called again with the same name, the last wins."""
    HOOKS[name] = PersonalDataHooks(**hooks)


def erase_person_elsewhere(*, store, customer=None, emails=()) -> None:
    """Run every app's erase_person hook for this person (a customer record, their emails, or both)."""
    emails = sorted({e.strip().lower() for e in emails if e and e.strip()})
    for hooks in HOOKS.values():
        if hooks.erase_person is not None:
            hooks.erase_person(store=store, customer=customer, emails=emails)


def erase_store_elsewhere(*, store) -> None:
    for hooks in HOOKS.values():
        if hooks.erase_store is not None:
            hooks.erase_store(store=store)


def export_elsewhere(*, store, customer=None, emails=()) -> dict:
    """Each app's part of a person's export, by app name."""
    emails = sorted({e.strip().lower() for e in emails if e and e.strip()})
    return {
        name: hooks.export(store, customer=customer, emails=emails)
        for name, hooks in sorted(HOOKS.items())
        if hooks.export is not None
    }


CUSTOMER_FIELDS = [
    "email", "phone", "first_name", "last_name", "company", "language", "country", "tags",
    "email_consent", "address", "note", "referral_code",
]  # fmt: skip


def build_customer_export(store, customer) -> dict:
    """A customer's personal data as JSON-able data: the record, platform ids, orders, consents,
    journey events, and each app's part (the help desk's conversations) under "apps". Reads only."""
    from .models import ConsentRecord, Event, ExternalId, Order

    links = ExternalId.objects.filter(store=store, customer=customer).order_by("pk")
    orders = Order.objects.filter(store=store, customer=customer).order_by("created_at", "pk")
    consents = ConsentRecord.objects.filter(store=store, customer=customer).order_by("occurred_at", "pk")
    events = Event.objects.filter(store=store, customer=customer).order_by("occurred_at", "pk")
    profile = {name: getattr(customer, name) for name in CUSTOMER_FIELDS}
    return {
        "customer": profile | {"created_at": _iso(customer.created_at)},
        "platform_ids": [{"platform": link.platform, "id": link.external_id} for link in links],
        "orders": [_order(order) for order in orders.prefetch_related("line_items", "fulfilments")],
        "consents": [
            {"state": c.state, "occurred_at": _iso(c.occurred_at), "source": c.source, "wording": c.wording}
            for c in consents
        ],
        "events": [
            {"type": e.type, "occurred_at": _iso(e.occurred_at), "properties": e.properties} for e in events
        ],
        "apps": export_elsewhere(store=store, customer=customer, emails=[customer.email_key, customer.email]),
    }


def _order(order) -> dict:
    return {
        "number": order.number,
        "email": order.email,
        "created_at": _iso(order.created_at),
        "currency": order.currency,
        "total": str(order.total),
        "note": order.note,
        "shipping_address": order.shipping_address,
        "lines": [{"title": line.title, "quantity": line.quantity} for line in order.line_items.all()],
        "shipments": [
            {"carrier": f.carrier, "tracking_number": f.tracking_number, "tracking_url": f.tracking_url}
            for f in sorted(order.fulfilments.all(), key=lambda f: f.pk)
        ],
    }


def _iso(value):
    return value.isoformat() if value else None
