"""Erasure: a customer's personal data, or a whole shop's, removed everywhere."""

import hashlib
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cxloop.core.models import Store

from ..models import (
    Checkout,
    Customer,
    CustomerSearchTerm,
    ErasedIdentity,
    Event,
    ExternalId,
    Fulfilment,
    Order,
    Product,
    WebhookDelivery,
)
from ..personal_data import erase_person_elsewhere, erase_store_elsewhere
from ..referrals import ERASED_REFERRER


@transaction.atomic
def erase_customer(*, store: Store, customer: Customer) -> None:
    """Erase a customer's personal data everywhere; keep their orders, anonymised.

    Orders stay for accounting with amounts, dates and lines, but lose the
    link to the person, the email, the note, the shipping address, the
    landing/referrer URLs (which can carry personal data), the referral code they
    ordered with, and their
    fulfilments' tracking numbers and links (a carrier shows where a parcel
    went). Orders placed with the customer's own referral code stay referred but
    lose the code (ERASED_REFERRER). Checkouts, journey events (also those of the anonymous ids the
    customer used), consent records and platform ids go. Repeating the erasure is a no-op.
    An ErasedIdentity remembers their email and platform ids, hashed, so an
    import of an old export does not bring them back. Other apps erase what
    they hold about the person through their hooks (commerce.personal_data),
    in this transaction: the help desk's conversations lose their words.
    """
    erase_person_elsewhere(store=store, customer=customer, emails=[customer.email_key, customer.email])
    record_erasure(
        store=store,
        emails=[customer.email_key],
        external_ids=customer.external_ids.values_list("platform", "external_id"),
    )
    anonymous_ids = list(
        Event.objects.filter(customer=customer).exclude(anonymous_id="")
        .values_list("anonymous_id", flat=True).distinct()
    )  # fmt: skip
    theirs = Q(order__customer=customer)
    if customer.email_key:
        theirs |= Q(order__email__iexact=customer.email_key)
    Fulfilment.objects.filter(theirs, store=store).update(tracking_number="", tracking_url="")
    Order.objects.filter(store=store, customer=customer).update(
        customer=None,
        email="",
        note="",
        landing_page="",
        referrer="",
        checkout_token="",
        referral_code="",
        shipping_address={},
        updated_at=timezone.now(),
    )
    if customer.referral_code:
        Order.objects.filter(store=store, referral_code=customer.referral_code).update(
            referral_code=ERASED_REFERRER, updated_at=timezone.now()
        )
    if customer.email_key:
        Order.objects.filter(store=store, email__iexact=customer.email_key).update(
            email="", note="", shipping_address={}, updated_at=timezone.now()
        )
    Checkout.objects.filter(store=store, customer=customer).delete()
    if customer.email_key:
        Checkout.objects.filter(store=store, email__iexact=customer.email_key).delete()
    Event.objects.filter(store=store, customer=customer).delete()
    if anonymous_ids:
        Event.objects.filter(store=store, anonymous_id__in=anonymous_ids).delete()
    if customer.email_key:
        WebhookDelivery.objects.filter(store=store, body__icontains=customer.email_key).update(body="")
    customer.delete()  # cascades to ExternalId, ConsentRecord and CustomerSearchTerm


@transaction.atomic
def erase_person(*, store: Store, email: str, external_ids: Iterable[tuple[str, str]] = ()) -> None:
    """Erase someone cxloop may hold no customer record of: remember them and run every app's hook.

    A conversation written from this address, never linked to a customer, loses its words too.
    """
    record_erasure(store=store, emails=[email], external_ids=external_ids)
    if email:
        erase_person_elsewhere(store=store, emails=[email])


def identity_digest(kind: str, value: str) -> str:
    """The digest an ErasedIdentity keeps: kind is "email" (value lower-cased) or a platform."""
    value = value.strip().lower() if kind == "email" else value.strip()
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


def record_erasure(
    *, store: Store, emails: Iterable[str] = (), external_ids: Iterable[tuple[str, str]] = ()
) -> None:
    """Remember erased emails and (platform, id) pairs, hashed; recording one again is a no-op."""
    digests = {identity_digest("email", email) for email in emails if email}
    digests |= {identity_digest(platform, ext) for platform, ext in external_ids if ext}
    now = timezone.now()
    ErasedIdentity.objects.bulk_create(
        [ErasedIdentity(store=store, digest=digest, erased_at=now) for digest in sorted(digests)],
        ignore_conflicts=True,
    )


@transaction.atomic
def erase_store_data(*, store: Store) -> None:
    """Erase every customer, order, checkout, event and product a shop mirrored.

    The delivery log keeps its rows (status, topic, time) but loses any body.
    Other apps' hooks remove what they hold of the store's customers (the help desk's conversations).
    """
    erase_store_elsewhere(store=store)
    for model in (Event, Checkout, Order, ExternalId, CustomerSearchTerm, Customer, Product):
        model.objects.filter(store=store).delete()
    WebhookDelivery.objects.filter(store=store).exclude(body="").update(body="")
