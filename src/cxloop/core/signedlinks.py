"""Signed links: capabilities in a URL that nobody can forge or alter.

A link token carries a short value (ids and a random nonce, never personal
data) and an HMAC over it, keyed by SECRET_KEY and a *purpose*, so a token
made for one purpose (a survey invitation) is worthless for another (an
unsubscribe link)::

    >>> token = make_token("surveys.invitation", "42.kq3Fz0")
    >>> token
    '42.kq3Fz0.Xb1r...'
    >>> read_token("surveys.invitation", token)
    '42.kq3Fz0'

`read_token` raises `BadToken` for anything else: a flipped byte, a value
copied from another token, trailing whitespace, an empty string, another
purpose. Comparison is constant-time (Django's `Signer`). Expiry and
single use are enforced by the row the value points at (its `expires_at`,
its unique answer), so an owner can extend a survey without new links.
"""

from django.core import signing

SEPARATOR = "."


class BadToken(Exception):
    pass


def _signer(purpose: str) -> signing.Signer:
    return signing.Signer(salt=f"cxloop.{purpose}", sep=SEPARATOR)


def make_token(purpose: str, value: str) -> str:
    """Sign `value` (URL-safe characters, no secrets) for one purpose."""
    return _signer(purpose).sign(value)


def read_token(purpose: str, token: str) -> str:
    """Return the value a token carries, or raise BadToken."""
    if not isinstance(token, str) or not token or token != token.strip() or not token.isascii():
        raise BadToken("empty or malformed token")
    try:
        return _signer(purpose).unsign(token)
    except signing.BadSignature as exc:
        raise BadToken("bad signature") from exc
