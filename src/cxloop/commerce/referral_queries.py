"""Who referred an order, for the staff pages: the order's code and the customer it names.

    referral = get_referral(store, order)      # None: the order carries no referral code
    referral.code, referral.referrer, referral.erased
    attach_referrals(store, orders)            # order.referral on each, in one query

An order keeps the code it was placed with (commerce.referrals). The referrer is
the customer of the same store whose code it is now; an erased one is named by
no one: erasure leaves the order the mark `ERASED_REFERRER` instead of the code,
and a customer row kept as erased shows neither its code nor its name.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from cxloop.core.models import Store

from .models import Customer, Order
from .referrals import ERASED_REFERRER


@dataclass(frozen=True)
class Referral:
    code: str  # "" when the referring customer was erased
    referrer: Customer | None  # the store's customer with this code; None if erased or nobody has it now
    erased: bool = False


def get_referral(store: Store, order: Order) -> Referral | None:
    """The referral an order was placed with, or None; its referrer only from the order's own store."""
    return _referrals(store, [order]).get(order.pk)


def attach_referrals(store: Store, orders: Iterable[Order]) -> None:
    """Set `order.referral` (a Referral or None) on each order, reading their referrers in one query."""
    orders = list(orders)
    found = _referrals(store, orders)
    for order in orders:
        order.referral = found.get(order.pk)


def _referrals(store: Store, orders: list[Order]) -> dict[int, Referral]:
    codes = {order.referral_code for order in orders if order.referral_code not in ("", ERASED_REFERRER)}
    owners = {}
    if codes:
        rows = Customer.objects.filter(store=store, referral_code__in=codes).only(
            "pk", "referral_code", "first_name", "last_name", "email", "phone", "erased_at"
        )
        owners = {customer.referral_code: customer for customer in rows}
    found = {}
    for order in orders:
        code = order.referral_code
        if not code:
            continue
        owner = owners.get(code)
        if code == ERASED_REFERRER or (owner is not None and owner.erased_at is not None):
            found[order.pk] = Referral(code="", referrer=None, erased=True)
        else:
            found[order.pk] = Referral(code=code, referrer=owner)
    return found
