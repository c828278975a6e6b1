"""Helpers shared by the webhook tests.

Signatures are computed here, independently of the code under test, so a bug
in the production signer cannot hide itself.
"""

import base64
import hashlib
import hmac

from cxloop.commerce.models import (
    Checkout,
    ConsentRecord,
    Customer,
    Event,
    ExternalId,
    Fulfilment,
    LineItem,
    Order,
    Product,
    Refund,
    Variant,
)  # fmt: skip

# Every table a delivery could write business rows to ("nothing stored" = all unchanged).
BUSINESS_MODELS = (
    Customer, ExternalId, ConsentRecord, Product, Variant, Order, LineItem, Fulfilment, Refund, Checkout,
    Event,
)  # fmt: skip


def hmac_b64(secret: str, message: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def business_rows() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in BUSINESS_MODELS}
