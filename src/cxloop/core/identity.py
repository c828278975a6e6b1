"""Signed storefront identities: how a store's server vouches for a shopper.

A storefront page is public, and so is the publishable key in it: anyone can
send events that claim any email. The store's own server knows who is signed
in, and it holds the store's identity secret (shown on the integrations page).
It signs the shopper's email, and the storefront sends the signature with
`identify`:

    identity_hash = hex(HMAC-SHA256(key=identity secret, message=email.strip().lower()))

    >>> sign_identity("cxid_example", " Ana@Example.com ")
    '9a8901ea06fe2ce580ae6ae1f68d1b7810bf653df9e7bc715674f5779c6e796d'

Key and message are the UTF-8 bytes of the two strings. Only a matching hash
lets storefront data link a visitor to a customer (docs/identity.md).
"""

import hashlib
import hmac
import re
import secrets

IDENTITY_SECRET_PREFIX = "cxid_"
IDENTITY_HASH = re.compile(r"[0-9a-fA-F]{64}")


def generate_identity_secret() -> str:
    """A new identity secret: `cxid_` and 256 random bits in hex."""
    return IDENTITY_SECRET_PREFIX + secrets.token_hex(32)


def normalize_identity_email(email: str) -> str:
    """The signed form of an email: trimmed and lower-cased."""
    return email.strip().lower()


def sign_identity(secret: str, email: str) -> str:
    """The identity_hash the store's server sends for `email`."""
    message = normalize_identity_email(email).encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def is_signed_identity(secret: str, email: str, identity_hash: str) -> bool:
    """True if `identity_hash` signs `email` with `secret` (compared in constant time)."""
    if not secret or not email or not identity_hash:
        return False
    return hmac.compare_digest(sign_identity(secret, email), identity_hash.lower())
