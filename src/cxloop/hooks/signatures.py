"""The signature on every delivery, and how a receiver checks it.

A delivery carries::

    X-Cxloop-Timestamp: 1767225600
    X-Cxloop-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" keyed with the endpoint's secret>

The timestamp is inside what is signed, so a receiver that refuses old
timestamps (five minutes is usual) cannot be fed a recorded delivery later.
docs/webhooks-out.md holds the receiver's side in Python.
"""

import hashlib
import hmac

SCHEME = "sha256"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The X-Cxloop-Signature value of `body` sent at `timestamp` (Unix seconds)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"{SCHEME}={digest}"


def is_valid(secret: str, timestamp: int, body: bytes, signature: str) -> bool:
    """Whether `signature` is ours for this body and timestamp (compared in constant time)."""
    return hmac.compare_digest(sign(secret, timestamp, body), signature)
