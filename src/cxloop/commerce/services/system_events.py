"""Events cxloop itself records on a customer's journey (a low survey score, later more).

Other domains emit these so the help desk and flows can react to them the
same way as to storefront events; the event id makes each one idempotent.
"""

import orjson
from django.utils import timezone

from cxloop.core.models import Store

from ..models import Customer
from .events import EventIn, EventsResult, record_events


def record_system_event(
    *, store: Store, customer: Customer | None, type: str, event_id: str, properties: dict, occurred_at=None
) -> EventsResult:
    """Record one event under a stable id; recording it again changes nothing."""
    now = timezone.now()
    event = EventIn(
        event_id=event_id,
        type=type,
        anonymous_id="",
        session_id="",
        email="",
        properties=properties,
        properties_json=orjson.dumps(properties).decode(),
        occurred_at=occurred_at or now,
        received_at=now,
        customer_id=customer.pk if customer is not None else None,
    )
    return record_events(store=store, events=[event])
