"""Surveys, their custom questions, invitations and responses."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cxloop.core.models import StoreScopedModel

from .scoring import Band, Kind


def new_public_id() -> str:
    return secrets.token_urlsafe(12)


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    WEB = "web", _("Web link")
    WIDGET = "widget", _("On-site widget")
    HELPDESK = "helpdesk", _("After a help-desk conversation")
    API = "api", _("API")


class Survey(StoreScopedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")

    class Trigger(models.TextChoices):
        MANUAL = "manual", _("Manual sends and the API only")
        ORDER_PLACED = "order_placed", _("Days after an order is placed")
        ORDER_FULFILLED = "order_fulfilled", _("Days after an order is fulfilled")
        HELPDESK_RESOLVED = "helpdesk_resolved", _("After a help-desk conversation is resolved")

    Kind = Kind

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    public_id = models.CharField(max_length=24, unique=True, default=new_public_id)
    trigger = models.CharField(max_length=20, choices=Trigger.choices, default=Trigger.MANUAL)
    delay_days = models.PositiveSmallIntegerField(default=3)
    sampling_percent = models.PositiveSmallIntegerField(default=100)
    link_valid_days = models.PositiveSmallIntegerField(default=14)
    # Customer-facing texts the owner changed, per language:
    # {"pl": {"question": "...", "follow_up_low": "..."}}. Missing texts fall
    # back to the shipped translation of the default (surveys/texts.py).
    texts = models.JSONField(default=dict, blank=True)
    brand_color = models.CharField(max_length=7, default="#2563eb")
    logo = models.BinaryField(blank=True, default=b"", editable=True)
    logo_type = models.CharField(max_length=20, blank=True)
    # Closing the loop on low scores (NPS detractors, CSAT 1-2, CES 1-3).
    low_score_rule = models.BooleanField(default=True)
    low_score_tag = models.CharField(max_length=50, blank=True, default="low-score")
    notify_user_ids = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["store", "status", "trigger"], name="survey_trigger_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.ACTIVE


class Question(StoreScopedModel):
    """A question of a custom survey (NPS, CSAT and CES surveys ask their one score question)."""

    class QuestionKind(models.TextChoices):
        RATING = "rating", _("Rating")
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        TEXT = "text", _("Free text")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=QuestionKind.choices)
    required = models.BooleanField(default=False)
    scale_max = models.PositiveSmallIntegerField(default=5, help_text="Ratings run from 1 to this.")
    texts = models.JSONField(default=dict, help_text='The prompt per language: {"en": "..."}.')
    choices = models.JSONField(
        default=list, blank=True, help_text='[{"key": "a", "labels": {"en": "..."}}] for choice questions.'
    )

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"Q{self.position} of survey {self.survey_id}"


class Invitation(StoreScopedModel):
    """One customer asked to answer one survey, by email or another channel."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    customer = models.ForeignKey(
        "commerce.Customer", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    order = models.ForeignKey(
        "commerce.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reference = models.CharField(max_length=100, blank=True, help_text="E.g. the help-desk conversation.")
    email = models.CharField(max_length=254, blank=True)
    language = models.CharField(max_length=16)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    skip_reason = models.CharField(max_length=20, blank=True)
    nonce = models.CharField(max_length=24, unique=True, default=new_nonce)
    created_at = models.DateTimeField()
    send_after = models.DateTimeField()
    expires_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True, help_text="When a worker began sending.")
    sent_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    message_id = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            # An order trigger invites a customer once per survey and order.
            models.UniqueConstraint(
                fields=["survey", "order"], condition=Q(order__isnull=False), name="invitation_unique_order"
            ),
        ]
        indexes = [
            models.Index(fields=["store", "survey", "status"], name="invitation_status_idx"),
            models.Index(fields=["status", "send_after"], name="invitation_due_idx"),
            models.Index(fields=["store", "customer"], name="invitation_customer_idx"),
        ]

    def __str__(self) -> str:
        return f"Invitation {self.pk} to survey {self.survey_id}"


class Response(StoreScopedModel):
    """A customer's answer: the score, the follow-up comment, custom answers.

    One per invitation (changing an answer updates it); anonymous web answers
    are keyed by a per-page submission key so a resubmit is stored once.
    Country, language, repeat-customer and channel are copied at answer time
    so results can be broken down without joining the customer.
    """

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    invitation = models.OneToOneField(
        Invitation, null=True, blank=True, on_delete=models.CASCADE, related_name="response"
    )
    submission_key = models.CharField(max_length=40, blank=True)
    customer = models.ForeignKey(
        "commerce.Customer", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    order = models.ForeignKey(
        "commerce.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    language = models.CharField(max_length=16)
    score = models.SmallIntegerField(null=True, blank=True)
    band = models.CharField(max_length=4, choices=Band.choices, blank=True)
    comment = models.TextField(blank=True)
    comment_language = models.CharField(max_length=16, blank=True)
    answers = models.JSONField(default=dict, blank=True)
    country = models.CharField(max_length=2, blank=True)
    is_repeat_customer = models.BooleanField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    low_score_handled_at = models.DateTimeField(null=True, blank=True)
    notified_user_ids = models.JSONField(
        default=list, blank=True, help_text="Staff already emailed about this low score."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "submission_key"],
                condition=~Q(submission_key=""),
                name="response_unique_submission",
            ),
        ]
        indexes = [
            models.Index(fields=["store", "survey", "created_at"], name="response_survey_time_idx"),
            models.Index(fields=["store", "customer"], name="response_customer_idx"),
            models.Index(fields=["store", "-created_at"], name="response_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"Response {self.pk} to survey {self.survey_id}"


class ManualSend(StoreScopedModel):
    """A staff member's send of a survey to a filtered list or an uploaded list of customers.

    Large sends run in the background in customer-id order; `last_customer_id`
    moves with each invitation in the same transaction, so a send interrupted
    by a restart resumes where it stopped and invites nobody twice.
    """

    class Source(models.TextChoices):
        FILTER = "filter", _("Customers matching a filter")
        UPLOAD = "upload", _("An uploaded list of emails")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to start")
        RUNNING = "running", _("Sending")
        DONE = "done", _("Done")
        FAILED = "failed", _("Stopped by an error")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="manual_sends")
    source = models.CharField(max_length=10, choices=Source.choices)
    filters = models.JSONField(default=dict, blank=True, help_text="Customer-list filters.")
    customer_ids = models.JSONField(default=list, blank=True, help_text="The matched customers of an upload.")
    unknown_emails = models.JSONField(default=list, blank=True, help_text="Uploaded emails of no customer.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    queued = models.PositiveIntegerField(default=0)
    skipped = models.JSONField(default=dict, blank=True, help_text='Skipped per reason: {"throttled": 3}.')
    last_customer_id = models.BigIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Send {self.pk} of survey {self.survey_id}"

    @property
    def percent_done(self) -> int:
        return 100 if not self.total else min(100, self.processed * 100 // self.total)
