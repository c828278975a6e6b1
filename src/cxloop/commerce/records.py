"""Platform-neutral shapes of what the integrations deliver.

Each integration (Shopify, WooCommerce, Ecwid, CSV, the event API) parses its
payload into these dataclasses; the services only ever see these, so the
rules (idempotency, out-of-order updates, derived facts) live in one place.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

ADDRESS_KEYS = ("name", "company", "address1", "address2", "city", "province", "zip", "country", "phone")


def address_of(**parts: str) -> dict[str, str]:
    """An address as cxloop stores it: the ADDRESS_KEYS that are not blank.

    `country` is an ISO 3166 alpha-2 code; `province` a name or a code, as the
    platform sent it.
    """
    unknown = set(parts) - set(ADDRESS_KEYS)
    if unknown:
        raise ValueError(f"Not address parts: {sorted(unknown)}")
    return {key: parts[key].strip() for key in ADDRESS_KEYS if (parts.get(key) or "").strip()}


@dataclass
class PlatformTotals:
    """A customer's history as the platform counted it (orders count, amount spent)."""

    orders_count: int
    total_spent: Decimal
    currency: str
    as_of: datetime | None = None


@dataclass
class CustomerData:
    external_id: str | None = None
    email: str = ""
    phone: str = ""
    first_name: str = ""
    last_name: str = ""
    language: str = ""
    country: str = ""
    tags: list[str] = field(default_factory=list)
    consent_state: str | None = None
    consent_at: datetime | None = None
    consent_level: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    # None: the record does not say (a blank never wipes what is stored).
    company: str = ""
    address: dict[str, str] = field(default_factory=dict)
    note: str | None = None
    tax_exempt: bool | None = None
    totals: PlatformTotals | None = None


@dataclass
class LineData:
    title: str
    quantity: int
    price: Decimal
    external_id: str = ""
    sku: str = ""
    product_external_id: str = ""
    variant_external_id: str = ""
    variant_title: str = ""
    vendor: str = ""
    total_discount: Decimal = Decimal("0")


@dataclass
class RefundData:
    external_id: str
    amount: Decimal
    currency: str
    created_at: datetime
    note: str = ""


@dataclass
class FulfilmentData:
    """One shipment of an order: `status` is a Fulfilment.Status value, `tracking_url` http(s) or ""."""

    external_id: str
    status: str = "shipped"
    carrier: str = ""
    tracking_number: str = ""
    tracking_url: str = ""
    shipped_at: datetime | None = None
    updated_at: datetime | None = None
    # The payload's link was not an http(s) URL (or too long) and was left out.
    url_refused: bool = False


@dataclass
class OrderData:
    external_id: str
    number: str
    currency: str
    total: Decimal
    created_at: datetime
    email: str = ""
    customer: CustomerData | None = None
    presentment_currency: str = ""
    presentment_total: Decimal | None = None
    subtotal: Decimal = Decimal("0")
    total_discounts: Decimal = Decimal("0")
    discount_codes: list[dict] = field(default_factory=list)
    shipping: Decimal = Decimal("0")
    tax: Decimal = Decimal("0")
    taxes_included: bool = False
    financial_status: str = ""
    fulfillment_status: str = "unfulfilled"
    source_channel: str = ""
    landing_page: str = ""
    referrer: str = ""
    utm_source: str = ""
    utm_medium: str = ""
    utm_campaign: str = ""
    checkout_token: str = ""
    # The referral code a note attribute (`ref`, `referral_code`) names; the order service also reads the
    # landing page's `ref` and the discount codes (commerce.referrals), and keeps another customer's code.
    referral_code: str = ""
    note: str = ""
    shipping_address: dict[str, str] = field(default_factory=dict)
    shipping_method: str = ""
    processed_at: datetime | None = None
    cancelled_at: datetime | None = None
    fulfilled_at: datetime | None = None
    updated_at: datetime | None = None
    lines: list[LineData] = field(default_factory=list)
    refunds: list[RefundData] | None = None
    # None: the record does not say (a CSV export); the stored fulfilments stay as they are.
    fulfilments: list[FulfilmentData] | None = None


@dataclass
class CheckoutData:
    external_id: str
    currency: str
    created_at: datetime
    updated_at: datetime
    token: str = ""
    email: str = ""
    customer: CustomerData | None = None
    total: Decimal = Decimal("0")
    line_items: list[dict] = field(default_factory=list)
    recovery_url: str = ""
    completed_at: datetime | None = None
