"""Customers: matching, upserts, consent, and the derived facts.

Other apps that keep a customer's name or email in an index of their own (the
help desk's conversation search) register a listener, called in the transaction
of every change of an existing customer's name or email:

    register_renamed_listener(reindex_customers)   # reindex_customers(store, customer_ids)
"""

import unicodedata
from collections.abc import Callable, Iterable

from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone

from cxloop.core.models import Store

from ..models import ConsentRecord, Customer, CustomerSearchTerm, ExternalId, Order
from ..records import CustomerData
from ..search_terms import build_terms

RenamedListener = Callable[[Store, list[int]], object]
RENAMED_LISTENERS: list[RenamedListener] = []


def register_renamed_listener(listener: RenamedListener) -> None:
    """Call `listener(store, customer_ids)` in the transaction of every change of existing customers'
    first name, last name or email (once per listener); a listener that raises rolls the change back."""
    if listener not in RENAMED_LISTENERS:
        RENAMED_LISTENERS.append(listener)


def _tell_renamed(store: Store, customer_ids: list[int]) -> None:
    for listener in RENAMED_LISTENERS:
        listener(store, customer_ids)


def casefold_name(first: str, last: str) -> str:
    """The search key of a name: NFKC, case-folded, one space between parts."""
    joined = " ".join(p for p in (first, last) if p)
    return unicodedata.normalize("NFKC", joined).casefold()


def _find_customer(store: Store, platform: str, data: CustomerData) -> Customer | None:
    if data.external_id:
        link = (
            ExternalId.objects.select_related("customer")
            .filter(store=store, platform=platform, external_id=data.external_id)
            .first()
        )
        if link:
            return link.customer
    if data.email:
        return Customer.objects.filter(store=store, email_key=data.email.lower()).order_by("id").first()
    return None


def upsert_customer(
    *, store: Store, platform: str, data: CustomerData, source: str = ""
) -> tuple[Customer, bool]:
    """Create or update a customer from a platform record; return (customer, applied).

    Matches by the platform's id, then by email (case-insensitive). An update
    older than the stored `source_updated_at` changes nothing (applied=False).
    A changed name or email of an existing customer is told to the renamed
    listeners (one call, only then). Call inside a transaction.
    """
    now = timezone.now()
    customer = _find_customer(store, platform, data)
    if customer is None:
        customer = Customer(store=store, created_at=data.created_at or now, updated_at=now)
    elif data.updated_at and customer.source_updated_at and data.updated_at < customer.source_updated_at:
        _link_external_id(store, platform, data, customer)
        return customer, False
    searched_by = _searched_by(customer)
    _apply_fields(customer, data)
    totals_changed = _apply_platform_totals(customer, data, platform, now)
    customer.updated_at = now
    if data.updated_at:
        customer.source_updated_at = data.updated_at
    is_new = customer.pk is None
    if totals_changed and is_new:
        # A new customer has no orders in cxloop: the platform's history stands.
        _use_platform_history(customer, store)
    customer.save()
    if totals_changed and not is_new:
        refresh_customer_facts(store, [customer.pk])
    if _searched_by(customer) != searched_by:
        index_search_terms(customer)
        if searched_by is not None:  # a new customer is in nobody's index yet
            _tell_renamed(store, [customer.pk])
    _link_external_id(store, platform, data, customer)
    if data.consent_state and data.consent_state != customer.email_consent:
        record_consent(
            customer=customer,
            state=data.consent_state,
            occurred_at=data.consent_at or data.updated_at or now,
            source=source or platform,
            opt_in_level=data.consent_level,
        )
    return customer, True


IDENTITY_FIELDS = ["email", "email_key", "first_name", "last_name", "name_key", "surname_key"]


def identify_customer(*, store: Store, email: str, first_name: str = "", last_name: str = "") -> Customer:
    """The customer a signed storefront identity names, created for a new email.

    Storefront traits only fill fields that are empty: a name a platform or
    staff set is never overwritten (the greeting of survey emails comes from
    it). Call inside a transaction.
    """
    now = timezone.now()
    customer = _find_customer(store, "", CustomerData(email=email))
    if customer is None:
        customer = Customer(store=store, created_at=now, updated_at=now)
    empty_only = CustomerData(
        email="" if customer.email else email,
        first_name="" if customer.first_name else first_name,
        last_name="" if customer.last_name else last_name,
    )
    if customer.pk is None:
        _apply_fields(customer, empty_only)
        customer.save()
        index_search_terms(customer)
    elif any((empty_only.email, empty_only.first_name, empty_only.last_name)):
        _apply_fields(customer, empty_only)
        customer.updated_at = now
        customer.save(update_fields=[*IDENTITY_FIELDS, "updated_at"])
        index_search_terms(customer)
        _tell_renamed(store, [customer.pk])
    return customer


def _searched_by(customer: Customer) -> tuple | None:
    """What a customer's search terms are built from; None before the customer is saved."""
    return (customer.first_name, customer.last_name, customer.email) if customer.pk else None


def index_search_terms(customer: Customer) -> None:
    """Make the customer's search terms those of their current name and email.

    Adds the missing terms and deletes the stale ones, so a search never finds
    a customer by a name or address they no longer have. Call inside a transaction.
    """
    terms = build_terms(customer.first_name, customer.last_name, customer.email)
    stored = set(CustomerSearchTerm.objects.filter(customer=customer).values_list("term", flat=True))
    if stored - terms:
        CustomerSearchTerm.objects.filter(customer=customer, term__in=stored - terms).delete()
    new = sorted(terms - stored)
    CustomerSearchTerm.objects.bulk_create(
        [CustomerSearchTerm(store_id=customer.store_id, customer=customer, term=term) for term in new],
        ignore_conflicts=True,
    )


def _apply_fields(customer: Customer, data: CustomerData) -> None:
    # A platform record that leaves a field empty does not wipe what we know.
    for name in ("email", "phone", "first_name", "last_name", "language", "country"):
        value = getattr(data, name)
        if value:
            setattr(customer, name, value)
    if data.tags:
        customer.tags = data.tags
    if data.company:
        customer.company = data.company
    if data.address:
        customer.address = data.address
    if data.note is not None:
        customer.note = data.note
    if data.tax_exempt is not None:
        customer.tax_exempt = data.tax_exempt
    customer.email_key = customer.email.lower()
    customer.name_key = casefold_name(customer.first_name, customer.last_name)
    customer.surname_key = casefold_name("", customer.last_name)


APPLIED_FIELDS = (
    "email", "email_key", "phone", "first_name", "last_name", "language", "country", "tags",
    "company", "address", "note", "tax_exempt",
)  # fmt: skip
TOTALS_FIELDS = ("platform_orders_count", "platform_total_spent", "platform_totals_currency")


def _totals_values(data: CustomerData) -> tuple:
    totals = data.totals
    return (totals.orders_count, totals.total_spent, totals.currency) if totals else ()


def _apply_platform_totals(customer: Customer, data: CustomerData, platform: str, now) -> bool:
    """Keep the platform's count of the customer's history; return whether it changed."""
    values = _totals_values(data)
    if not values or values == tuple(getattr(customer, name) for name in TOTALS_FIELDS):
        return False
    for name, value in zip(TOTALS_FIELDS, values, strict=True):
        setattr(customer, name, value)
    customer.platform_totals_source = platform
    customer.platform_totals_at = data.totals.as_of or now
    return True


def _use_platform_history(customer: Customer, store: Store) -> None:
    """Take the derived facts from the platform's totals (for a customer with no orders in cxloop).

    The count always; the amount only when it is in the store's currency,
    since the facts never add currencies.
    """
    has_totals = customer.platform_orders_count is not None
    customer.facts_from_platform = has_totals
    customer.orders_count = customer.platform_orders_count or 0
    same_currency = customer.platform_totals_currency in ("", store.currency)
    spent = customer.platform_total_spent if has_totals and same_currency else None
    customer.amount_spent = spent or 0
    customer.first_order_at = customer.last_order_at = None


def would_change_customer(customer: Customer, data: CustomerData) -> bool:
    """Whether `upsert_customer` with `data` would change this customer's fields or consent.

    (A platform id not yet linked to the customer is a change too; that is
    the caller's to check, as it knows the platform.)
    """
    if data.consent_state and data.consent_state != customer.email_consent:
        return True
    if _totals_values(data) not in ((), tuple(getattr(customer, name) for name in TOTALS_FIELDS)):
        return True
    probe = Customer(**{name: getattr(customer, name) for name in APPLIED_FIELDS})
    _apply_fields(probe, data)
    return any(getattr(probe, name) != getattr(customer, name) for name in APPLIED_FIELDS)


def _link_external_id(store, platform, data: CustomerData, customer: Customer) -> None:
    if data.external_id:
        ExternalId.objects.get_or_create(
            store=store,
            platform=platform,
            external_id=data.external_id,
            defaults={"customer": customer},
        )


def record_consent(
    *,
    customer: Customer,
    state: str,
    occurred_at,
    source: str,
    wording: str = "",
    wording_version: str = "",
    opt_in_level: str = "",
) -> ConsentRecord:
    """Append a consent change to the ledger and set the customer's current state."""
    record = ConsentRecord.objects.create(
        store_id=customer.store_id,
        customer=customer,
        state=state,
        occurred_at=occurred_at,
        source=source,
        wording=wording,
        wording_version=wording_version,
        opt_in_level=opt_in_level,
    )
    Customer.objects.filter(pk=customer.pk).update(email_consent=state)
    customer.email_consent = state
    return record


FACT_FIELDS = ["orders_count", "amount_spent", "first_order_at", "last_order_at", "facts_from_platform"]


def refresh_customer_facts(store: Store, customer_ids: Iterable[int | None]) -> None:
    """Recompute orders_count, amount_spent and first/last order for customers.

    Counts orders that are not cancelled; spend is their total net of refunds,
    in the store's currency only (an order in another currency is counted but
    never added to an amount in a different currency). A customer without
    any order in cxloop (cancelled ones included) whom a platform reported
    totals for keeps those as their facts, with `facts_from_platform` set.
    """
    ids = sorted({i for i in customer_ids if i is not None})
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        live = Q(cancelled_at__isnull=True)
        same_currency = live & Q(currency=store.currency)
        facts = {
            row["customer_id"]: row
            for row in Order.objects.filter(store=store, customer_id__in=chunk)
            .values("customer_id")
            .annotate(
                n=Count("id", filter=live),
                total=Sum("total", filter=same_currency),
                refunded=Sum("refunded_amount", filter=same_currency),
                first=Min("created_at", filter=live),
                last=Max("created_at", filter=live),
            )
        }
        customers = list(Customer.objects.filter(store=store, pk__in=chunk))
        for customer in customers:
            row = facts.get(customer.pk)
            if row is None:
                _use_platform_history(customer, store)
                continue
            customer.facts_from_platform = False
            customer.orders_count = row.get("n") or 0
            customer.amount_spent = (row.get("total") or 0) - (row.get("refunded") or 0)
            customer.first_order_at = row.get("first")
            customer.last_order_at = row.get("last")
        Customer.objects.bulk_update(customers, FACT_FIELDS)


def tag_customer(*, customer: Customer, tag: str) -> bool:
    """Add a tag to a customer unless it is there already; return whether it was added."""
    tag = tag.strip()
    current = Customer.objects.filter(pk=customer.pk).values_list("tags", flat=True).first() or []
    if not tag or tag in current:
        return False
    customer.tags = [*current, tag]
    Customer.objects.filter(pk=customer.pk).update(tags=customer.tags)
    return True
