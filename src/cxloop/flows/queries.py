"""Reads of the contact-pressure policy, the contact ledger and suppressions."""

from datetime import datetime, timedelta

from cxloop.core.models import Store

from .models import Contact, ContactPolicy, Suppression


def get_contact_policy(store: Store) -> ContactPolicy:
    """The store's policy; an unsaved default one if the store never changed it."""
    return ContactPolicy.objects.filter(store=store).first() or ContactPolicy(store=store)


def is_suppressed(store: Store, email_key: str) -> bool:
    """Whether unasked mail to this (lower-cased) address is refused."""
    return is_suppressed_digest(store, Suppression.digest(email_key))


def is_suppressed_digest(store: Store, email_digest: str) -> bool:
    """Whether unasked mail to the address with this Suppression.digest is refused."""
    return Suppression.objects.filter(store=store, email_digest=email_digest).exists()


def last_contact_at(store: Store, customer_id: int, kind: str) -> datetime | None:
    """When the customer was last contacted with this kind of message, if ever."""
    return (
        Contact.objects.filter(store=store, customer_id=customer_id, kind=kind)
        .order_by("-contacted_at")
        .values_list("contacted_at", flat=True)
        .first()
    )


def next_contact_allowed_at(store: Store, customer_id: int, kind: str) -> datetime | None:
    """The earliest time the policy allows another contact of this kind (None: now)."""
    window = get_contact_policy(store).window_days(kind)
    last = last_contact_at(store, customer_id, kind)
    if not window or last is None:
        return None
    return last + timedelta(days=window)
