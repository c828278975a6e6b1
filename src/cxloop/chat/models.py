"""Live chat: a storefront visitor's chat with the store.

A chat is a help-desk conversation with the channel "chat" (helpdesk.models):
its messages are the desk's messages, worked in the same inbox under the same
routing, SLAs and rules. What only a chat has lives here: the visitor the
widget speaks for, where they are on the storefront, and the counts of what
self-service answered without a person.
"""

from django.db import models

from cxloop.core.models import StoreScopedModel


class Visitor(StoreScopedModel):
    """One browser's chat with a store, known to the widget by a signed token (chat.tokens).

    `key` is random and never shown to staff; the token that carries it is the
    visitor's only credential. The conversation is made by the first message.
    """

    key = models.CharField(max_length=32, unique=True)
    conversation = models.OneToOneField(
        "helpdesk.Conversation", null=True, blank=True, on_delete=models.SET_NULL, related_name="chat_visitor"
    )
    customer = models.ForeignKey(
        "commerce.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )  # only from a signed identity or a verified email (chat.verification)
    # What the visitor typed in the widget's form: shown to staff as given, never trusted to
    # link a customer record until verified (a signed identity, or the emailed link: chat.verification).
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(max_length=254, blank=True)
    email_verified_at = models.DateTimeField(null=True, blank=True)  # the emailed link was confirmed
    # The one link that may still confirm `email` ("" once used, or when the address changes).
    verification_nonce = models.CharField(max_length=32, blank=True)
    verification_sent_at = models.DateTimeField(null=True, blank=True)
    language = models.CharField(max_length=16, blank=True)
    anonymous_id = models.CharField(max_length=64, blank=True)  # the storefront snippet's visitor id
    page_url = models.CharField(max_length=2000, blank=True)  # the page the widget was last open on
    page_title = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    # When help-centre articles were first offered for the visitor's question (the report's
    # "contact rate after reading": did they then write to a person?).
    suggested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["store", "-last_seen_at"], name="chat_visitor_seen"),
            models.Index(fields=["store", "suggested_at"], name="chat_visitor_suggested"),
        ]

    def __str__(self):
        return f"visitor {self.pk}"


class Deflection(StoreScopedModel):
    """A visitor said an offered help-centre article answered their question (no person needed)."""

    visitor = models.ForeignKey(Visitor, null=True, on_delete=models.SET_NULL, related_name="+")
    article = models.ForeignKey("helpcenter.Article", null=True, on_delete=models.SET_NULL, related_name="+")
    language = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["store", "created_at"], name="chat_deflection_time")]


class GuidedFlow(StoreScopedModel):
    """A button the widget offers before a person ("Returns"): an article, then a short request form.

    The request becomes the visitor's chat message with the flow's tag on the conversation, so
    rules, routing and reports see "return" requests as such. Labels per shipped language; the
    store's default language is required and stands in for a missing one.
    """

    labels = models.JSONField(default=dict)  # {"en": "Returns", "pl": "Zwroty", ...}
    article = models.ForeignKey(
        "helpcenter.Article", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ask_order = models.BooleanField(default=True)  # the form asks for an order number
    tag = models.CharField(max_length=60, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "pk"]
        indexes = [models.Index(fields=["store", "position"], name="chat_flow_position")]

    def label(self, language: str, fallback: str) -> str:
        return self.labels.get(language) or self.labels.get(fallback) or next(iter(self.labels.values()), "")


class Notice(StoreScopedModel):
    """A line from the store in a chat, for the visitor ("You are being transferred to a colleague").

    Stored, so every widget shows it: one on long polling, one reopened later, one that reloads
    (chat.services.history returns it among the messages). It holds no words of its own, only what
    happened: the text is the visitor's language's at the time it is read, and names nobody (no
    agent, no team, nothing of an internal note). It sits after the message `follows` (the
    conversation's last message when it was made); the widget knows it by its own id, "n<pk>".
    """

    class Kind(models.TextChoices):
        TRANSFER = "transfer", "transfer"

    conversation = models.ForeignKey(
        "helpdesk.Conversation", on_delete=models.CASCADE, related_name="chat_notices"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    follows = models.PositiveBigIntegerField(default=0)  # a message id: the notice is shown after it
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["conversation", "id"], name="chat_notice_conversation")]

    def __str__(self):
        return f"{self.kind} notice {self.pk}"
