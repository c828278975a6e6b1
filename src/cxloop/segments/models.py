"""Predictions per customer, and the store's last fit that made them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cxloop.commerce.models import MONEY, Customer
from cxloop.core.models import StoreScopedModel

from .predictions.groups import RfmGroup, SpendTier

# Shopify's group and tier values, with the names staff read (Shopify's own English names).
RFM_GROUP_LABELS = {
    RfmGroup.CHAMPIONS: pgettext_lazy("RFM group", "Champions"),
    RfmGroup.LOYAL: pgettext_lazy("RFM group", "Loyal"),
    RfmGroup.ACTIVE: pgettext_lazy("RFM group", "Active"),
    RfmGroup.NEW: pgettext_lazy("RFM group", "New"),
    RfmGroup.PROMISING: pgettext_lazy("RFM group", "Promising"),
    RfmGroup.NEEDS_ATTENTION: pgettext_lazy("RFM group", "Needs attention"),
    RfmGroup.AT_RISK: pgettext_lazy("RFM group", "At risk"),
    RfmGroup.PREVIOUSLY_LOYAL: pgettext_lazy("RFM group", "Previously loyal"),
    RfmGroup.ALMOST_LOST: pgettext_lazy("RFM group", "Almost lost"),
    RfmGroup.DORMANT: pgettext_lazy("RFM group", "Dormant"),
    RfmGroup.PROSPECTS: pgettext_lazy("RFM group", "Prospects"),
}
SPEND_TIER_LABELS = {
    SpendTier.HIGH: pgettext_lazy("spend tier", "High"),
    SpendTier.MEDIUM: pgettext_lazy("spend tier", "Medium"),
    SpendTier.LOW: pgettext_lazy("spend tier", "Low"),
}


class PredictionRun(StoreScopedModel):
    """One refresh of a store's predictions: what was fitted on how much history, or why not."""

    class Status(models.TextChoices):
        FITTED = "fitted", _("Fitted")
        NOT_ENOUGH_DATA = "not_enough_data", _("Not enough data")
        FAILED = "failed", _("Failed")

    status = models.CharField(max_length=20, choices=Status.choices)
    as_of = models.DateTimeField(help_text="The end of the history the models saw.")
    customers = models.PositiveIntegerField(default=0, help_text="Customers with an order.")
    repeat_buyers = models.PositiveIntegerField(default=0, help_text="Customers with a repeat order.")
    orders_params = models.JSONField(default=dict, blank=True, help_text="BG/NBD: r, alpha, a, b (days).")
    value_params = models.JSONField(default=dict, blank=True, help_text="Gamma-Gamma: p, q, v.")
    message = models.CharField(max_length=500, blank=True)
    calibration = models.JSONField(
        default=dict,
        blank=True,
        help_text="The holdout check: predicted against actual orders (see services).",
    )
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["store", "-created_at"], name="prediction_run_recent")]


class CustomerPrediction(StoreScopedModel):
    """What the last run predicts for one customer. The numbers are empty when the store's
    history was too short to fit them; the RFM group needs no model and is always set."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="prediction")
    rfm_group = models.CharField(
        max_length=16, choices=[(g.value, label) for g, label in RFM_GROUP_LABELS.items()]
    )
    spend_tier = models.CharField(
        max_length=6, choices=[(t.value, label) for t, label in SPEND_TIER_LABELS.items()], blank=True
    )
    probability_alive = models.FloatField(null=True, blank=True)
    expected_orders_90 = models.FloatField(null=True, blank=True)
    expected_orders_365 = models.FloatField(null=True, blank=True)
    predicted_value_365 = models.DecimalField(null=True, blank=True, **MONEY)
    # The 80 % intervals of the two from the fits' uncertainty (services.predictions.INTERVAL)
    expected_orders_365_low = models.FloatField(null=True, blank=True)
    expected_orders_365_high = models.FloatField(null=True, blank=True)
    predicted_value_365_low = models.DecimalField(null=True, blank=True, **MONEY)
    predicted_value_365_high = models.DecimalField(null=True, blank=True, **MONEY)
    # When an active customer's next order is due at their expected rate; empty when they are more
    # likely gone than not (bgnbd.days_to_next_order, services.predictions.NEXT_ORDER_HORIZON_DAYS)
    next_order_expected_at = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField()

    @property
    def churn_risk_percent(self) -> float | None:
        """The chance the customer has stopped buying, in percent (100 - P(alive))."""
        return None if self.probability_alive is None else 100 * (1 - self.probability_alive)

    class Meta:
        indexes = [
            # The customers list's sorts by value and by churn risk (highest first: P(alive) ascending)
            # read these in order, within a group or tier too, and stop after a page
            # (commerce.queries.RankedCustomers); a group or tier alone is their prefix.
            models.Index(fields=["store", "-predicted_value_365"], name="prediction_value"),
            models.Index(fields=["store", "probability_alive"], name="prediction_alive"),
            models.Index(fields=["store", "rfm_group", "-predicted_value_365"], name="prediction_rfm_value"),
            models.Index(fields=["store", "rfm_group", "probability_alive"], name="prediction_rfm_alive"),
            models.Index(
                fields=["store", "spend_tier", "-predicted_value_365"], name="prediction_tier_value"
            ),
            models.Index(fields=["store", "spend_tier", "probability_alive"], name="prediction_tier_alive"),
            # A segment's count of a group or tier reads the customer ids from the index alone, to leave
            # the erased out (segments.query.count_matching): 0.36 s -> 32 ms at a million on SQLite.
            models.Index(fields=["store", "rfm_group", "customer"], name="prediction_rfm_customer"),
            models.Index(fields=["store", "spend_tier", "customer"], name="prediction_tier_customer"),
        ]


class Segment(StoreScopedModel):
    """A saved segment: a name and a query (segments.query). Its members are kept as rows (SegmentMember)
    by the worker; `members_query` is the query they were last made current for at `members_at` (the rows
    answer for the segment only while it equals `query`). `member_count` is the count at `counted_at`,
    and SegmentCount keeps one count a day for the chart."""

    name = models.CharField(max_length=100)
    query = models.TextField()
    description = models.CharField(max_length=500, blank=True)
    member_count = models.PositiveIntegerField(null=True, blank=True)
    counted_at = models.DateTimeField(null=True, blank=True)
    members_query = models.TextField(blank=True)
    members_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "name"], name="segment_name_unique")]

    def __str__(self) -> str:
        return self.name

    @property
    def members_are_current(self) -> bool:
        """Whether the member rows were made for the query as it is now (not before an edit)."""
        return self.members_at is not None and self.members_query == self.query


class SegmentCount(StoreScopedModel):
    """How many customers a segment held on a day (the store's day), for its history."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="counts")
    day = models.DateField()
    members = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["segment", "day"], name="segment_count_day")]


class SegmentMember(StoreScopedModel):
    """A customer in a segment, as its last refresh found them (services.members); one row per pair."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="memberships", db_index=False)
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="segment_memberships", db_index=False
    )
    joined_at = models.DateTimeField()

    class Meta:
        constraints = [
            # Also the index of a segment's members, in customer id order (pages, exports, the refresh)
            models.UniqueConstraint(fields=["segment", "customer"], name="segment_member_unique")
        ]
        indexes = [models.Index(fields=["customer", "segment"], name="segment_member_customer")]


class SegmentChange(StoreScopedModel):
    """A customer entered or left a segment at a refresh: what "entered the segment" flows start from.
    Kept settings.CXLOOP_SEGMENT_CHANGES_KEEP_DAYS days."""

    class Change(models.TextChoices):
        ENTERED = "entered", _("Entered")
        LEFT = "left", _("Left")

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="changes", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="segment_changes")
    change = models.CharField(max_length=8, choices=Change.choices)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["segment", "at"], name="segment_change_at")]


class RefreshMatch(models.Model):
    """Not a table of the database: the TEMP table a member refresh fills with its query's matches on its
    own connection, for the duration of the refresh (services.members), read through the ORM."""

    customer_id = models.BigIntegerField(primary_key=True)

    class Meta:
        managed = False
        db_table = "segments_refresh_match"

    def __str__(self) -> str:
        return str(self.customer_id)
