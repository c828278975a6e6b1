"""Verbs of the contact-pressure policy: reserve a contact, unsubscribe.

Every feature that emails a customer unasked calls `reserve_contact` in the
transaction that creates its message. The call refuses (raises
`ContactRefused` with a reason) when the customer has no address, opted out,
never opted in while the store requires it, is suppressed, was erased, or
was already contacted within the policy's window; otherwise it appends to
the ledger, so the next feature sees this contact.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cxloop.commerce import services as commerce_services
from cxloop.commerce.models import Customer
from cxloop.core.errors import DomainError
from cxloop.core.models import Store

from . import queries
from .models import Contact, ContactPolicy, Suppression


class ContactRefused(DomainError):
    status = 409
    code = "contact_refused"

    REASONS = {
        "no_email": _("The customer has no email address."),
        "erased": _("The customer's data was erased."),
        "suppressed": _("The address unsubscribed, bounced or complained."),
        "no_consent": _("The customer has not agreed to receive email."),
        "throttled": _("The customer was contacted too recently."),
    }

    def __init__(self, reason: str):
        super().__init__(str(self.REASONS[reason]), code="contact_refused")
        self.reason = reason


ALLOWED_CONSENT = {
    ContactPolicy.Audience.OPTED_IN: {Customer.Consent.SUBSCRIBED},
    ContactPolicy.Audience.NOT_OPTED_OUT: {Customer.Consent.SUBSCRIBED, Customer.Consent.NOT_SUBSCRIBED},
}


def check_can_contact(*, store: Store, customer: Customer, kind: str, now: datetime | None = None) -> None:
    """Raise ContactRefused if the policy forbids emailing this customer now."""
    now = now or timezone.now()
    if customer.erased_at is not None:
        raise ContactRefused("erased")
    if not customer.email_key:
        raise ContactRefused("no_email")
    if queries.is_suppressed(store, customer.email_key):
        raise ContactRefused("suppressed")
    policy = queries.get_contact_policy(store)
    if customer.email_consent not in ALLOWED_CONSENT[policy.survey_audience]:
        raise ContactRefused("no_consent")
    allowed_at = queries.next_contact_allowed_at(store, customer.pk, kind)
    if allowed_at is not None and allowed_at > now:
        raise ContactRefused("throttled")


@transaction.atomic
def reserve_contact(
    *, store: Store, customer: Customer, kind: str, reference: str, now: datetime | None = None
) -> Contact:
    """Check the policy and record the contact, or raise ContactRefused.

    The customer row is locked first, so two features reserving the same
    customer at once cannot both pass the window check.
    """
    now = now or timezone.now()
    customer = Customer.objects.select_for_update().get(store=store, pk=customer.pk)
    check_can_contact(store=store, customer=customer, kind=kind, now=now)
    return Contact.objects.create(
        store=store, customer=customer, kind=kind, reference=reference, contacted_at=now
    )


@transaction.atomic
def release_contact(*, store: Store, reference: str) -> int:
    """Forget a reserved contact that was never sent (its message failed for good)."""
    deleted, _ = Contact.objects.filter(store=store, reference=reference).delete()
    return deleted


@transaction.atomic
def unsubscribe(*, store: Store, email: str, source: str, now: datetime | None = None) -> Suppression:
    """Stop all unasked mail to an address, and record the opt-out in the consent ledger.

    Idempotent: unsubscribing twice keeps one suppression and one ledger entry.
    """
    now = now or timezone.now()
    email_key = email.strip().lower()
    suppression, created = Suppression.objects.get_or_create(
        store=store,
        email_digest=Suppression.digest(email_key),
        defaults={"reason": Suppression.Reason.UNSUBSCRIBED, "source": source},
    )
    if created:
        for customer in Customer.objects.filter(store=store, email_key=email_key, erased_at__isnull=True):
            if customer.email_consent != Customer.Consent.UNSUBSCRIBED:
                commerce_services.record_consent(
                    customer=customer,
                    state=Customer.Consent.UNSUBSCRIBED,
                    occurred_at=now,
                    source=source,
                    wording="List-Unsubscribe",
                )
    return suppression


def suppress_bounced(*, store: Store, email: str, source: str) -> Suppression:
    """Stop mail to an address the receiving server says does not exist (a hard bounce).

    Consent is left as it is: the customer did not opt out, their address is
    just undeliverable. An address already suppressed keeps its first reason.
    """
    suppression, _ = Suppression.objects.get_or_create(
        store=store,
        email_digest=Suppression.digest(email),
        defaults={"reason": Suppression.Reason.BOUNCED, "source": source[:100]},
    )
    return suppression


@transaction.atomic
def set_contact_policy(*, store: Store, survey_window_days: int, survey_audience: str) -> ContactPolicy:
    """Change the store's contact-pressure policy; InvalidInput names a bad value."""
    from cxloop.core.errors import InvalidInput

    if (
        isinstance(survey_window_days, bool)
        or not isinstance(survey_window_days, int)
        or not (1 <= survey_window_days <= 365)
    ):
        raise InvalidInput(
            "The survey window is a whole number of days from 1 to 365.", field="survey_window_days"
        )
    if survey_audience not in ContactPolicy.Audience.values:
        raise InvalidInput("Unknown audience.", field="survey_audience")
    policy, _ = ContactPolicy.objects.update_or_create(
        store=store,
        defaults={"survey_window_days": survey_window_days, "survey_audience": survey_audience},
    )
    return policy


UNSUBSCRIBE = "flows.unsubscribe"

# Message kinds that can say which address one of their messages went to, by the
# prefix of its contact reference ("survey-invitation:<nonce>"): filled in by each
# app's AppConfig.ready(), so flows imports none of them.
_RECIPIENT_LOOKUPS: dict[str, Callable[[Store, str], str | None]] = {}


def register_recipient_lookup(prefix: str, lookup: Callable[[Store, str], str | None]) -> None:
    """Let unsubscribe links made before tokens named the address find the address a message went to."""
    _RECIPIENT_LOOKUPS[prefix] = lookup


@dataclass(frozen=True)
class UnsubscribeLink:
    """What an unsubscribe token names: the message's ledger entry and the address it went to."""

    contact: Contact
    email_digest: str  # Suppression.digest of the address the message went to
    email: str = ""  # the address itself, when known (to show it masked)

    @property
    def is_current_address(self) -> bool:
        key = self.contact.customer.email_key
        return bool(key) and Suppression.digest(key) == self.email_digest


def unsubscribe_token(contact: Contact, email: str) -> str:
    """The token of a message's one-click unsubscribe link: the message's contact and its address.

    The address is carried as its suppression digest (never in plain), so the
    link stops the address the message was sent to, even after the customer's
    address changes.
    """
    from cxloop.core.signedlinks import make_token

    return make_token(UNSUBSCRIBE, f"{contact.pk}.{Suppression.digest(email)}")


def read_unsubscribe_token(token: str) -> UnsubscribeLink | None:
    """What an unsubscribe token names, or None for an altered or unknown token.

    Tokens made before they named the address carry only the contact: the
    address is then the one the message itself records (the invitation's
    email), else the customer's current address, so an opt-out from an old
    message is never dropped.
    """
    from cxloop.core.signedlinks import BadToken, read_token

    try:
        pk, _, digest = read_token(UNSUBSCRIBE, token).partition(".")
        contact = Contact.objects.select_related("store", "customer").filter(pk=int(pk)).first()
    except (BadToken, ValueError):
        return None
    if contact is None:
        return None
    if digest:
        current = contact.customer.email_key
        shown = current if current and Suppression.digest(current) == digest else ""
        return UnsubscribeLink(contact, digest, shown)
    email = _recorded_recipient(contact) or contact.customer.email_key
    return UnsubscribeLink(contact, Suppression.digest(email), email.strip().lower()) if email else None


def _recorded_recipient(contact: Contact) -> str | None:
    prefix, _, key = contact.reference.partition(":")
    lookup = _RECIPIENT_LOOKUPS.get(prefix)
    return lookup(contact.store, key) if lookup is not None and key else None


@transaction.atomic
def unsubscribe_link(*, link: UnsubscribeLink, source: str, now: datetime | None = None) -> Suppression:
    """Stop unasked mail to the address a message went to (a click on its unsubscribe link).

    While that is still the customer's address, this is the customer's opt-out
    and the consent ledger records it (`unsubscribe`). An address the customer
    no longer has is suppressed alone: the customer's consent and current
    address stay as they are. Idempotent.
    """
    contact = link.contact
    if link.is_current_address:
        return unsubscribe(store=contact.store, email=contact.customer.email_key, source=source, now=now)
    suppression, _ = Suppression.objects.get_or_create(
        store=contact.store,
        email_digest=link.email_digest,
        defaults={"reason": Suppression.Reason.UNSUBSCRIBED, "source": source},
    )
    return suppression
