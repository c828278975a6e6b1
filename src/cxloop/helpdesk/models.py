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
from cxloop.core.models import Store, StoreScopedModel


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
    # Routing (services.routing): new conversations for the team go round its members in turn.
    routing = models.BooleanField(default=False)
    languages = models.JSONField(default=list, blank=True)  # language codes the team answers in; [] = any
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )  # where the round-robin got to

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
    # Every arriving mail writes a row to each index of these tables: none is kept that another one
    # already serves. The store's own index is left out, as every index of the table starts with it.
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", db_index=False)

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
    # SLA (services.sla.update_sla): the policy that applies, each target's due time while its clock
    # runs, and sla_due_at, the next of them not yet passed, so the inbox filters and sorts by index.
    sla_policy = models.ForeignKey(
        "SlaPolicy", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    next_response_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    sla_due_at = models.DateTimeField(null=True, blank=True)
    sla_breached = models.BooleanField(default=False)
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
            # Reports read conversations by when they were opened, first answered and resolved.
            models.Index(fields=["store", "created_at"], name="helpdesk_conv_created"),
            models.Index(fields=["store", "first_response_at"], name="helpdesk_conv_first_reply"),
            models.Index(fields=["store", "resolved_at"], name="helpdesk_conv_resolved"),
            models.Index(fields=["store", "sla_breached", "sla_due_at"], name="helpdesk_conv_sla"),
            # The analytics warehouse copies the conversations changed since its last sync by this.
            models.Index(fields=["updated_at"], name="helpdesk_conv_updated"),
            models.Index(
                fields=["sla_due_at"], name="helpdesk_conv_sla_due", condition=Q(sla_due_at__isnull=False)
            ),
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

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", db_index=False)  # as above
    # Served by the index of (conversation, created_at).
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages", db_index=False
    )
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
            # The flood limit counts a sender's recent mails (intake_queries.count_recent_from).
            models.Index(fields=["store", "from_email", "created_at"], name="helpdesk_msg_sender"),
            models.Index(fields=["delivery"], name="helpdesk_msg_delivery", condition=~Q(delivery="")),
            models.Index(fields=["store", "kind", "created_at"], name="helpdesk_msg_kind_time"),  # reports
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

    class Meta:
        # The orphan sweep (services.orphan_files) asks which of a batch of stored names a row holds.
        indexes = [models.Index(fields=["file"], name="attachment_file")]


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
        RULE = "rule", _("Rule")  # what a rule did that is not a field change (webhook, survey)
        RULE_FAILED = "rule_failed", _("Rule failed")

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", db_index=False)  # as above
    # Served by the index of (conversation, created_at).
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="activities", db_index=False
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rule_name = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)  # e.g. {"from": "open", "to": "resolved"}
    created_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["conversation", "created_at"], name="helpdesk_activity_conv"),
            models.Index(fields=["store", "kind", "created_at"], name="helpdesk_activity_kind"),  # reports
        ]


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
    # Routing (services.routing). A VIP customer has spent at least vip_spent (store currency; None: no
    # amount makes one) or carries one of vip_tags; their conversations get high priority and vip_team.
    vip_spent = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    vip_tags = models.JSONField(default=list, blank=True)
    vip_team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The members of this saved segment (segments.Segment) are VIPs too, as its query picks them now.
    vip_segment = models.ForeignKey(
        "segments.Segment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    default_team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store"], name="helpdesk_desksettings_one_per_store")]


class AgentProfile(StoreScopedModel):
    """How a store member takes conversations: languages, skills, availability and a cap.

    Made on first change (services.teams); a member without one is available, with no cap.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    languages = models.JSONField(default=list, blank=True)  # ["pl", "fa"]
    skills = models.JSONField(default=list, blank=True)  # ["returns", "wholesale"]
    available = models.BooleanField(default=True)  # off: routing passes them by
    max_open = models.PositiveSmallIntegerField(null=True, blank=True)  # open + pending; None = no cap
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "user"], name="helpdesk_agentprofile_one_per_member")
        ]

    def __str__(self):
        return f"{self.user} @ {self.store_id}"


class CannedReply(StoreScopedModel):
    """A saved answer agents insert into a reply; `{{ customer.first_name }}`-style variables are filled
    from the store mirror when it is used (services.canned: a fixed list of names, never template code)."""

    title = models.CharField(max_length=200)
    body = models.TextField()
    language = models.CharField(max_length=16, blank=True)  # "" for any language
    shortcut = models.CharField(max_length=40, blank=True)  # a short word to find it by ("thanks")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "title"], name="helpdesk_canned_unique_title")
        ]
        ordering = ["title"]

    def __str__(self):
        return self.title


class Macro(StoreScopedModel):
    """Several changes to a conversation in one click: a reply, tags, status, assignee, team, priority.

    Empty fields change nothing; services.macros.apply_macro does the rest through the usual verbs.
    """

    name = models.CharField(max_length=200)
    reply_body = models.TextField(blank=True)  # sent as a reply, with the variables of canned replies
    add_tags = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Conversation.Status.choices, blank=True)
    snooze_hours = models.PositiveIntegerField(null=True, blank=True)  # with status "snoozed"
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    priority = models.CharField(max_length=10, choices=Conversation.Priority.choices, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "name"], name="helpdesk_macro_unique_name")]
        ordering = ["name"]

    def __str__(self):
        return self.name


class Rule(StoreScopedModel):
    """An automation rule: when `trigger`, if every condition holds, then do the actions (rulebook.py).

    Rules of a store run in `position` order. Conditions and actions are lists
    of {"kind": ..., "value": ...} checked when saved (services.rules.save_rule).
    """

    class Trigger(models.TextChoices):
        CONVERSATION_CREATED = "created", _("A conversation is created")
        MESSAGE_RECEIVED = "message", _("The customer writes again")
        STATUS_CHANGED = "status", _("The status changes")
        SLA_BREACHING = "sla", _("An SLA target is about to be missed")
        IDLE = "idle", _("No new message for some hours")
        SURVEY_LOW_SCORE = "low_score", _("The customer gives a low survey score")

    name = models.CharField(max_length=200)
    enabled = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)  # run order, smallest first
    trigger = models.CharField(max_length=12, choices=Trigger.choices)
    idle_hours = models.PositiveIntegerField(null=True, blank=True)  # for Trigger.IDLE only
    conditions = models.JSONField(default=list, blank=True)
    actions = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    fired_count = models.PositiveIntegerField(default=0)
    last_fired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "name"], name="helpdesk_rule_unique_name")]
        indexes = [models.Index(fields=["store", "trigger", "position"], name="helpdesk_rule_trigger")]
        ordering = ["position", "pk"]

    def __str__(self):
        return self.name


class RuleRun(StoreScopedModel):
    """A rule fired on a conversation (its conditions held): done, or failed with `error`.

    `once_key` names a moment a rule acts on once ("idle:<last message time>",
    "low_score:<response id>"): a rule fires at most once per conversation and key.
    """

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="runs")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    trigger = models.CharField(max_length=12, choices=Rule.Trigger.choices)
    once_key = models.CharField(max_length=100, blank=True)
    failed = models.BooleanField(default=False)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "conversation", "once_key"],
                condition=~Q(once_key=""),
                name="helpdesk_rulerun_once",
            )
        ]
        indexes = [models.Index(fields=["conversation", "created_at"], name="helpdesk_rulerun_conv")]


class ActionPolicy(StoreScopedModel):
    """Who may act on the store's platform from a conversation, and up to what amount.

    One row per store and action kind (a `commerce.StoreAction.Kind` value);
    without a row the defaults in `services.store_actions.DEFAULT_POLICIES`
    apply. Owners may always act, without limits. The limits bind admins and
    agents: `max_amount` per action (refund amount, gift card value, fixed
    discount; an empty value means no limit), `max_amount_per_day` per staff
    member and kind over the store's day, `max_percent` for percentage
    discounts.
    """

    kind = models.CharField(max_length=20)
    admins_may = models.BooleanField(default=True)
    agents_may = models.BooleanField(default=False)
    max_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    max_amount_per_day = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    max_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "kind"], name="helpdesk_actionpolicy_one_per_kind")
        ]


class SlaPolicy(StoreScopedModel):
    """How long conversations of a priority and channel may wait (sla.py counts it in business hours).

    The first enabled policy, by position, whose priority and channel match
    (blank matches any) applies to a conversation; targets are minutes of
    business time, None sets no such target.
    """

    name = models.CharField(max_length=100)
    priority = models.CharField(max_length=10, choices=Conversation.Priority.choices, blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices, blank=True)
    first_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    next_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    resolution_minutes = models.PositiveIntegerField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "pk"]
        indexes = [models.Index(fields=["store", "enabled", "position"], name="helpdesk_slapolicy_order")]

    def __str__(self):
        return self.name


class SlaBreach(StoreScopedModel):
    """A target of a conversation's SLA that ran out: recorded once per clock.

    A clock is one target counted from one start (``started_at``): the
    conversation's creation for first response and resolution, the oldest
    unanswered customer message for a next response.
    """

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="sla_breaches")
    policy = models.ForeignKey(SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    target = models.CharField(max_length=20)  # sla.FIRST_RESPONSE, NEXT_RESPONSE or RESOLUTION
    started_at = models.DateTimeField()
    due_at = models.DateTimeField()  # when it was breached
    recorded_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "target", "started_at"], name="helpdesk_slabreach_once"
            )
        ]
        indexes = [models.Index(fields=["store", "-due_at"], name="helpdesk_slabreach_recent")]


class SearchDocument(StoreScopedModel):
    """The words a conversation is found by (helpdesk.search), rewritten whenever what it holds changes.

    The text is prepared in Python (folded, Chinese cut into words); the
    database indexes it: SQLite in the FTS5 table `helpdesk_search` (this
    table its external content, kept in step by triggers), PostgreSQL in the
    generated tsvector column `words` with a GIN index. Both are made by the
    migration, not by this model.
    """

    conversation = models.OneToOneField(
        Conversation, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    text = models.TextField(blank=True)
    updated_at = models.DateTimeField()
