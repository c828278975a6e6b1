"""The store's contact-pressure policy, its ledger of contacts, and suppressed addresses.

Every message cxloop sends a customer on the store's behalf that the
customer did not ask for (a survey invitation today; review requests,
recovery emails and newsletters later) is first reserved in the contact
ledger under the store's single policy, so no feature can flood a customer
that another feature already asked.
"""

import hashlib

from django.db import models
from django.utils.translation import gettext_lazy as _

from cxloop.core.models import Store, StoreScopedModel


class ContactKind(models.TextChoices):
    SURVEY = "survey", _("Survey")
    REVIEW = "review", _("Review request")
    RECOVERY = "recovery", _("Cart recovery")
    NEWSLETTER = "newsletter", _("Newsletter")


class ContactPolicy(models.Model):
    """How often, and whom, a store may contact unasked (one row per store; defaults if none)."""

    class Audience(models.TextChoices):
        OPTED_IN = "opted_in", _("Only customers who opted in to email")
        NOT_OPTED_OUT = "not_opted_out", _("Every customer who has not opted out")

    DEFAULT_SURVEY_WINDOW_DAYS = 90

    store = models.OneToOneField(Store, on_delete=models.CASCADE, primary_key=True, related_name="+")
    survey_window_days = models.PositiveSmallIntegerField(
        default=DEFAULT_SURVEY_WINDOW_DAYS,
        help_text=_("A customer gets at most one survey in this many days, across all surveys."),
    )
    survey_audience = models.CharField(max_length=20, choices=Audience.choices, default=Audience.OPTED_IN)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Contact policy of {self.store_id}"

    def window_days(self, kind: str) -> int:
        """Days that must pass between two contacts of this kind (0: no limit)."""
        if kind == ContactKind.SURVEY:
            return self.survey_window_days
        return 0


class Contact(StoreScopedModel):
    """One unasked message reserved for a customer: the ledger the policy counts."""

    customer = models.ForeignKey("commerce.Customer", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=ContactKind.choices)
    reference = models.CharField(max_length=100, help_text="What was sent, e.g. survey-invitation:42.")
    contacted_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["store", "customer", "kind", "-contacted_at"], name="contact_recent_idx"),
        ]
        constraints = [
            # Each message reserves one entry, found again by its reference when it is sent or
            # released: unique, and indexed so that lookup does not read every contact of the store.
            models.UniqueConstraint(fields=["store", "reference"], name="contact_unique_reference"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to customer {self.customer_id} at {self.contacted_at:%Y-%m-%d}"


class Suppression(StoreScopedModel):
    """An address the store must not send unasked mail to (unsubscribed, bounced, complained).

    Only a digest of the address is kept, so the suppression outlives the
    customer's erasure without keeping their email.
    """

    class Reason(models.TextChoices):
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
        BOUNCED = "bounced", _("Bounced")
        COMPLAINED = "complained", _("Marked as spam")

    email_digest = models.CharField(max_length=64)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    source = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "email_digest"], name="suppression_unique_email"),
        ]

    def __str__(self) -> str:
        return f"{self.email_digest[:12]}… ({self.reason})"

    @staticmethod
    def digest(email: str) -> str:
        return hashlib.sha256(email.strip().lower().encode()).hexdigest()
