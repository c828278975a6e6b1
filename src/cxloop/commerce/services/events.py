"""Journey events from the event API and the storefront snippet."""

import json
import re
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from cxloop.core.errors import InvalidInput
from cxloop.core.models import Platform, Store
from cxloop.core.textchecks import find_forbidden_character

from .. import parsing
from ..models import Event
from ..records import CustomerData
from .customers import upsert_customer

MAX_BATCH = 1000
MAX_PROPERTIES_BYTES = 16_000
EVENT_TYPE = re.compile(r"^[a-z][a-z0-9_.:-]{0,63}$")
ALLOWED_KEYS = {"event_id", "type", "occurred_at", "anonymous_id", "session_id", "email", "properties"}


@dataclass
class EventsResult:
    accepted: int
    duplicates: int


class ItemError(InvalidInput):
    """An invalid item of a batch; names the item index and the field."""

    def __init__(self, index: int, error: InvalidInput):
        super().__init__(error.message, field=f"events[{index}].{error.field or ''}".rstrip("."))
        self.index = index


def _check_properties(value, index: int) -> dict:
    props = parsing.obj(value, "properties")
    if len(json.dumps(props, ensure_ascii=False)) > MAX_PROPERTIES_BYTES:
        raise InvalidInput(f"properties are larger than {MAX_PROPERTIES_BYTES} bytes.", field="properties")
    stack = [props]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            problem = find_forbidden_character(item, allow_newlines=True)
            if problem:
                raise InvalidInput(f"properties contain a {problem}.", field="properties")
    return props


def _parse_item(raw, now) -> Event:
    if not isinstance(raw, dict):
        raise InvalidInput("Each event must be an object.")
    unknown = sorted(set(raw) - ALLOWED_KEYS)
    if unknown:
        raise InvalidInput(f"Unknown field {unknown[0]!r}.", field=unknown[0])
    event_id = parsing.identifier(raw.get("event_id"), "event_id")
    event_type = raw.get("type")
    if not isinstance(event_type, str) or not EVENT_TYPE.match(event_type):
        raise InvalidInput(
            "type must be 1-64 lower-case letters, digits or _.:- starting with a letter.",
            field="type",
        )
    occurred = parsing.timestamp(raw.get("occurred_at"), "occurred_at", required=False) or now
    if occurred > now + timedelta(days=1):
        raise InvalidInput("occurred_at is in the future.", field="occurred_at")
    event = Event(
        event_id=event_id,
        type=event_type,
        anonymous_id=parsing.text(raw.get("anonymous_id"), "anonymous_id", max_length=100),
        session_id=parsing.text(raw.get("session_id"), "session_id", max_length=100),
        properties=_check_properties(raw.get("properties"), 0),
        occurred_at=occurred,
        received_at=now,
    )
    event._email = parsing.email(raw.get("email")).lower()
    return event


def parse_events(items: list) -> list[Event]:
    """Validate a batch; raise ItemError naming the first bad item and field."""
    if not isinstance(items, list) or not items:
        raise InvalidInput("events must be a non-empty list.", field="events")
    if len(items) > MAX_BATCH:
        raise InvalidInput(f"A batch holds at most {MAX_BATCH} events.", field="events")
    now = timezone.now()
    events = []
    for index, raw in enumerate(items):
        try:
            events.append(_parse_item(raw, now))
        except InvalidInput as error:
            raise ItemError(index, error) from None
    return events


@transaction.atomic
def record_events(*, store: Store, events: list[Event]) -> EventsResult:
    """Store a validated batch in one transaction; an event id already seen is skipped.

    `identify` events (properties.email and optional first_name/last_name)
    create or update the customer and link the anonymous id's past events.
    """
    ids = {e.event_id for e in events}
    seen = set(Event.objects.filter(store=store, event_id__in=ids).values_list("event_id", flat=True))
    fresh, batch_ids = [], set()
    for event in events:
        if event.event_id in seen or event.event_id in batch_ids:
            continue
        batch_ids.add(event.event_id)
        event.store = store
        fresh.append(event)
    _link_customers(store, fresh)
    Event.objects.bulk_create(fresh, ignore_conflicts=True, batch_size=500)
    return EventsResult(accepted=len(fresh), duplicates=len(events) - len(fresh))


def _link_customers(store: Store, events: list[Event]) -> None:
    from ..models import Customer

    for event in events:
        if event.type == "identify":
            _identify(store, event)
    emails = {e._email for e in events if e._email and e.customer_id is None}
    if not emails:
        return
    by_email = dict(
        Customer.objects.filter(store=store, email_key__in=emails)
        .order_by("-id").values_list("email_key", "id")
    )  # fmt: skip
    for event in events:
        if event.customer_id is None and event._email in by_email:
            event.customer_id = by_email[event._email]


def _identify(store: Store, event: Event) -> None:
    props = event.properties
    email = parsing.email(props.get("email") or event._email, "properties.email")
    if not email:
        return
    customer, _ = upsert_customer(
        store=store,
        platform=Platform.API,
        data=CustomerData(
            email=email,
            first_name=parsing.text(props.get("first_name"), "properties.first_name", max_length=200),
            last_name=parsing.text(props.get("last_name"), "properties.last_name", max_length=200),
        ),
    )
    event.customer_id = customer.pk
    if event.anonymous_id:
        Event.objects.filter(store=store, anonymous_id=event.anonymous_id, customer__isnull=True).update(
            customer=customer
        )
