"""Verifying the email address an anonymous visitor typed, before it links a customer record.

    outcome = request_verification(visitor)   # SENT (one mail queued), LIMITED or NOT_NEEDED
    visitor = check_link(token, store=store)  # the link's visitor, or a LinkError (nothing changes)
    visitor = confirm(token, store=store)     # marks the address verified, links the customer record

A typed address is where replies go, but only a signed identity (core.identity)
or a confirmed link makes it the visitor's: then the visitor, and the chat's
conversation when it has no customer yet, are linked to the store's customer
with that address (case-insensitive), as arriving mail links its sender
(helpdesk Incoming.link_customer); without such a customer nothing is created,
and the visitor's later conversations link by the verified address.

The link: https://<cxloop>/chat/<store>/verify/<token>/, the token made with
django.core.signing (its own SALT) over {"s": store id, "v": visitor id,
"n": nonce, "h": digest of the address}. It lasts LINK_HOURS. The nonce is kept
on the visitor and cleared when the link is used or the address changes, so a
link works once, for the address it was sent to, and the visitor's secret key
is never in it. Opening it (GET) shows a button; only the POST confirms, so a
mail scanner fetching links confirms nothing.

Rate limits (surveys.ratelimit), so the form cannot be used to mail strangers:
PER_VISITOR mails an hour for one visitor, PER_ADDRESS_HOUR and PER_ADDRESS_DAY
to one address, whatever the store or visitor.
"""

import hashlib
import secrets
from functools import partial

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cxloop.core import mailer
from cxloop.core.errors import DomainError, Gone
from cxloop.core.models import Store
from cxloop.helpdesk.models import Conversation
from cxloop.surveys import ratelimit
from cxloop.surveys.emails import one_line, public_url

from .models import Visitor

SALT = "cxloop.chat.verify-email"
LINK_HOURS = 48
PER_VISITOR = 3  # an hour
PER_ADDRESS_HOUR = 3
PER_ADDRESS_DAY = 10

SENT, LIMITED, NOT_NEEDED = "sent", "limited", ""


class LinkError(DomainError):
    status = 400
    code = "invalid_link"


def address_digest(email: str) -> str:
    return hashlib.blake2b(email.strip().lower().encode(), digest_size=8).hexdigest()


def request_verification(visitor: Visitor) -> str:
    """Queue one verification mail for the visitor's typed address, within the rate limits.

    A new nonce replaces the last one (an earlier link stops working). Nothing is sent for a
    visitor without an address, one already verified, or one known by a signed identity.
    """
    if not visitor.email or visitor.email_verified_at or visitor.customer_id:
        return NOT_NEEDED
    digest = address_digest(visitor.email)
    allowed = [
        ratelimit.hit("chat-verify-visitor", str(visitor.pk), limit=PER_VISITOR, period=3600).allowed,
        ratelimit.hit("chat-verify-address", digest, limit=PER_ADDRESS_HOUR, period=3600).allowed,
        ratelimit.hit("chat-verify-address-day", digest, limit=PER_ADDRESS_DAY, period=86400).allowed,
    ]
    if not all(allowed):
        return LIMITED
    nonce = secrets.token_hex(16)
    with transaction.atomic():
        Visitor.objects.filter(pk=visitor.pk, email=visitor.email).update(
            verification_nonce=nonce, verification_sent_at=timezone.now()
        )
        from .tasks import send_verification_task

        transaction.on_commit(partial(send_verification_task.enqueue, visitor.pk, nonce))
    visitor.verification_nonce = nonce
    return SENT


def make_token(visitor: Visitor, nonce: str) -> str:
    data = {"s": visitor.store_id, "v": visitor.pk, "n": nonce, "h": address_digest(visitor.email)}
    return signing.dumps(data, salt=SALT, compress=False)


def send_verification(*, visitor_id: int, nonce: str) -> bool:
    """Email the link for `nonce`, in the visitor's language, from the store's support address.

    False (nothing sent) when the nonce is no longer the visitor's (a newer link, a changed address,
    already used). The Message-ID is fixed per nonce: a retried task's copy is recognisably the same.
    """
    from cxloop.helpdesk.reply_email import sender

    visitor = Visitor.objects.select_related("store").filter(pk=visitor_id).first()
    if visitor is None or not nonce or visitor.verification_nonce != nonce or not visitor.email:
        return False
    store = visitor.store
    link = public_url(reverse("chat:verify", args=[store.slug, make_token(visitor, nonce)]))
    with translation.override(visitor.language or store.default_language or "en"):
        subject = _("Confirm your email address for %(store)s") % {"store": store.name}
        body = _(
            "Hello,\n\nThis address was given in the chat with %(store)s. To confirm it is yours, "
            "open this link and press the button:\n\n%(link)s\n\nThe link works once, for %(hours)s hours. "
            "If it was not you, ignore this email: nothing will be linked to it."
        ) % {"store": store.name, "link": link, "hours": LINK_HOURS}
    domain = settings.CXLOOP_HELPDESK_INBOUND_DOMAIN or "localhost"
    mailer.send(
        EmailMessage(
            subject=one_line(subject),
            body=body,
            from_email=sender(store),
            to=[visitor.email],
            headers={
                "Message-ID": f"<chat-verify.{visitor.pk}.{nonce}@{domain}>",
                "Auto-Submitted": "auto-generated",
            },
        )
    )
    return True


def check_link(token: str, *, store: Store, lock: bool = False) -> Visitor:
    """The visitor the link confirms; LinkError (400) for a forged or altered link, Gone (410) for an
    expired one, or one used already or replaced (a newer link, a changed address)."""
    try:
        data = signing.loads(token, salt=SALT, max_age=LINK_HOURS * 3600)
    except signing.SignatureExpired:
        raise Gone(_("This link has expired. Give your address in the chat again for a new one.")) from None
    except signing.BadSignature:
        raise LinkError(_("This link is not valid. Check that it was copied whole.")) from None
    if not isinstance(data, dict) or data.get("s") != store.pk or not isinstance(data.get("v"), int):
        raise LinkError(_("This link is not valid. Check that it was copied whole."))
    visitors = Visitor.objects.select_for_update() if lock else Visitor.objects
    visitor = visitors.filter(store=store, pk=data["v"]).first()
    if (
        visitor is None
        or not visitor.verification_nonce
        or not secrets.compare_digest(visitor.verification_nonce, str(data.get("n", "")))
        or address_digest(visitor.email) != data.get("h")
    ):
        raise Gone(_("This link was already used, or a newer one replaced it."))
    return visitor


@transaction.atomic
def confirm(token: str, *, store: Store) -> Visitor:
    """Mark the visitor's address verified and link their customer record (see the module); once."""
    from cxloop.commerce.queries import first_customer_by_email

    visitor = check_link(token, store=store, lock=True)
    customer = first_customer_by_email(store, visitor.email)
    visitor.email_verified_at = timezone.now()
    visitor.verification_nonce = ""
    fields = ["email_verified_at", "verification_nonce"]
    if customer is not None and visitor.customer_id is None:
        visitor.customer = customer
        fields.append("customer")
    visitor.save(update_fields=fields)
    if visitor.conversation_id and visitor.customer_id:
        Conversation.objects.filter(pk=visitor.conversation_id, customer__isnull=True).update(
            customer_id=visitor.customer_id
        )
    return visitor
