"""Journey events from the event API and the storefront snippet.

This is cxloop's hottest write path (every page view of every store), so it
stays close to the database: `parse_events` validates a batch into small
`EventIn` records (no model instances), and `record_events` writes them with
one statement. On PostgreSQL that is a `COPY` which is its own transaction;
if an event id is already stored, and always on SQLite, it is
`INSERT ... ON CONFLICT (store_id, event_id) DO NOTHING` in one transaction,
counting the rows actually inserted instead of first selecting the ids
already stored. The checks are those of `parsing` and `textchecks`; each
fast path only accepts what they would accept unchanged and hands anything
else to them, so the answers and their wording stay the same.
"""

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import orjson
import psycopg
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from psycopg import postgres
from psycopg.adapt import Dumper
from psycopg.pq import Format

from cxloop.core.errors import InvalidInput
from cxloop.core.identity import IDENTITY_HASH, is_signed_identity
from cxloop.core.models import Platform, Store
from cxloop.core.services import record_identity_mismatches
from cxloop.core.textchecks import find_forbidden_character

from .. import parsing
from ..models import Event
from ..records import CustomerData
from .customers import identify_customer, upsert_customer

LINKED_LISTENERS: list = []


def register_linked_listener(listener) -> None:
    """Call `listener(store, anonymous_id, customer_id)` in the transaction of every identify that gives
    an anonymous visitor's stored events to a customer (the analytics warehouse follows it)."""
    if listener not in LINKED_LISTENERS:
        LINKED_LISTENERS.append(listener)


MAX_BATCH = 1000
MAX_PROPERTIES_BYTES = 16_000
EVENT_TYPE = re.compile(r"[a-z][a-z0-9_.:-]{0,63}")
ALLOWED_KEYS = frozenset(
    {"event_id", "type", "occurred_at", "anonymous_id", "session_id", "email", "identity_hash", "properties"}
)
# What textchecks.find_forbidden_character refuses, as one regex: the C0 and C1
# controls (Unicode category Cc is exactly U+0000-001F and U+007F-009F) and
# the bidirectional controls. Only used to let clean text skip the slow check.
FORBIDDEN_IN_TEXT = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# In properties as orjson writes them: any escape (control characters come out
# escaped), DEL, or a C1 or bidi control in UTF-8. Properties without any of
# these need no walk through their strings.
PROPERTIES_NEED_WALK = re.compile(rb"[\\\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]")
EVENT_COLUMNS = (
    "store_id", "event_id", "type", "customer_id", "anonymous_id", "session_id",
    "properties", "occurred_at", "received_at", "device",
)  # fmt: skip


@dataclass
class EventsResult:
    accepted: int
    duplicates: int


@dataclass(slots=True)
class EventIn:
    """A validated event, ready to insert."""

    event_id: str
    type: str
    anonymous_id: str
    session_id: str
    email: str
    properties: dict
    properties_json: str
    occurred_at: datetime
    received_at: datetime
    customer_id: int | None = None
    identity_hash: str = ""  # checked, never stored
    device: str = ""  # the class of the browser that sent it (commerce.devices); "" from a server


class ItemError(InvalidInput):
    """An invalid item of a batch; names the item index and the field."""

    def __init__(self, index: int, error: InvalidInput):
        super().__init__(error.message, field=f"events[{index}].{error.field or ''}".rstrip("."))
        self.index = index


# -- validation --------------------------------------------------------------


def parse_events(items: list, *, device: str = "") -> list[EventIn]:
    """Validate a batch; raise ItemError naming the first bad item and field.

    `device` is the class of the shopper's browser that sent the batch (commerce.devices, from the
    request's User-Agent), given to each of its events; "" when a server sent it."""
    if not isinstance(items, list) or not items:
        raise InvalidInput("events must be a non-empty list.", field="events")
    if len(items) > MAX_BATCH:
        raise InvalidInput(f"A batch holds at most {MAX_BATCH} events.", field="events")
    now = timezone.now()
    # A batch's events usually share a few timestamps; parse each text once.
    timestamps: dict[str, datetime] = {}
    events = []
    for index, raw in enumerate(items):
        try:
            events.append(_parse_item(raw, now, timestamps, device))
        except InvalidInput as error:
            raise ItemError(index, error) from None
    return events


def _parse_item(raw, now: datetime, timestamps: dict, device: str = "") -> EventIn:
    if not isinstance(raw, dict):
        raise InvalidInput("Each event must be an object.")
    if not ALLOWED_KEYS.issuperset(raw):
        unknown = sorted(set(raw) - ALLOWED_KEYS)[0]
        raise InvalidInput(f"Unknown field {unknown!r}.", field=unknown)
    event_id = _identifier(raw.get("event_id"))
    event_type = raw.get("type")
    if not isinstance(event_type, str) or not EVENT_TYPE.fullmatch(event_type):
        raise InvalidInput(
            "type must be 1-64 lower-case letters, digits or _.:- starting with a letter.",
            field="type",
        )
    occurred = _occurred_at(raw.get("occurred_at"), now, timestamps)
    anonymous_id = _text(raw.get("anonymous_id"), "anonymous_id")
    session_id = _text(raw.get("session_id"), "session_id")
    properties, properties_json = _properties(raw.get("properties"))
    email = raw.get("email")
    email = parsing.email(email).lower() if email is not None else ""
    return EventIn(
        event_id=event_id,
        type=event_type,
        anonymous_id=anonymous_id,
        session_id=session_id,
        email=email,
        properties=properties,
        properties_json=properties_json,
        occurred_at=occurred,
        received_at=now,
        identity_hash=_identity_hash(raw.get("identity_hash"), email or properties.get("email")),
        device=device,
    )


def _identity_hash(value, email) -> str:
    """The hex HMAC a store's server sent with an email, lower-cased; "" if none.

    Only its form is checked here: a wrong hash is not an error (the event is
    stored, attributed to no customer), so the answer says nothing about it.
    """
    if value is None or value == "":
        return ""
    if not isinstance(value, str) or not IDENTITY_HASH.fullmatch(value):
        raise InvalidInput(
            "identity_hash must be 64 hexadecimal characters: HMAC-SHA256 of the email.",
            field="identity_hash",
        )
    if not email:
        raise InvalidInput("identity_hash signs an email, and this event has none.", field="identity_hash")
    return value.lower()


def _is_clean_text(value, max_length: int) -> bool:
    """True if parsing.text would return `value` unchanged."""
    return (
        type(value) is str
        and len(value) <= max_length
        and not (value and (value[0].isspace() or value[-1].isspace()))
        and not FORBIDDEN_IN_TEXT.search(value)
    )


def _text(value, field: str, max_length: int = 100) -> str:
    if _is_clean_text(value, max_length):
        return value
    return parsing.text(value, field, max_length=max_length)


def _identifier(value) -> str:
    if value and _is_clean_text(value, 100):
        return value
    return parsing.identifier(value, "event_id")


def _occurred_at(value, now: datetime, timestamps: dict) -> datetime:
    if type(value) is str and value in timestamps:
        return timestamps[value]
    occurred = parsing.timestamp(value, "occurred_at", required=False) or now
    if occurred > now + timedelta(days=1):
        raise InvalidInput("occurred_at is in the future.", field="occurred_at")
    if type(value) is str:
        timestamps[value] = occurred
    return occurred


def _properties(value) -> tuple[dict, str]:
    """The properties and their JSON text, as stored.

    orjson writes at most a third of the characters `json.dumps` counts for
    the size limit, so only large properties need the exact count.
    """
    props = parsing.obj(value, "properties")
    try:
        encoded = orjson.dumps(props)
    except orjson.JSONEncodeError:  # an integer beyond 64 bits
        _check_properties(props)
        return props, json.dumps(props, ensure_ascii=False)
    if len(encoded) * 3 > MAX_PROPERTIES_BYTES or (
        # isascii and `in` are much cheaper than the regex, which only non-ASCII text needs.
        (b"\\" in encoded or b"\x7f" in encoded)
        if encoded.isascii()
        else PROPERTIES_NEED_WALK.search(encoded)
    ):
        _check_properties(props)
    return props, encoded.decode()


def _check_properties(props: dict) -> None:
    if len(json.dumps(props, ensure_ascii=False)) > MAX_PROPERTIES_BYTES:
        raise InvalidInput(f"properties are larger than {MAX_PROPERTIES_BYTES} bytes.", field="properties")  # noqa: E501
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


# -- writing -----------------------------------------------------------------


def record_events(*, store: Store, events: list[EventIn], trusted: bool = False) -> EventsResult:
    """Store a validated batch in one transaction; an event id already seen is skipped.

    All or nothing: the batch commits as a whole before this returns. Repeats
    (within the batch or of stored events, also from a concurrent request)
    are counted as duplicates thanks to the (store, event_id) constraint.

    `trusted` is for the store's own server (a secret API key): its `identify`
    events (properties.email and optional first_name/last_name) create or
    update the customer, and any event's email attributes it to that customer.
    Anything else is storefront data, unverified unless its email comes with
    the identity_hash the store's server signed (core/identity.py): a signed
    `identify` links the visitor to the customer (created for a new email) and
    fills only the customer's empty names; an unsigned or wrongly signed event
    is stored all the same, attributed to no customer, and changes no customer.
    Either way an identify links the anonymous id's events, stored and in the batch.
    """
    first_seen: dict[str, EventIn] = {}
    for event in events:
        first_seen.setdefault(event.event_id, event)
    fresh = list(first_seen.values())
    accepted = _copy_new_batch(store, fresh, trusted)
    if accepted is None:
        with transaction.atomic():  # on SQLite, waits its writer turn (core/sqlite)
            if any(event.type == "identify" for event in fresh):
                # A repeated identify must not change the customer again.
                fresh = _without_stored(store, fresh)
            _link_customers(store, fresh, trusted=trusted)
            accepted = _insert(store, fresh)
    return EventsResult(accepted=accepted, duplicates=len(events) - accepted)


def _copy_new_batch(store: Store, events: list[EventIn], trusted: bool) -> int | None:
    """On PostgreSQL, store a batch of new events with one COPY; None if it stored nothing.

    Outside a transaction the COPY is a transaction of its own, committed
    (and flushed: synchronous_commit) before PostgreSQL answers it, so the
    batch needs two round trips instead of BEGIN, INSERT and COMMIT, and
    PostgreSQL fills heap pages in batches rather than inserting tuple by
    tuple with speculative insertion. An event id already stored (a retry)
    fails the whole COPY on the (store, event_id) constraint; the caller then
    takes the INSERT ... ON CONFLICT path, which counts what is new.
    Batches with `identify` events, and calls inside a transaction, take
    that path directly.
    """
    if (
        connection.vendor != "postgresql"
        or not connection.get_autocommit()
        or any(event.type == "identify" for event in events)
    ):
        return None
    _link_customers(store, events, trusted=trusted)  # only email look-ups without identify events
    try:
        with connection.wrap_database_errors:
            return _copy_postgresql(connection.connection, store, events)
    except IntegrityError as error:
        if isinstance(error.__cause__, psycopg.errors.UniqueViolation):
            return None
        raise


def _without_stored(store: Store, events: list[EventIn]) -> list[EventIn]:
    ids = [event.event_id for event in events]
    stored = set(Event.objects.filter(store=store, event_id__in=ids).values_list("event_id", flat=True))
    return [event for event in events if event.event_id not in stored]


def _insert(store: Store, events: list[EventIn]) -> int:
    """Insert the events, skipping ids the store already has; return the rows inserted."""
    if not events:
        return 0
    if connection.vendor == "postgresql":
        with connection.wrap_database_errors:
            return _insert_on_conflict_postgresql(connection.connection, store, events)
    adapt = connection.ops.adapt_datetimefield_value
    adapted: dict[datetime, object] = {}
    rows = []
    for event in events:
        occurred, received = event.occurred_at, event.received_at
        if occurred not in adapted:
            adapted[occurred] = adapt(occurred)
        if received not in adapted:
            adapted[received] = adapt(received)
        rows.append((
            store.pk, event.event_id, event.type, event.customer_id, event.anonymous_id,
            event.session_id, event.properties_json, adapted[occurred], adapted[received], event.device,
        ))  # fmt: skip
    with connection.cursor() as cursor:
        # One prepared statement run per row: SQLite's fastest bulk path.
        cursor.executemany(_insert_sql(), rows)
        return cursor.rowcount


@lru_cache(maxsize=1)
def _insert_sql() -> str:
    quote = connection.ops.quote_name
    return (
        f"INSERT INTO {quote(Event._meta.db_table)} ({', '.join(map(quote, EVENT_COLUMNS))}) "
        f"VALUES ({', '.join(['%s'] * len(EVENT_COLUMNS))}) "
        f"ON CONFLICT ({quote('store_id')}, {quote('event_id')}) DO NOTHING"
    )


POSTGRESQL_COPY = f"COPY commerce_event ({', '.join(EVENT_COLUMNS)}) FROM STDIN (FORMAT BINARY)"
POSTGRESQL_COPY_TYPES = (
    "int8", "text", "text", "int8", "text", "text", "jsonb", "timestamptz", "timestamptz", "text",
)  # fmt: skip
POSTGRESQL_INSERT = """
    INSERT INTO commerce_event (store_id, event_id, type, customer_id, anonymous_id, session_id,
                                properties, occurred_at, received_at, device)
    SELECT %s, e.event_id, e.type, e.customer_id, e.anonymous_id, e.session_id,
           e.properties::jsonb, e.occurred_at, %s, e.device
    FROM unnest(%b::text[], %b::text[], %b::int8[], %b::text[], %b::text[], %b::text[],
                %b::timestamptz[], %b::text[])
         AS e(event_id, type, customer_id, anonymous_id, session_id, properties, occurred_at, device)
    ON CONFLICT (store_id, event_id) DO NOTHING
"""


def _copy_postgresql(conn: psycopg.Connection, store: Store, events: list[EventIn]) -> int:
    """COPY the events in binary: no text to escape or parse on either side."""
    with psycopg.Cursor(conn) as cursor:
        cursor.adapters.register_dumper(None, _JsonbTextBinaryDumper)
        with cursor.copy(POSTGRESQL_COPY) as copy:
            copy.set_types(POSTGRESQL_COPY_TYPES)
            store_id, write_row = store.pk, copy.write_row
            for e in events:
                write_row((
                    store_id, e.event_id, e.type, e.customer_id, e.anonymous_id, e.session_id,
                    e.properties_json, e.occurred_at, e.received_at, e.device,
                ))  # fmt: skip
    return len(events)


class _JsonbTextBinaryDumper(Dumper):
    """Binary jsonb from JSON text already serialised (psycopg's would quote it as a string)."""

    format = Format.BINARY
    oid = postgres.types["jsonb"].oid

    def dump(self, obj: str) -> bytes:
        return b"\x01" + obj.encode()  # jsonb's binary format: version 1, then the text


def _insert_on_conflict_postgresql(conn: psycopg.Connection, store: Store, events: list[EventIn]) -> int:
    """One statement with a column array per field, bound server-side.

    Django's default client-side binding spent 5 ms per 100 events splitting
    a 900-placeholder query; eight arrays, sent in binary (%b: no escaping),
    make one small statement that psycopg prepares once per connection.
    """
    params = (
        store.pk,
        events[0].received_at,
        [e.event_id for e in events],
        [e.type for e in events],
        [e.customer_id for e in events],
        [e.anonymous_id for e in events],
        [e.session_id for e in events],
        [e.properties_json for e in events],
        [e.occurred_at for e in events],
        [e.device for e in events],
    )
    with psycopg.Cursor(conn) as cursor:
        cursor.execute(POSTGRESQL_INSERT, params)
        return cursor.rowcount


def _link_customers(store: Store, events: list[EventIn], *, trusted: bool) -> None:
    """Attribute events to customers: identify first, then known emails (trusted or signed only)."""
    from ..models import Customer

    secret = "" if trusted else _identity_secret(store, events)
    mismatches = 0
    for event in events:
        if event.type == "identify" and not _identify(store, event, events, trusted=trusted, secret=secret):
            mismatches += bool(event.identity_hash)
    record_identity_mismatches(store=store, count=mismatches)
    linkable = [
        event for event in events
        if event.email and event.customer_id is None
        and (trusted or is_signed_identity(secret, event.email, event.identity_hash))
    ]  # fmt: skip
    if not linkable:
        return
    by_email = dict(
        Customer.objects.filter(store=store, email_key__in={e.email for e in linkable})
        .order_by("-id").values_list("email_key", "id")
    )  # fmt: skip
    for event in linkable:
        event.customer_id = by_email.get(event.email)


def _identity_secret(store: Store, events: list[EventIn]) -> str:
    """The store's identity secret if any event is signed.

    Read now rather than taken from `store`, which the API key cache may have
    kept for a few seconds: a rotated secret stops working at once.
    """
    if not any(event.identity_hash for event in events):
        return ""
    return Store.objects.filter(pk=store.pk).values_list("identity_secret", flat=True).first() or ""


def _identify(store: Store, event: EventIn, batch: list[EventIn], *, trusted: bool, secret: str) -> bool:
    """Link an identify event's visitor to its customer; False if its email is not vouched for."""
    props = event.properties
    email = parsing.email(props.get("email") or event.email, "properties.email")
    if not email:
        return False
    first_name = parsing.text(props.get("first_name"), "properties.first_name", max_length=200)
    last_name = parsing.text(props.get("last_name"), "properties.last_name", max_length=200)
    if trusted:
        customer, _ = upsert_customer(
            store=store,
            platform=Platform.API,
            data=CustomerData(email=email, first_name=first_name, last_name=last_name),
        )
    elif is_signed_identity(secret, email, event.identity_hash):
        customer = identify_customer(store=store, email=email, first_name=first_name, last_name=last_name)
    else:
        return False
    event.customer_id = customer.pk
    if event.anonymous_id:
        linked = Event.objects.filter(
            store=store, anonymous_id=event.anonymous_id, customer__isnull=True
        ).update(customer=customer)
        if linked:
            for listener in LINKED_LISTENERS:
                listener(store, event.anonymous_id, customer.pk)
        for other in batch:
            if other.anonymous_id == event.anonymous_id and other.customer_id is None:
                other.customer_id = customer.pk
    return True
