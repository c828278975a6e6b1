"""What every platform adapter shares: the signature check and small mappings."""

import base64
import hashlib
import hmac
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

from cxloop.core.errors import InvalidInput
from cxloop.core.languages import normalize_language
from cxloop.core.models import Store

from ..models import ErasedIdentity
from ..parsing import web_link
from ..records import CustomerData, FulfilmentData, OrderData
from ..services.erasure import identity_digest


@dataclass
class Outcome:
    """What applying a delivery did, for the delivery log."""

    status: str
    reason: str = ""
    body: str = ""


def body_sha256(raw: bytes) -> str:
    """The hex SHA-256 of a delivery's raw body: its key when the body is what is signed."""
    return hashlib.sha256(raw).hexdigest()


ERASED_SINCE = "Older than the customer's erasure; not applied."


def erased_since(store: Store, platform: str, person: CustomerData | None, email: str, updated_at) -> bool:  # noqa: E501
    """Whether the person a platform record names was erased after the record was last updated.

    Deliveries are applied however late they arrive, and the stored
    `updated_at` that keeps an older update from overwriting a newer one is
    gone with an erased customer: the ErasedIdentity's time takes its place.
    Someone who signed up again after their erasure has newer records, which
    are applied. A record without a time is taken as older.
    """
    digests = {identity_digest("email", email)} if email else set()
    if person is not None:
        if person.email:
            digests.add(identity_digest("email", person.email))
        if person.external_id:
            digests.add(identity_digest(platform, person.external_id))
    if not digests:
        return False
    erased = ErasedIdentity.objects.filter(store=store, digest__in=digests)
    return erased.filter(erased_at__gt=updated_at).exists() if updated_at else erased.exists()


def without_erased_person(store: Store, platform: str, data: OrderData) -> OrderData:
    """The order as erasure leaves it (no person, email, note, address, URLs or tracking) if its
    customer was erased after the order was last updated; otherwise unchanged."""
    if erased_since(store, platform, data.customer, data.email, data.updated_at):
        data.customer, data.email, data.note, data.shipping_address = None, "", "", {}
        data.landing_page, data.referrer, data.checkout_token, data.referral_code = "", "", "", ""
        for fulfilment in data.fulfilments or ():
            fulfilment.tracking_number, fulfilment.tracking_url = "", ""
    return data


REFUSED_LINK = "A tracking link that is not an http(s) URL was left out."


def with_link_note(outcome: Outcome, fulfilments: list[FulfilmentData] | None) -> Outcome:
    """The outcome, its reason saying so when a fulfilment's tracking link was refused."""
    if any(f.url_refused for f in fulfilments or ()):
        outcome.reason = f"{outcome.reason} {REFUSED_LINK}".strip()
    return outcome


def tracking_link(value) -> tuple[str, bool]:
    """(link, refused) for a payload's tracking URL: an http(s) URL or "" (see parsing.web_link)."""
    link = web_link(value)
    return ("", True) if link is None else (link, False)


ROUNDING = Decimal("0.02")


def taxes_included_by_arithmetic(
    *, subtotal: Decimal, shipping: Decimal, tax: Decimal, total: Decimal
) -> bool:
    """Whether an order's prices include its tax, for payloads that do not say.

    Included (VAT) when subtotal + shipping is the total already; added
    (sales tax) otherwise. Subtotal is after discounts.
    """
    return tax > 0 and abs(subtotal + shipping - total) <= ROUNDING


def base64_hmac_sha256(secret: str, message: bytes) -> str:
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signature_matches(secret: str, message: bytes, given: str | None) -> bool:
    """Constant-time check of a base64 HMAC-SHA256 signature; empty never matches."""
    if not given or not given.strip():
        return False
    expected = base64_hmac_sha256(secret, message)
    return hmac.compare_digest(expected.encode(), given.strip().encode())


def language_code(locale: str | None) -> str:
    """A cxloop language code from a platform locale ("pl-PL" -> "pl", "zh-TW" -> "zh-hant")."""
    if not locale or not isinstance(locale, str):
        return ""
    value = locale.strip().lower().replace("_", "-")[:16]
    if value.split("-")[0] == "zh":
        return normalize_language(value)
    return value.split("-")[0][:8] if value.isascii() else ""


def country_code(value) -> str:
    if not isinstance(value, str):
        return ""
    value = value.strip()
    if len(value) == 2 and value.isascii() and value.isalpha():
        return value.upper()
    return ""


def utm(url: str) -> dict[str, str]:
    """utm_source / utm_medium / utm_campaign from a landing URL."""
    try:
        query = parse_qs(urlsplit(url).query)
    except ValueError:
        return {}
    return {k: query[k][0][:200] for k in ("utm_source", "utm_medium", "utm_campaign") if k in query}


def tags_from(value) -> list[str]:
    if isinstance(value, list):
        items = value
    elif isinstance(value, str):
        items = value.split(",")
    elif value is None:
        return []
    else:
        raise InvalidInput("tags must be a string or a list.", field="tags")
    return [str(t).strip()[:100] for t in items if str(t).strip()][:100]
