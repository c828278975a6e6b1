"""The visitor token: the widget's only credential for its chat.

    token = issue(visitor)            # given to the widget, kept in its localStorage
    store_id, key = read(token)       # raises Unauthorized for a forged, altered or expired token

A token is signed with the installation's SECRET_KEY (django.core.signing,
its own salt) and names the store and the visitor's random key; it lasts
VISITOR_TOKEN_DAYS after it was issued and is renewed each time the widget
starts. It holds no personal data.
"""

from django.core import signing

from cxloop.core.errors import Unauthorized

SALT = "cxloop.chat.visitor"
VISITOR_TOKEN_DAYS = 30


def issue(visitor) -> str:
    return signing.dumps({"s": visitor.store_id, "v": visitor.key}, salt=SALT, compress=False)


def read(token: str) -> tuple[int, str]:
    """(store id, visitor key) of a valid token."""
    if not isinstance(token, str) or not token or len(token) > 300:
        raise Unauthorized("No valid visitor token.", field="token")
    try:
        data = signing.loads(token, salt=SALT, max_age=VISITOR_TOKEN_DAYS * 86400)
    except signing.BadSignature:  # SignatureExpired is one too
        raise Unauthorized("No valid visitor token.", field="token") from None
    if not isinstance(data, dict) or not isinstance(data.get("s"), int) or not isinstance(data.get("v"), str):
        raise Unauthorized("No valid visitor token.", field="token")
    return data["s"], data["v"]
