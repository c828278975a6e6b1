"""Secrets kept encrypted at rest: platform tokens, mailbox passwords.

    token = encrypt("shpat_0123")     # "gAAAAAB..." (Fernet: AES-128-CBC + HMAC-SHA256)
    decrypt(token)                    # "shpat_0123"

Keys come from `CXLOOP_ENCRYPTION_KEYS`, comma-separated Fernet keys (make
one with `cxloop generate_encryption_key`). The first encrypts; every key
decrypts (`MultiFernet`), so a key is rotated by putting a new one first,
running `cxloop reencrypt_secrets`, then dropping the old one.

With DEBUG on, or in the tests, and no key set, a key derived from
SECRET_KEY is used: convenient for the demo, unsuitable for production
(whoever reads SECRET_KEY reads every secret, and changing SECRET_KEY makes
them unreadable). `check --deploy` warns when production has no key.
"""

import base64
import binascii
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DERIVATION_LABEL = b"cxloop.core.encryption:"


class DecryptionError(Exception):
    """A stored secret that none of the configured keys opens."""


def encrypt(text: str) -> str:
    """Encrypt `text` with the first configured key; a new random IV every time."""
    return _cipher(_configured_keys()).encrypt(text.encode()).decode("ascii")


def decrypt(token: str) -> str:
    """Decrypt a token made by `encrypt` with any configured key; DecryptionError if none opens it."""
    try:
        return _cipher(_configured_keys()).decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeEncodeError) as error:
        raise DecryptionError(
            "A stored secret could not be decrypted with any key in CXLOOP_ENCRYPTION_KEYS. "
            "Was the key it was encrypted with removed (or SECRET_KEY changed, when no key is "
            "set)? Put that key back, at the end of the list, and run `cxloop reencrypt_secrets`."
        ) from error


def reencrypt(token: str) -> str:
    """The same secret encrypted with the first key (for rotation); DecryptionError if unreadable."""
    try:
        return _cipher(_configured_keys()).rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken as error:
        raise DecryptionError("A stored secret could not be decrypted with any configured key.") from error


def has_configured_keys() -> bool:
    return bool(_setting())


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")


def check_keys() -> list[str]:
    """Problems with CXLOOP_ENCRYPTION_KEYS, in words (never the keys themselves)."""
    problems = []
    for position, key in enumerate(_setting(), start=1):
        if not _is_fernet_key(key):
            problems.append(
                f"Key number {position} in CXLOOP_ENCRYPTION_KEYS is not a Fernet key "
                "(32 bytes, URL-safe base64, 44 characters)."
            )
    return problems


def _setting() -> list[str]:
    return list(getattr(settings, "CXLOOP_ENCRYPTION_KEYS", []) or [])


def _configured_keys() -> tuple[str, ...]:
    keys = _setting()
    if keys:
        problems = check_keys()
        if problems:
            raise ImproperlyConfigured(" ".join(problems))
        return tuple(keys)
    if settings.DEBUG or getattr(settings, "TESTING", False):
        return (derived_development_key(settings.SECRET_KEY),)
    raise ImproperlyConfigured(
        "CXLOOP_ENCRYPTION_KEYS is not set, so cxloop cannot store secrets. "
        "Set it to a Fernet key (`cxloop generate_encryption_key` makes one)."
    )


def derived_development_key(secret_key: str) -> str:
    """A Fernet key from SECRET_KEY: for development and tests only."""
    digest = hashlib.sha256(DERIVATION_LABEL + secret_key.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")


def _is_fernet_key(key: str) -> bool:
    try:
        return len(base64.urlsafe_b64decode(key.encode("ascii"))) == 32
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return False


@lru_cache(maxsize=8)
def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode("ascii")) for key in keys])
