"""A customer's timeline across apps: orders, refunds, carts and events, plus survey answers.

The staff shell may read every app; commerce itself knows nothing of surveys.
"""

from cxloop.commerce import queries as commerce_queries
from cxloop.commerce.models import Customer
from cxloop.commerce.queries import TimelineEntry
from cxloop.core.models import Store
from cxloop.surveys import queries as survey_queries
from cxloop.surveys.scoring import BAND_NAMES


def build_customer_timeline(store: Store, customer: Customer, *, limit: int = 100) -> list[TimelineEntry]:
    """Everything that happened with a customer, newest first, survey answers included."""
    entries = commerce_queries.build_timeline(store, customer, limit=limit)
    responses = survey_queries.list_responses(store, customer_id=customer.pk)[:limit]
    for response in responses:
        response.band_name = BAND_NAMES.get(response.survey.kind, {}).get(response.band, "")
        entries.append(TimelineEntry(response.created_at, "survey_response", response))
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries[:limit]
