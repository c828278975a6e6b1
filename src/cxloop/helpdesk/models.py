"""The help desk's state: conversations with a customer, their messages, and how they are worked.

A conversation is one question from one customer, whatever the channel it
came by (email, the contact form, the API, later live chat): each message
carries its own channel, so a chat that continues by email stays one
conversation. Staff answer with replies (sent to the customer) and notes
(seen by staff only). What happens to a conversation (assigned, tagged,
status changed, by whom or by which rule) is written as `Activity` rows.

Numbers: a conversation has a number per store (#1, #2, ...) that people
quote; the database id is not shown.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cxloop.core.fields import EncryptedTextField
from cxloop.core.models import StoreScopedModel


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    FORM = "form", _("Contact form")
    API = "api", _("API")
    CHAT = "chat", _("Live chat")


class Team(StoreScopedModel):
    """A group of agents conversations can be routed to ("Returns", "Wholesale", "Persian-speaking")."""

    name = models.CharField(max_length=100)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="helpdesk_teams", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "name"], name="helpdesk_team_unique_name")]
        ordering = ["name"]

    def __str__(self):
        return self.name


class Tag(StoreScopedModel):
    name = models.CharField(max_length=60)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "name"], name="helpdesk_tag_unique_name")]
        ordering = ["name"]

    def __str__(self):
        return self.name


class Conversation(StoreScopedModel):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        PENDING = "pending", pgettext_lazy("conversation status", "Pending")  # waiting for the customer
        SNOOZED = "snoozed", _("Snoozed")  # until snoozed_until
        RESOLVED = "resolved", _("Resolved")

    class Priority(models.TextChoices):
        LOW = "low", _("Low")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")
        URGENT = "urgent", _("Urgent")

    number = models.PositiveIntegerField()  # per store, shown as #number
    subject = models.CharField(max_length=998, blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)  # the channel it was opened by
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    customer = models.ForeignKey(
        "commerce.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    contact_email = models.EmailField(max_length=254, blank=True)  # lower-cased; where replies go
    contact_name = models.CharField(max_length=200, blank=True)
    language = models.CharField(max_length=16, blank=True)  # detected from the customer's words
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    tags = models.ManyToManyField(Tag, blank=True, related_name="conversations")
    snoozed_until = models.DateTimeField(null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Secret part of the reply address `reply+<token>@...`: a reply to it joins this conversation.
    reply_key = models.CharField(max_length=32)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    last_message_at = models.DateTimeField()
    last_customer_message_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)  # the first reply by staff
    last_agent_reply_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)  # the contact's words erased (services.privacy)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "number"], name="helpdesk_conversation_unique_number")
        ]
        indexes = [
            models.Index(fields=["store", "status", "-last_message_at"], name="helpdesk_conv_status"),
            models.Index(
                fields=["store", "assignee", "status", "-last_message_at"], name="helpdesk_conv_assignee"
            ),
            models.Index(fields=["store", "-last_message_at"], name="helpdesk_conv_recent"),
            models.Index(fields=["store", "customer"], name="helpdesk_conv_customer"),
            models.Index(fields=["store", "contact_email"], name="helpdesk_conv_contact"),
        ]

    def __str__(self):
        return f"#{self.number} {self.subject}"


class Message(StoreScopedModel):
    """One message of a conversation: what the customer wrote, a reply to them, or a staff note."""

    class Kind(models.TextChoices):
        INCOMING = "incoming", _("From the customer")
        REPLY = "reply", _("Reply")
        NOTE = "note", _("Internal note")

    class Delivery(models.TextChoices):
        NONE = "", _("Not sent")  # incoming messages and notes
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Not delivered")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )  # the agent, for replies and notes
    from_email = models.CharField(max_length=254, blank=True)
    from_name = models.CharField(max_length=200, blank=True)
    to = models.JSONField(default=list, blank=True)
    cc = models.JSONField(default=list, blank=True)
    subject = models.CharField(max_length=998, blank=True)
    text = models.TextField(blank=True)  # the whole body as plain text
    reply_text = models.TextField(blank=True)  # the new part, quoted history and signature removed
    html = models.TextField(blank=True)  # sanitised once on arrival (helpdesk.mail.sanitize); inert
    # RFC 5322 threading. message_id is "<...>"; outgoing mail gets one made here.
    message_id = models.CharField(max_length=998, blank=True)
    in_reply_to = models.JSONField(default=list, blank=True)
    references = models.JSONField(default=list, blank=True)
    # Idempotency of a channel's delivery: the API's client id, "imap:<mailbox>:<uidvalidity>:<uid>",
    # the provider's inbound id... The same external_id is stored once per store.
    external_id = models.CharField(max_length=300, blank=True)
    auto_submitted = models.BooleanField(default=False)  # auto-replies, out-of-office: rules never answer
    bounce = models.BooleanField(default=False)
    problems = models.JSONField(default=list, blank=True)  # what parsing repaired or dropped
    delivery = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.NONE, blank=True)
    delivery_error = models.CharField(max_length=500, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "external_id"], condition=~Q(external_id=""), name="helpdesk_message_once"
            )
        ]
        indexes = [
            models.Index(fields=["conversation", "created_at"], name="helpdesk_msg_conversation"),
            models.Index(fields=["store", "message_id"], name="helpdesk_msg_message_id"),
            models.Index(fields=["delivery"], name="helpdesk_msg_delivery", condition=~Q(delivery="")),
        ]


def attachment_path(attachment: "Attachment", filename: str) -> str:
    # Never the customer's filename on disk: the stored name is the row's own, the filename a column.
    return f"helpdesk/{attachment.store_id}/{attachment.message.conversation_id}/{attachment.key}"


class Attachment(StoreScopedModel):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    key = models.CharField(max_length=40)  # random; the stored file's name
    file = models.FileField(upload_to=attachment_path, max_length=300, blank=True)  # "" once purged
    filename = models.CharField(max_length=200)  # as the sender named it (made safe)
    content_type = models.CharField(max_length=200)
    size = models.PositiveBigIntegerField()
    content_id = models.CharField(max_length=300, blank=True)  # for cid: images in the HTML
    inline = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    # Removed by retention or erasure (services.attachments): the file goes after commit, then the
    # row (erasure) or its file name (retention: the row stays as "removed after N months").
    purged_at = models.DateTimeField(null=True, blank=True)
    removed_after_months = models.PositiveSmallIntegerField(null=True, blank=True)


class Activity(StoreScopedModel):
    """What happened to a conversation, by whom: a person (actor) or a rule (rule_name)."""

    class Kind(models.TextChoices):
        CREATED = "created", pgettext_lazy("conversation activity", "Opened")
        STATUS = "status", _("Status changed")
        ASSIGNED = "assigned", _("Assigned")
        TEAM = "team", _("Team changed")
        PRIORITY = "priority", _("Priority changed")
        TAGGED = "tagged", _("Tags changed")
        MERGED = "merged", _("Merged")
        ACTION = "action", _("Store action")
        SLA = "sla", _("SLA")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rule_name = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)  # e.g. {"from": "open", "to": "resolved"}
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["conversation", "created_at"], name="helpdesk_activity_conv")]


class Mailbox(StoreScopedModel):
    """A support mailbox the worker reads by IMAP (the store's existing address)."""

    class Security(models.TextChoices):
        SSL = "ssl", _("SSL/TLS")
        STARTTLS = "starttls", _("STARTTLS")
        NONE = "none", _("None (local testing only)")

    address = models.EmailField(max_length=254)  # the support address customers write to
    host = models.CharField(max_length=255)
    port = models.PositiveIntegerField(default=993)
    security = models.CharField(max_length=10, choices=Security.choices, default=Security.SSL)
    username = models.CharField(max_length=255)
    password = EncryptedTextField()  # or an app password; encrypted at rest (core.encryption)
    folder = models.CharField(max_length=255, default="INBOX")
    enabled = models.BooleanField(default=True)
    # Where reading got to: UIDs are only meaningful under one UIDVALIDITY.
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    last_uid = models.BigIntegerField(default=0)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    # A poll holds the mailbox until then (renewed as it reads), so two workers never read it at once;
    # a poll cut off by a crash lets go when the time passes.
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "address"], name="helpdesk_mailbox_unique_address")
        ]


class DeskSettings(StoreScopedModel):
    """A store's help-desk settings: opening hours for SLA clocks and reports, attachment retention.

    One row per store, made on first use (services.desk.settings_for). Empty
    ``business_hours`` means always open, in the store's timezone.
    """

    business_hours = models.JSONField(default=dict, blank=True)  # {"week": ..., "holidays": ...} (hours.py)
    # Resolved conversations' attachments are deleted this many months after resolution; None keeps them.
    attachment_retention_months = models.PositiveSmallIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store"], name="helpdesk_desksettings_one_per_store")]
