"""The store-mirror API: event capture and reads of customers, orders and events."""

from datetime import datetime
from decimal import Decimal

from django.db import OperationalError
from django.http import JsonResponse
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from cxloop.core import strictjson
from cxloop.core.apiauth import StoreApiKey
from cxloop.core.apierrors import ErrorOut, InvalidOut
from cxloop.core.errors import DomainError, InvalidInput
from cxloop.core.inputs import DbId, LimitOffsetPagination, QueryText
from cxloop.core.models import ApiKey

from . import queries
from .devices import device_class
from .services import events as event_services

router = Router(tags=["store data"])


class EventsAccepted(Schema):
    accepted: int = Field(description="Events stored by this call.")
    duplicates: int = Field(description="Events whose event_id was already stored (skipped).")


BUSY_RETRY_AFTER = "2"  # seconds; a write waits up to 30 s for its turn before the API says busy

EVENT_SCHEMA = {
    "type": "object",
    "required": ["event_id", "type"],
    "additionalProperties": False,
    "properties": {
        "event_id": {"type": ["string", "integer"], "description": "The idempotency key (≤ 100 characters)."},
        "type": {"type": "string", "pattern": "^[a-z][a-z0-9_.:-]{0,63}$"},
        "occurred_at": {"type": ["string", "number"], "description": "ISO 8601 or unix seconds."},
        "anonymous_id": {"type": "string", "maxLength": 100},
        "session_id": {"type": "string", "maxLength": 100},
        "email": {"type": "string", "maxLength": 254},
        "identity_hash": {
            "type": "string",
            "pattern": "^[0-9a-fA-F]{64}$",
            "description": (
                "Hex HMAC-SHA256 of the trimmed, lower-cased email under the store's identity "
                "secret, computed by the store's server (docs/identity.md). With a publishable "
                "key, an email links the event to a customer only with a matching hash; an "
                "unsigned or wrongly signed event is stored and answered the same, attributed "
                "to no customer. Checked, never stored."
            ),
        },
        "properties": {
            "type": "object",
            "description": "For identify: email, first_name, last_name (storefronts fill empty names only).",
        },
    },
}
EVENTS_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "description": 'One event object, or {"events": [event, ...]} with up to 1,000.',
                    "oneOf": [
                        EVENT_SCHEMA,
                        {
                            "type": "object",
                            "required": ["events"],
                            "additionalProperties": False,
                            "properties": {
                                "events": {
                                    "type": "array",
                                    "items": EVENT_SCHEMA,
                                    "minItems": 1,
                                    "maxItems": 1000,
                                },  # fmt: skip
                            },
                        },
                    ],
                }
            }
        },
    }
}


@router.post(
    "/events",
    # The body is read here, not by ninja: its own 400 and 422 are declared (the rest: core.apierrors).
    response={200: EventsAccepted, 400: ErrorOut, 422: InvalidOut, 503: ErrorOut},
    openapi_extra=EVENTS_BODY,
    # Publishable keys sit in storefront pages; they may send events, nothing else.
    auth=StoreApiKey(allow_publishable=True),
    summary="Capture one event or a batch of up to 1,000",
)
def capture_events(request):
    """Store journey events. A batch is all-or-nothing: one invalid item answers
    422 naming the item and field (`events[3].type`), and nothing is stored."""
    body = strictjson.loads(request.body)
    if isinstance(body, dict) and "events" in body:
        if set(body) != {"events"}:
            raise InvalidInput("A batch body holds only 'events'.", field=sorted(set(body) - {"events"})[0])  # noqa: E501
        items = body["events"]
    elif isinstance(body, dict):
        items = [body]
    else:
        raise InvalidInput('The body must be an event object or {"events": [...]}.')
    # A secret key is the store's own server; a publishable key is the storefront, in the
    # shopper's browser, whose User-Agent tells the device the events came from.
    trusted = request.api_key_kind == ApiKey.Kind.SECRET
    device = "" if trusted else device_class(request.headers.get("User-Agent"))
    events = event_services.parse_events(items, device=device)
    try:
        result = event_services.record_events(store=request.store, events=events, trusted=trusted)
    except OperationalError:
        # The snippet (and any client) sends the same event ids again after Retry-After.
        busy = JsonResponse(_Busy().as_dict(), status=503)
        busy["Retry-After"] = BUSY_RETRY_AFTER
        return busy
    return EventsAccepted(accepted=result.accepted, duplicates=result.duplicates)


class _Busy(DomainError):
    status = 503
    code = "unavailable"

    def __init__(self):
        super().__init__("Storage is busy; retry with the same event ids.")


class CustomerOut(Schema):
    id: int
    email: str
    phone: str
    first_name: str
    last_name: str
    language: str
    country: str
    tags: list[str]
    email_consent: str
    orders_count: int
    amount_spent: Decimal
    currency: str
    # True while orders_count and amount_spent are the platform's own totals
    # (cxloop holds none of the customer's orders yet).
    facts_from_platform: bool
    first_order_at: datetime | None
    last_order_at: datetime | None
    company: str
    address: dict[str, str]
    note: str
    tax_exempt: bool
    created_at: datetime

    @staticmethod
    def resolve_currency(obj, context):
        return context["request"].store.currency


class LineOut(Schema):
    title: str
    sku: str
    quantity: int
    price: Decimal


class ShipmentOut(Schema):
    """One shipment of the order (`commerce.Fulfilment`); `tracking_url` is only ever an http(s) URL."""

    external_id: str
    status: str
    carrier: str
    tracking_number: str
    tracking_url: str
    shipped_at: datetime | None


class OrderOut(Schema):
    id: int
    platform: str
    external_id: str
    number: str
    customer_id: int | None
    email: str
    currency: str
    presentment_currency: str
    subtotal: Decimal
    total_discounts: Decimal
    shipping: Decimal
    tax: Decimal
    # Subtotal and shipping already include the tax (VAT); the total does not add it.
    taxes_included: bool
    total: Decimal
    refunded_amount: Decimal
    shipping_method: str
    shipping_address: dict[str, str]
    financial_status: str
    fulfillment_status: str
    source_channel: str
    created_at: datetime
    cancelled_at: datetime | None
    line_items: list[LineOut]
    shipments: list[ShipmentOut]

    @staticmethod
    def resolve_line_items(obj):
        return list(obj.line_items.all())

    @staticmethod
    def resolve_shipments(obj):
        return sorted(
            obj.fulfilments.all(),
            key=lambda shipment: (shipment.shipped_at is None, shipment.shipped_at, shipment.pk),
        )


class EventOut(Schema):
    id: int
    event_id: str
    type: str
    customer_id: int | None
    anonymous_id: str
    session_id: str
    properties: dict
    occurred_at: datetime
    received_at: datetime


class CustomerFilter(Schema):
    email: QueryText | None = Field(None, max_length=254, description="Exact email, case-insensitive.")


@router.get("/customers", response=list[CustomerOut], summary="List customers")
@paginate(LimitOffsetPagination)
def list_customers(request, filters: Query[CustomerFilter]):
    if filters.email:
        return queries.list_customers_by_email(request.store, filters.email)
    return queries.list_customers(request.store)


@router.get("/customers/{customer_id}", response=CustomerOut, summary="One customer")
def get_customer(request, customer_id: DbId):
    return queries.get_customer(request.store, customer_id)


@router.get("/orders", response=list[OrderOut], summary="List orders")
@paginate(LimitOffsetPagination)
def list_orders(request, customer_id: DbId | None = None):
    return queries.list_orders(request.store, customer_id=customer_id).prefetch_related(
        "line_items", "fulfilments"
    )


@router.get("/orders/{order_id}", response=OrderOut, summary="One order")
def get_order(request, order_id: DbId):
    return queries.get_order(request.store, order_id)


@router.get("/events", response=list[EventOut], summary="List events")
@paginate(LimitOffsetPagination)
def list_events(request, customer_id: DbId | None = None, type: QueryText = ""):
    return queries.list_events(request.store, customer_id=customer_id, type=type[:64])
