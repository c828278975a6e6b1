"""The store mirror: customers, products, orders, fulfilments, refunds, checkouts, events.

Every row belongs to a store. Money is Decimal in the order's currency; a
customer's derived facts (orders_count, amount_spent, first/last order) are
recomputed by `services.refresh_customer_facts` after every change and only
ever add amounts in the store's currency.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cxloop.core.fields import EncryptedTextField
from cxloop.core.models import Platform, StoreScopedModel
from cxloop.core.names import person_name

from .referrals import CODE_MAX_LENGTH, new_referral_code

MONEY = {"max_digits": 14, "decimal_places": 2}


class Customer(StoreScopedModel):
    class Consent(models.TextChoices):
        SUBSCRIBED = "subscribed", _("Subscribed")
        NOT_SUBSCRIBED = "not_subscribed", _("Not subscribed")
        PENDING = "pending", _("Pending confirmation")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
        INVALID = "invalid", _("Invalid")
        REDACTED = "redacted", _("Redacted")

    email = models.CharField(max_length=254, blank=True)
    email_key = models.CharField(max_length=254, blank=True, help_text="Lower-cased for matching.")
    phone = models.CharField(max_length=40, blank=True)
    first_name = models.CharField(max_length=200, blank=True)
    last_name = models.CharField(max_length=200, blank=True)
    name_key = models.CharField(max_length=401, blank=True, help_text="Case-folded full name.")
    surname_key = models.CharField(max_length=200, blank=True, help_text="Case-folded last name.")
    language = models.CharField(max_length=16, blank=True)
    country = models.CharField(max_length=2, blank=True)
    tags = models.JSONField(default=list, blank=True)
    email_consent = models.CharField(max_length=20, choices=Consent.choices, default=Consent.NOT_SUBSCRIBED)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    source_updated_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)
    # Derived facts, in the store's currency.
    orders_count = models.PositiveIntegerField(default=0)
    amount_spent = models.DecimalField(default=0, **MONEY)
    first_order_at = models.DateTimeField(null=True, blank=True)
    last_order_at = models.DateTimeField(null=True, blank=True)
    # What the platform reported for the customer's history (Shopify's "Total
    # Orders" / "Total Spent"), kept as is. Until cxloop holds an order of the
    # customer, the derived facts above are taken from it and
    # `facts_from_platform` says so; the first order cxloop holds replaces them.
    platform_orders_count = models.PositiveIntegerField(null=True, blank=True)
    platform_total_spent = models.DecimalField(null=True, blank=True, **MONEY)
    platform_totals_currency = models.CharField(max_length=3, blank=True)
    platform_totals_source = models.CharField(max_length=20, choices=Platform.choices, blank=True)
    platform_totals_at = models.DateTimeField(null=True, blank=True)
    facts_from_platform = models.BooleanField(default=False)
    # The default address and what the store wrote about the customer.
    company = models.CharField(max_length=200, blank=True)
    # address1, address2, city, province, zip, country (records.address_of).
    address = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True)
    tax_exempt = models.BooleanField(default=False)
    # The code the customer refers others with (commerce.referrals); "" only for rows written without the
    # ORM (the demo's bulk load gives its own).
    referral_code = models.CharField(max_length=16, blank=True, default=new_referral_code, db_default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "referral_code"], condition=~models.Q(referral_code=""),
                name="customer_referral_code_unique",
            )
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["store", "email_key"], name="customer_email_idx"),
            models.Index(fields=["store", "name_key"], name="customer_name_idx"),
            models.Index(fields=["store", "surname_key"], name="customer_surname_idx"),
            models.Index(fields=["store", "-created_at"], name="customer_created_idx"),
            models.Index(fields=["store", "-amount_spent"], name="customer_spent_idx"),
            models.Index(fields=["store", "-orders_count"], name="customer_orders_idx"),
            models.Index(fields=["store", "-last_order_at"], name="customer_last_order_idx"),
            # A segment's count reads only these, never the table: every segment leaves the erased out
            # (segments.query.compile), so each condition on these columns is one range of a small
            # partial index (at a million customers 0.6 s -> 12 ms for amount_spent on SQLite).
            # With the id, PostgreSQL joins it to the predictions from the index alone (an index-only
            # scan): "rfm_group = 'AT_RISK' AND amount_spent > 50" 340 -> 170 ms at a million.
            models.Index(
                fields=["store", "amount_spent", "id"],
                name="customer_live_spent_id",
                condition=Q(erased_at__isnull=True),
            ),
            models.Index(
                fields=["store", "last_order_at", "orders_count"],
                name="customer_live_last_order",
                condition=Q(erased_at__isnull=True),
            ),
            # A language or a country (and an OR of the two: one index each, their rows joined).
            models.Index(
                fields=["store", "language"],
                name="customer_live_language",
                condition=Q(erased_at__isnull=True),
            ),
            models.Index(
                fields=["store", "country"], name="customer_live_country", condition=Q(erased_at__isnull=True)
            ),
            # The few erased, left out of a count made on the predictions (segments.query.count_matching).
            models.Index(fields=["store"], name="customer_erased", condition=Q(erased_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def full_name(self) -> str:
        """Family name first with no space for CJK names (王伟), "First Last" otherwise."""
        return person_name(self.first_name, self.last_name)

    @property
    def display_name(self) -> str:
        return self.full_name or self.email or self.phone or f"#{self.pk}"


class CustomerSearchTerm(StoreScopedModel):
    """One folded word a customer is found by (see `commerce.search_terms`).

    Rewritten whenever the customer's name or email changes, and deleted with
    the customer, so an erased person leaves no searchable word behind. The
    unique index (store, term, customer) serves a search's prefix ranges; the
    index (customer, term) checks one customer's words and their deletion.
    """

    store = models.ForeignKey("core.Store", on_delete=models.CASCADE, related_name="+", db_index=False)
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="search_terms", db_index=False
    )
    term = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "term", "customer"], name="searchterm_unique")
        ]
        indexes = [models.Index(fields=["customer", "term"], name="searchterm_customer_idx")]

    def __str__(self) -> str:
        return self.term


class ExternalId(StoreScopedModel):
    """A customer's id on a platform (Shopify, WooCommerce, Ecwid, the event API)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="external_ids")
    platform = models.CharField(max_length=20, choices=Platform.choices)
    external_id = models.CharField(max_length=100)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "platform", "external_id"], name="externalid_unique")
        ]

    def __str__(self) -> str:
        return f"{self.platform}:{self.external_id}"


class ConsentRecord(StoreScopedModel):
    """One entry of the append-only email-marketing consent ledger."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consents")
    state = models.CharField(max_length=20, choices=Customer.Consent.choices)
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=100)
    wording = models.TextField(blank=True)
    wording_version = models.CharField(max_length=50, blank=True)
    opt_in_level = models.CharField(max_length=30, blank=True)

    class Meta:
        indexes = [models.Index(fields=["customer", "-occurred_at"], name="consent_customer_idx")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.state} at {self.occurred_at:%Y-%m-%d}"


class CustomerTag(StoreScopedModel):
    """One of a customer's tags, lower-cased: written by database triggers from `Customer.tags`
    (commerce/tag_index.py), never by the application, so a segment counts a tag from an index."""

    # DO_NOTHING: the delete trigger removes a deleted customer's rows in the same statement
    customer = models.ForeignKey(Customer, on_delete=models.DO_NOTHING, related_name="+")
    tag = models.CharField(max_length=200)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["customer", "tag"], name="customer_tag_unique")]
        indexes = [models.Index(fields=["store", "tag", "customer"], name="customer_tag_idx")]


class Product(StoreScopedModel):
    platform = models.CharField(max_length=20, choices=Platform.choices)
    external_id = models.CharField(max_length=100)
    title = models.CharField(max_length=500)
    vendor = models.CharField(max_length=200, blank=True)
    product_type = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "platform", "external_id"], name="product_unique")
        ]

    def __str__(self) -> str:
        return self.title


class Variant(StoreScopedModel):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    external_id = models.CharField(max_length=100)
    title = models.CharField(max_length=500, blank=True)
    sku = models.CharField(max_length=100, blank=True)
    price = models.DecimalField(null=True, blank=True, **MONEY)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["product", "external_id"], name="variant_unique")]

    def __str__(self) -> str:
        return f"{self.product} / {self.title}"


class Order(StoreScopedModel):
    class Financial(models.TextChoices):
        PENDING = "pending", pgettext_lazy("payment status", "Pending")
        AUTHORIZED = "authorized", _("Authorized")
        PARTIALLY_PAID = "partially_paid", _("Partially paid")
        PAID = "paid", _("Paid")
        PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")
        REFUNDED = "refunded", _("Refunded")
        VOIDED = "voided", _("Voided")

    class Fulfillment(models.TextChoices):
        UNFULFILLED = "unfulfilled", _("Unfulfilled")
        PARTIAL = "partial", _("Partially fulfilled")
        FULFILLED = "fulfilled", _("Fulfilled")
        RESTOCKED = "restocked", _("Restocked")

    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    platform = models.CharField(max_length=20, choices=Platform.choices)
    external_id = models.CharField(max_length=100)
    number = models.CharField(max_length=64)
    email = models.CharField(max_length=254, blank=True)
    currency = models.CharField(max_length=3)
    presentment_currency = models.CharField(max_length=3, blank=True)
    # The lines after discounts, before shipping and tax (Shopify's subtotal_price).
    subtotal = models.DecimalField(default=0, **MONEY)
    total_discounts = models.DecimalField(default=0, **MONEY)
    discount_codes = models.JSONField(default=list, blank=True)
    shipping = models.DecimalField(default=0, **MONEY)
    tax = models.DecimalField(default=0, **MONEY)
    # VAT-style prices: subtotal and shipping already include `tax`, which the
    # total does not add again.
    taxes_included = models.BooleanField(default=False)
    total = models.DecimalField(**MONEY)
    presentment_total = models.DecimalField(null=True, blank=True, **MONEY)
    financial_status = models.CharField(max_length=20, choices=Financial.choices, blank=True)
    fulfillment_status = models.CharField(
        max_length=20, choices=Fulfillment.choices, default=Fulfillment.UNFULFILLED
    )
    source_channel = models.CharField(max_length=100, blank=True)
    landing_page = models.CharField(max_length=2000, blank=True)
    referrer = models.CharField(max_length=2000, blank=True)
    utm_source = models.CharField(max_length=200, blank=True)
    utm_medium = models.CharField(max_length=200, blank=True)
    utm_campaign = models.CharField(max_length=200, blank=True)
    checkout_token = models.CharField(max_length=100, blank=True)
    # Another customer's referral code the order was placed with (commerce.referrals), else "".
    referral_code = models.CharField(max_length=CODE_MAX_LENGTH, blank=True, default="", db_default="")
    note = models.TextField(blank=True)
    # name, company, address1, address2, city, province, zip, country, phone.
    shipping_address = models.JSONField(default=dict, blank=True)
    shipping_method = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    source_updated_at = models.DateTimeField(null=True, blank=True)
    refunded_amount = models.DecimalField(default=0, **MONEY)
    # When cxloop last changed the row (save() sets it; every .update() of orders sets it too): the
    # analytics warehouse copies the orders changed since its last sync by this (analytics.sync).
    # Never empty: a writer of raw rows that left it out would have its orders missed by that sync.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "platform", "external_id"], name="order_unique")
        ]
        indexes = [
            models.Index(fields=["store", "-created_at"], name="order_created_idx"),
            models.Index(fields=["customer", "created_at"], name="order_customer_idx"),
            models.Index(fields=["store", "number"], name="order_number_idx"),
            models.Index(fields=["updated_at"], name="order_updated_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def net_total(self):
        return self.total - self.refunded_amount


class LineItem(StoreScopedModel):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="line_items")
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.SET_NULL)
    variant = models.ForeignKey(Variant, null=True, blank=True, on_delete=models.SET_NULL)
    external_id = models.CharField(max_length=100, blank=True)
    title = models.CharField(max_length=500)
    sku = models.CharField(max_length=100, blank=True)
    quantity = models.PositiveIntegerField(default=1)
    price = models.DecimalField(**MONEY)
    total_discount = models.DecimalField(default=0, **MONEY)

    def __str__(self) -> str:
        return f"{self.quantity} × {self.title}"


class Fulfilment(StoreScopedModel):
    """One shipment of an order, with its carrier tracking, as the platform reported it.

    Shopify sends several per order (`fulfillments[]`, `fulfillments/*`); the
    WooCommerce Shipment Tracking extension one per tracking item; Ecwid one
    per order. `external_id` is the platform's id of the shipment within its
    order. `tracking_url` is only ever an http(s) URL (`tracking.safe_tracking_url`).
    """

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("shipment status", "Pending")
        SHIPPED = "shipped", _("Shipped")
        IN_TRANSIT = "in_transit", _("In transit")
        OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
        READY_FOR_PICKUP = "ready_for_pickup", _("Ready for pickup")
        ATTEMPTED_DELIVERY = "attempted_delivery", _("Delivery attempted")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Delivery failed")
        RETURNED = "returned", _("Returned")
        CANCELLED = "cancelled", _("Cancelled")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="fulfilments")
    external_id = models.CharField(max_length=100)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SHIPPED)
    carrier = models.CharField(max_length=200, blank=True)
    tracking_number = models.CharField(max_length=200, blank=True)
    tracking_url = models.URLField(max_length=2000, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    # When the platform last changed what this row holds: an older report changes nothing.
    source_updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["order", "external_id"], name="fulfilment_unique")]

    def __str__(self) -> str:
        return f"{self.get_status_display()} {self.tracking_number}".strip()


class Refund(StoreScopedModel):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="refunds")
    external_id = models.CharField(max_length=100)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["order", "external_id"], name="refund_unique")]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} on {self.order}"


class Checkout(StoreScopedModel):
    class State(models.TextChoices):
        OPEN = "open", _("Open")
        ABANDONED = "abandoned", _("Abandoned")
        COMPLETED = "completed", _("Completed")

    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="checkouts"
    )
    platform = models.CharField(max_length=20, choices=Platform.choices)
    external_id = models.CharField(max_length=100)
    token = models.CharField(max_length=100, blank=True)
    email = models.CharField(max_length=254, blank=True)
    currency = models.CharField(max_length=3)
    total = models.DecimalField(default=0, **MONEY)
    line_items = models.JSONField(default=list, blank=True)
    recovery_url = models.URLField(max_length=2000, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "platform", "external_id"], name="checkout_unique")
        ]
        indexes = [models.Index(fields=["store", "state", "-updated_at"], name="checkout_state_idx")]

    def __str__(self) -> str:
        return f"checkout {self.external_id}"


class Event(StoreScopedModel):
    """One step of a shopper's journey (page_view, add_to_cart, ...)."""

    event_id = models.CharField(max_length=100, help_text="The sender's idempotency key.")
    type = models.CharField(max_length=64)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    anonymous_id = models.CharField(max_length=100, blank=True)
    session_id = models.CharField(max_length=100, blank=True)
    properties = models.JSONField(default=dict, blank=True)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField()
    # The class of the shopper's browser that sent it, from its User-Agent (commerce.devices):
    # mobile, tablet, desktop, bot; "" unknown or sent by a server. Unverified, as the event.
    device = models.CharField(max_length=10, blank=True, default="", db_default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "event_id"], name="event_unique")]
        indexes = [
            models.Index(fields=["store", "type", "occurred_at"], name="event_type_idx"),
            models.Index(fields=["customer", "occurred_at"], name="event_customer_idx"),
            models.Index(fields=["store", "anonymous_id"], name="event_anon_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.type} at {self.occurred_at}"


class WebhookDelivery(StoreScopedModel):
    """A webhook as received: the idempotency record and the integrations log.

    Accepted deliveries keep their event id (unique per store and platform), so
    a retry is recognised. Where the platform signs the whole body (Shopify,
    WooCommerce) they also keep its SHA-256, unique per store and platform, so
    the same signed body is applied once even under a new, unsigned event id.
    Rejected ones (bad signature) keep no id, no digest and no body, so a forged
    delivery can never use up the genuine one's event id.
    """

    class Status(models.TextChoices):
        PROCESSED = "processed", _("Processed")
        PENDING = "pending", _("Waiting for fetch")
        # Applied in updated_at order and found older than what is stored.
        STALE = "stale", _("Older than stored data")
        IGNORED = "ignored", _("Recorded, not used")
        REJECTED = "rejected", _("Rejected")
        FAILED = "failed", _("Failed")

    platform = models.CharField(max_length=20, choices=Platform.choices)
    topic = models.CharField(max_length=100, blank=True)
    # NULL (not "") for rejected deliveries: the unique constraint ignores NULLs.
    delivery_id = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    webhook_id = models.CharField(max_length=200, blank=True)
    # SHA-256 (hex) of the signed body; NULL where the body is not what is signed.
    body_sha256 = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    status = models.CharField(max_length=20, choices=Status.choices)
    reason = models.CharField(max_length=500, blank=True)
    body = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "platform", "delivery_id"], name="delivery_unique"),
            models.UniqueConstraint(fields=["store", "platform", "body_sha256"], name="delivery_body_unique"),
        ]
        indexes = [models.Index(fields=["store", "-received_at"], name="delivery_recent_idx")]

    def __str__(self) -> str:
        return f"{self.platform} {self.topic} {self.status}"


class ErasedIdentity(StoreScopedModel):
    """An email or platform id of an erased customer, kept only as a SHA-256 digest.

    Imports of old exports check it so an erased customer never comes back;
    the digest lets cxloop recognise the person without storing who they were.
    """

    digest = models.CharField(max_length=64)
    erased_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "digest"], name="erasedidentity_unique")]

    def __str__(self) -> str:
        return f"erased {self.digest[:12]}"


class ImportJob(StoreScopedModel):
    """A CSV export uploaded for import, and how its background run is going.

    The file lives in the database (`ImportFileChunk`), so a worker on another
    machine can read it, and is deleted once the run ends. Counts and
    `rows_processed` are saved with each committed batch, so a run that
    stopped half-way resumes where it was.
    """

    class Kind(models.TextChoices):
        SHOPIFY_CUSTOMERS = "shopify_customers", _("Shopify customers export")
        SHOPIFY_ORDERS = "shopify_orders", _("Shopify orders export")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    file_name = models.CharField(max_length=255)
    file_size = models.PositiveBigIntegerField(default=0)
    language = models.CharField(max_length=16, blank=True, help_text="Of the problem reasons.")
    rows_total = models.PositiveIntegerField(default=0)
    rows_processed = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    attempt = models.PositiveIntegerField(default=0, help_text="Which run owns the job now.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["store", "-created_at"], name="importjob_recent_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name} {self.status}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        """Whole percent of rows processed; 100 once done."""
        if self.status == self.Status.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(100, self.rows_processed * 100 // self.rows_total)


class ImportFileChunk(StoreScopedModel):
    """Up to 4 MB of an import's file, in order."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "index"], name="importchunk_unique")]

    def __str__(self) -> str:
        return f"chunk {self.index} of import {self.job_id}"


class ImportProblem(StoreScopedModel):
    """A row an import skipped or imported only in part: its CSV line and why."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="problems")
    line = models.PositiveIntegerField()
    reason = models.TextField()

    class Meta:
        indexes = [models.Index(fields=["job", "id"], name="importproblem_job_idx")]

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


class PlatformConnection(StoreScopedModel):
    """How cxloop reaches a store's admin API, to act on it (refunds, codes, gift cards).

    Shopify: the shop's address (https://<shop>.myshopify.com) and an Admin API
    access token. WooCommerce: the site's address and a REST API consumer key
    and secret. Credentials are encrypted at rest (core.encryption); only
    their last characters are kept readable, in `credential_hint`, to show
    which one is set.
    """

    platform = models.CharField(max_length=20, choices=Platform.choices)
    base_url = models.URLField(
        max_length=300, help_text="https://<shop>.myshopify.com, or the site's address."
    )
    api_version = models.CharField(
        max_length=20, blank=True, help_text='Shopify Admin API version, e.g. "2026-10".'
    )
    access_token = EncryptedTextField(blank=True)
    consumer_key = EncryptedTextField(blank=True)
    consumer_secret = EncryptedTextField(blank=True)
    credential_hint = models.CharField(max_length=8, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "platform"], name="platformconnection_unique")
        ]

    def __str__(self) -> str:
        return f"{self.platform} {self.base_url}"


class StoreAction(StoreScopedModel):
    """One action on the store's platform, keyed by its idempotency key.

    The row is claimed (status pending) before the platform is called, so a
    second call with the same key finds it: it gets the first result once
    done, or "already in progress" while pending. A failed action may be
    tried again with the same key; it is never marked done unless the
    platform said it was done. `platform_attempt` numbers the idempotency
    key sent to the platform: it changes only after a failure the platform
    certainly saw, so a retry after a timeout repeats the same key.
    """

    class Kind(models.TextChoices):
        REFUND = "refund", _("Refund")
        DISCOUNT_CODE = "discount_code", _("Discount code")
        GIFT_CARD = "gift_card", _("Gift card")
        CANCEL_ORDER = "cancel_order", _("Order cancellation")
        DRAFT_ORDER = "draft_order", _("Draft order")

    class Status(models.TextChoices):
        PENDING = "pending", _("In progress")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    platform = models.CharField(max_length=20, choices=Platform.choices)
    idempotency_key = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    request = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    platform_attempt = models.PositiveSmallIntegerField(default=1)
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "idempotency_key"], name="storeaction_unique_key")
        ]
        indexes = [models.Index(fields=["store", "-created_at"], name="storeaction_recent_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.idempotency_key} {self.status}"
