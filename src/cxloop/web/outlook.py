"""A customer's predictions and segments for the customer pages (commerce's pages, segments' numbers).

The staff shell may read every app; commerce itself knows nothing of segments.
"""

from cxloop.commerce.models import Customer
from cxloop.core.models import Store
from cxloop.segments.models import RFM_GROUP_LABELS, SPEND_TIER_LABELS
from cxloop.segments.queries import Outlook, customer_outlook, list_customer_segments
from cxloop.segments.services.predictions import MIN_BUYERS, MIN_HISTORY_DAYS, MIN_REPEAT_BUYERS

# The customers list's filters by prediction (Shopify's values, staff's names)
RFM_GROUP_CHOICES = [(group.value, label) for group, label in RFM_GROUP_LABELS.items()]
SPEND_TIER_CHOICES = [(tier.value, label) for tier, label in SPEND_TIER_LABELS.items()]


def build_customer_outlook(store: Store, customer: Customer) -> dict:
    """The outlook, the thresholds a store must reach before numbers are shown, and the segments the
    customer is in (by the segments' member rows)."""
    outlook: Outlook = customer_outlook(store, customer.pk)
    return {
        "outlook": outlook,
        "customer_segments": list_customer_segments(store, customer.pk),
        "minimum": {"buyers": MIN_BUYERS, "repeat_buyers": MIN_REPEAT_BUYERS, "days": MIN_HISTORY_DAYS},
    }
