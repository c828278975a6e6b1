"""Referral codes: each customer's own, and the one an order was placed with.

    new_referral_code()                        # "7KQ2MZ9RXA": a customer's code (Customer.referral_code)
    named_code([("gift_note", "hi"), ("ref", " 7kq2mz9rxa")])   # "7kq2mz9rxa": a note attribute's code
    order_code_candidates(named="7kq2mz9rxa", landing="/?ref=X", discounts=["SUMMER"])
                                               # ["7KQ2MZ9RXA", "X", "SUMMER"]: what the order carries

A customer shares their code as a link (`https://shop.example/?ref=7KQ2MZ9RXA`,
which the storefront snippet records on the visit) or as a discount code of
the same text set up on the platform. An order carries a referral code when a
note attribute (Shopify's `note_attributes`, WooCommerce's `meta_data`)
named `ref` or `referral_code` holds one, when its landing page had a `ref`
parameter, or when one of its discount codes is a customer's code: the
importers read the named one (`OrderData.referral_code`), and the order service
takes the candidates in that order and keeps the first that belongs to a customer of the store
other than the one ordering (self-referral does not count). So a code stored on
an order always named a referring customer when it arrived.
"""

import secrets
from urllib.parse import parse_qs, urlsplit

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud and typed by hand
CODE_LENGTH = 10  # 32 ** 10 codes: a clash with one of a million customers' is about 1 in 10 ** 9
CODE_MAX_LENGTH = 100
ATTRIBUTE_NAMES = ("ref", "referral_code")
# What an order keeps when the customer whose code it carried is erased: still referred, naming nobody.
ERASED_REFERRER = "-"


def new_referral_code() -> str:
    """A new random code. Unique per store by a constraint: a clash fails the write, and its retry (a
    platform's redelivery, the next import) draws another."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(value) -> str:
    """A code as stored and compared: trimmed, upper-case; "" for anything else or too long."""
    if not isinstance(value, str):
        return ""
    code = value.strip().upper()
    return code if len(code) <= CODE_MAX_LENGTH else ""


def landing_ref(url: str) -> str:
    """The `ref` parameter of a landing page's address ("" without one)."""
    if not url:
        return ""
    try:
        query = parse_qs(urlsplit(url).query)
    except ValueError:
        return ""
    return query.get("ref", [""])[0]


def named_code(attributes) -> str:
    """The code a `ref` (else `referral_code`) attribute holds, of (name, value) pairs; "" without one.
    Values that are not text are passed over: an attribute the store uses otherwise is no error."""
    found = {name: value for name, value in attributes if isinstance(name, str) and isinstance(value, str)}
    return next((found[name] for name in ATTRIBUTE_NAMES if normalize_code(found.get(name))), "")


def order_code_candidates(*, named: str, landing: str, discounts: list[str]) -> list[str]:
    """The codes an order may have been referred with, the most explicit first, each once."""
    found = [named, landing_ref(landing), *discounts]
    return list(dict.fromkeys(code for code in map(normalize_code, found) if code))
