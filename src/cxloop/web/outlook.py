"""A customer's predictions for the customer page (commerce's page, segments' numbers).

The staff shell may read every app; commerce itself knows nothing of segments.
"""

from cxloop.commerce.models import Customer
from cxloop.core.models import Store
from cxloop.segments.queries import Outlook, customer_outlook
from cxloop.segments.services.predictions import MIN_BUYERS, MIN_HISTORY_DAYS, MIN_REPEAT_BUYERS


def build_customer_outlook(store: Store, customer: Customer) -> dict:
    """The outlook and the thresholds a store must reach before numbers are shown."""
    outlook: Outlook = customer_outlook(store, customer.pk)
    return {
        "outlook": outlook,
        "minimum": {"buyers": MIN_BUYERS, "repeat_buyers": MIN_REPEAT_BUYERS, "days": MIN_HISTORY_DAYS},
    }
