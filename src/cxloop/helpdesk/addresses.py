"""The help desk's email addresses: a store's inbound address and each conversation's reply address.

    inbound_address(store)            -> "acme-shop@in.cx.example.com"
    reply_address(conversation)       -> "reply+412.9f0c3a1b2d4e5f60a7b8@in.cx.example.com"
    read_reply_address(address)       -> (412, "9f0c...") or None

Every reply staff send has its conversation's reply address as Reply-To: the
customer's answer comes back to it, and the token in it names the
conversation. The token is the conversation's id and an HMAC of the id and
the conversation's own random `reply_key` under the installation's
SECRET_KEY, so it can be neither guessed nor moved to another conversation
(`conversation_for_reply_token` checks it against the stored key).
The domain is settings.CXLOOP_HELPDESK_INBOUND_DOMAIN.
"""

import hmac
import re
import secrets

from django.conf import settings
from django.utils.crypto import salted_hmac

TOKEN = re.compile(r"^reply\+(\d{1,18})\.([0-9a-f]{20})@", re.IGNORECASE)


def new_reply_key() -> str:
    return secrets.token_hex(16)


def inbound_domain() -> str:
    return settings.CXLOOP_HELPDESK_INBOUND_DOMAIN


def inbound_address(store) -> str:
    return f"{store.slug}@{inbound_domain()}"


def reply_token(conversation_id: int, reply_key: str) -> str:
    mac = salted_hmac("cxloop.helpdesk.reply", f"{conversation_id}:{reply_key}", algorithm="sha256")
    return f"{conversation_id}.{mac.hexdigest()[:20]}"


def reply_address(conversation) -> str:
    return f"reply+{reply_token(conversation.pk, conversation.reply_key)}@{inbound_domain()}"


def read_reply_address(address: str) -> tuple[int, str] | None:
    """(conversation id, the token's MAC) from a reply address, or None if it is not one."""
    found = TOKEN.match(address.strip())
    if found is None or address.strip().rpartition("@")[2].lower() != inbound_domain().lower():
        return None
    return int(found.group(1)), found.group(2).lower()


def token_matches(conversation, mac: str) -> bool:
    expected = reply_token(conversation.pk, conversation.reply_key).partition(".")[2]
    return hmac.compare_digest(expected, mac)
