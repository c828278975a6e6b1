"""Where is my order? The self-service lookup the chat widget offers a shopper.

A shopper gives their order number and email; the answer is what they may see
of that order, or None. None means "no such order, or not with this email":
the two are never told apart, so the lookup never reveals whether an order
exists. Numbers are matched forgivingly (whitespace, a leading "#", full-width
or Persian digits, lower-case letters); emails without case::

    look_up(store=store, number=" ۱۰۰۱ ", email="Ania@Example.PL ", client="203.0.113.5")
    -> {"number": "#1001", "placed": "2026-10-01", "status": "shipped", "status_label": "Shipped",
        "total": "249.00", "currency": "PLN",
        "items": [{"title": "Kubek", "variant_title": "Niebieski", "quantity": 2}],
        "fulfilments": [{"status": "in_transit", "status_label": "In transit", "carrier": "InPost",
                         "tracking_number": "5200...", "tracking_url": "https://inpost.pl/...",
                         "shipped": "2026-10-02"}]}

Guessing is slowed twice over, both limits counted before the order is read:
at most LOOKUPS_PER_CLIENT lookups per client address (in all stores together),
and LOOKUPS_PER_NUMBER per order number of the store, whoever asks (so trying emails against one
number from many addresses is slow too). Every lookup counts, found or not:
the number's limit must refuse the right email as well once it is reached, or
it would not stop a guesser, and `surveys.ratelimit` only counts as it checks.

Platform text (titles, carrier) comes back as plain strings, unescaped: the
widget sets it as text, never as HTML. Addresses, phone, payment details and
the customer's other orders are never part of the answer.
"""

import unicodedata
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cxloop.commerce import parsing as commerce_parsing
from cxloop.commerce import queries as commerce_queries
from cxloop.commerce.models import Fulfilment, LineItem, Order
from cxloop.core.errors import RateLimited
from cxloop.core.formats import store_zone
from cxloop.core.models import Store
from cxloop.surveys import ratelimit

LOOKUPS_PER_CLIENT = (10, 600)  # lookups, seconds
LOOKUPS_PER_NUMBER = (5, 3600)
MAX_INPUT = 300  # characters of a typed number or email looked at; longer ones match nothing
MAX_NUMBER = 64  # Order.number
# Orders of one store sharing a number: one per platform, in practice.
SAME_NUMBER = 10
# Shopify's variant title for a product without options: nothing to show.
NO_VARIANT = "Default Title"

STATUS_LABELS = {
    "cancelled": gettext_lazy("Cancelled"),
    "refunded": gettext_lazy("Refunded"),
    "returned": gettext_lazy("Returned"),
    "delivered": gettext_lazy("Delivered"),
    "shipped": gettext_lazy("Shipped"),
    "partially_shipped": gettext_lazy("Partially shipped"),
    "awaiting_payment": gettext_lazy("Awaiting payment"),
    "processing": gettext_lazy("Processing"),
}
AWAITING_PAYMENT = {Order.Financial.PENDING, Order.Financial.PARTIALLY_PAID}


def look_up(*, store: Store, number: str, email: str, client: str) -> dict | None:
    """What a shopper may see of their order: the store's order with this number and email, or None.

    None alike for an unknown number and a wrong email. Raises RateLimited past
    LOOKUPS_PER_CLIENT lookups from `client` (the caller's IP) or
    LOOKUPS_PER_NUMBER lookups of one number in the store; its `retry_after`
    says when to ask again. Reads only; the answer is JSON-ready.
    """
    _count("order-lookup-client", client, LOOKUPS_PER_CLIENT)
    wanted = normalize_number(number)
    if not wanted:
        return None
    _count("order-lookup-number", f"{store.pk}:{wanted.upper()}", LOOKUPS_PER_NUMBER)
    order = _find_order(store, wanted, normalize_email(email))
    return None if order is None else build_answer(store, order)


def normalize_number(typed: str) -> str:
    """An order number as typed, ready to compare: "" when it cannot be any number.

    NFKC (full-width "＃１００１" -> "#1001"), every decimal digit as ASCII
    (Persian "۱۰۰۱", Arabic-Indic "١٠٠١"), invisible format characters (a
    pasted right-to-left mark) removed, then without surrounding whitespace
    and one leading "#".
    """
    if not isinstance(typed, str) or len(typed) > MAX_INPUT:
        return ""
    text = unicodedata.normalize("NFKC", typed)
    text = "".join(_ascii_digit(ch) for ch in text if unicodedata.category(ch) != "Cf")
    text = text.strip().removeprefix("#").strip()
    # Not printable: a NUL (which PostgreSQL refuses in a query) or a lone surrogate (not UTF-8) too.
    return text if len(text) <= MAX_NUMBER and text.isprintable() else ""


def normalize_email(typed: str) -> str:
    """An email as typed, ready to compare: NFKC (a full-width "＠"), trimmed, lower-cased."""
    if not isinstance(typed, str) or len(typed) > MAX_INPUT:
        return ""
    return unicodedata.normalize("NFKC", typed).strip().lower()


def _ascii_digit(ch: str) -> str:
    return str(unicodedata.decimal(ch)) if ch.isdecimal() else ch


def _count(scope: str, identity: str, limit: tuple[int, int]) -> None:
    allowed, period = limit
    # hit() hashes the identity's UTF-8: a lone surrogate (JSON allows "\ud800") must not make it fail.
    identity = identity.encode(errors="replace").decode()
    decision = ratelimit.hit(scope, identity, limit=allowed, period=period)
    if not decision.allowed:
        raise RateLimited(
            _("Too many order lookups. Please try again later."), retry_after=decision.retry_after
        )


def _find_order(store: Store, number: str, email: str) -> Order | None:
    """The store's newest order with this number (with or without "#", as typed or in capitals, as
    Ecwid's "#XJ12H") whose email is `email`."""
    if "@" not in email:
        return None
    numbers = {number, f"#{number}", number.upper(), f"#{number.upper()}"}
    candidates = (
        Order.objects.filter(store=store, number__in=sorted(numbers))
        .select_related("customer")
        .order_by("-created_at", "-id")[:SAME_NUMBER]
    )
    for order in candidates:
        if normalize_email(_email_of(order)) == email:
            return order
    return None


def _email_of(order: Order) -> str:
    """The order's email; its customer's when the order has none ("" for an erased customer's orders)."""
    if order.email:
        return order.email
    return order.customer.email if order.customer else ""


def build_answer(store: Store, order: Order) -> dict:
    """The order as the shopper sees it (see the module): JSON-ready, labels in the active language."""
    zone = store_zone(store)
    lines = LineItem.objects.filter(store=store, order=order).select_related("variant").order_by("id")
    shipments = [
        shipment
        for shipment in commerce_queries.list_order_fulfilments(store, order)
        if shipment.status != Fulfilment.Status.CANCELLED
    ]
    status = summarize_status(order, shipments)
    return {
        "number": order.number,
        "placed": order.created_at.astimezone(zone).date().isoformat(),
        "status": status,
        "status_label": str(STATUS_LABELS[status]),
        "total": str(order.total),
        "currency": order.currency,
        "items": [_item(line) for line in lines],
        "fulfilments": [_shipment(shipment, zone) for shipment in shipments],
    }


def summarize_status(order: Order, shipments: list[Fulfilment]) -> str:
    """One word for where the order is: a key of STATUS_LABELS.

    Cancelled and refunded come first (a refunded order may have been
    delivered once); then how far it has shipped; then whether it is paid.
    `shipments` are the order's fulfilments other than cancelled ones.
    """
    if order.cancelled_at or order.financial_status == Order.Financial.VOIDED:
        return "cancelled"
    if order.financial_status == Order.Financial.REFUNDED:
        return "refunded"
    if order.fulfillment_status == Order.Fulfillment.RESTOCKED:
        return "returned"
    if order.fulfillment_status == Order.Fulfillment.FULFILLED:
        delivered = shipments and all(s.status == Fulfilment.Status.DELIVERED for s in shipments)
        return "delivered" if delivered else "shipped"
    if order.fulfillment_status == Order.Fulfillment.PARTIAL:
        return "partially_shipped"
    if order.financial_status in AWAITING_PAYMENT:
        return "awaiting_payment"
    return "processing"


def _item(line: LineItem) -> dict:
    variant = line.variant.title if line.variant else ""
    return {
        "title": line.title,
        "variant_title": "" if variant == NO_VARIANT else variant,
        "quantity": line.quantity,
    }


def _shipment(shipment: Fulfilment, zone: ZoneInfo) -> dict:
    return {
        "status": shipment.status,
        "status_label": shipment.get_status_display(),
        "carrier": shipment.carrier,
        "tracking_number": shipment.tracking_number,
        "tracking_url": _web_link(shipment.tracking_url),
        "shipped": shipment.shipped_at.astimezone(zone).date().isoformat() if shipment.shipped_at else None,
    }


def _web_link(url: str) -> str:
    """The tracking link if it is an http(s) URL, "" otherwise.

    Stored links are checked on the way in (commerce.parsing.web_link); checked
    again here because a row written any other way (the admin, a script) reaches
    a shopper's browser through this answer.
    """
    return commerce_parsing.web_link(url) or ""
