"""Webhook endpoints of a store and the deliveries of events to them."""

import secrets
import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cxloop.core.fields import EncryptedTextField
from cxloop.core.models import StoreScopedModel

SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


class WebhookEndpoint(StoreScopedModel):
    """A URL of the store's own systems that receives the events it subscribed to, signed with `secret`."""

    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list, help_text="The event names it receives.")
    # Shown to the owner once when made or rotated; the signing key of every delivery.
    secret = EncryptedTextField(default=new_secret)  # encrypted at rest (core.encryption)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.url

    def wants(self, event: str) -> bool:
        return event in self.events


class WebhookDelivery(StoreScopedModel):
    """One event for one endpoint, with what happened on its latest attempt.

    `event_id` is the delivery's id for the receiver (payload `id`, header
    X-Cxloop-Delivery): the same on every retry and redelivery.
    """

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("webhook delivery status", "Pending")
        DELIVERING = "delivering", _("Delivering")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=100)
    event_id = models.UUIDField(default=uuid.uuid4)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    response_excerpt = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_id"], name="hooks_delivery_once_per_endpoint")
        ]
        indexes = [
            models.Index(fields=["endpoint", "-created_at"], name="hooks_delivery_log"),
            models.Index(fields=["status", "next_attempt_at"], name="hooks_delivery_due"),
        ]

    def __str__(self):
        return f"{self.event} {self.event_id}"
