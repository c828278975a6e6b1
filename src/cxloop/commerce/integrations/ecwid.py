"""Ecwid webhooks: a signed pointer, answered at once, then a fetch in the background.

Ecwid signs only two fields of its thin event:

    X-Ecwid-Webhook-Signature = base64(HMAC-SHA256(client_secret, f"{eventCreated}.{eventId}"))

    {"eventId": "3b1c…", "eventCreated": 1791043330, "storeId": 1003, "entityId": 71234567,
     "eventType": "order.updated", "data": {"orderId": "XJ12H", "newPaymentStatus": "PAID"}}

`storeId`, `entityId`, `eventType` and `data` could have been changed by anyone
who saw one genuine delivery, so they are only a pointer. The door records the
event as PENDING and `fetch_ecwid_event_task` runs `process_event`, which asks
the store's REST API for the order or customer, with the store id and token
configured in cxloop, and applies what the store answers. A delete is applied
only when the store confirms the entity is gone (404).
"""

import json
import re
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cxloop.core import queries as core_queries
from cxloop.core import strictjson
from cxloop.core.errors import InvalidInput, MalformedBody, Unauthorized
from cxloop.core.models import Platform, Store

from .. import parsing as p
from .. import services
from ..models import Customer, ExternalId, WebhookDelivery
from ..services import deliveries
from .common import Outcome, signature_matches, with_link_note
from .ecwid_records import parse_checkout, parse_customer, parse_order

PLATFORM = Platform.ECWID
EVENT_KEYS = ("eventId", "eventCreated", "storeId", "entityId", "eventType", "data")
KINDS = {"order": "order", "unfinished_order": "checkout", "customer": "customer"}
ORDER_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # it becomes a path segment of the store API

FETCH_TIMEOUT = 5.0
MAX_RESPONSE_BYTES = 1_000_000
MAX_ATTEMPTS = 5
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1))


@dataclass(frozen=True)
class Target:
    """What an event points at: `kind` is order, checkout or customer."""

    kind: str
    external_id: str
    deleted: bool

    @property
    def path(self) -> str:
        collection = "customers" if self.kind == "customer" else "orders"
        return f"{collection}/{self.external_id}"


class FetchError(Exception):
    """The store API could not answer now; worth another attempt later."""


class FetchRefused(Exception):
    """The store API answered in a way another attempt will not change."""


# The door -------------------------------------------------------------------


def is_ping(request, raw: bytes) -> bool:
    return False


def authenticate(request, raw: bytes, secret: str, store: Store) -> None:
    try:
        event = strictjson.loads(raw)
    except MalformedBody:
        raise Unauthorized("The body is not an event whose signature can be checked.") from None
    if not isinstance(event, dict):
        raise Unauthorized("The body is not an event whose signature can be checked.")
    event_id, created = event.get("eventId"), event.get("eventCreated")
    if not isinstance(event_id, str) or isinstance(created, bool) or not isinstance(created, int):
        raise Unauthorized("eventId and eventCreated are needed to check the signature.")
    message = f"{created}.{event_id}".encode()
    if not signature_matches(secret, message, request.headers.get("X-Ecwid-Webhook-Signature")):
        raise Unauthorized("Signature (X-Ecwid-Webhook-Signature) is missing or does not match.")
    # One app secret signs the events of every store that installed the app,
    # so the signature alone does not say which store an event belongs to.
    store_id = getattr(core_queries.get_webhook_secret(store, PLATFORM), "external_store_id", "")
    if not store_id or str(event.get("storeId")) != store_id:
        raise Unauthorized("The event is for another Ecwid store.")


def topic_of(request, payload) -> str:
    topic = p.text(p.obj(payload, "event").get("eventType"), "eventType", max_length=100)
    if not topic:
        raise InvalidInput("eventType is required.", field="eventType")
    return topic


def delivery_id_of(request, payload, raw: bytes) -> str:
    return p.identifier(payload.get("eventId"), "eventId")


def webhook_id_of(request) -> str:
    return ""


def signed_digest_of(topic: str, raw: bytes) -> str | None:
    # Only eventCreated and eventId are signed, and the signed eventId is
    # already the delivery id; the rest of the body keys nothing.
    return None


def apply(store: Store, topic: str, payload, request=None) -> Outcome:
    """Record a known event as pending and fetch its entity after commit."""
    target = target_of(topic, payload)
    if target is None:
        return Outcome(WebhookDelivery.Status.IGNORED, f"Event {topic!r} is not used by cxloop.")
    delivery = WebhookDelivery.objects.get(
        store=store, platform=PLATFORM, delivery_id=delivery_id_of(None, payload, b"")
    )
    transaction.on_commit(lambda: enqueue_fetch(delivery.pk))
    body = json.dumps({key: payload.get(key) for key in EVENT_KEYS}, ensure_ascii=False)
    reason = f"Waiting to fetch {target.kind} {target.external_id}."
    return Outcome(WebhookDelivery.Status.PENDING, reason, body)


def target_of(topic: str, event: dict) -> Target | None:
    """The entity an event points at, or None for event types cxloop does not use."""
    prefix, _, action = topic.rpartition(".")
    kind = KINDS.get(prefix)
    if kind is None:
        return None
    if kind == "customer":
        entity = event.get("entityId")
        if isinstance(entity, bool) or not isinstance(entity, int) or entity <= 0:
            raise InvalidInput("entityId must be a positive integer.", field="entityId")
        return Target(kind, str(entity), action == "deleted")
    # Order events name the order by data.orderId; entityId is its internal number.
    order_id = p.obj(event.get("data"), "data").get("orderId") or event.get("entityId")
    order_id = p.identifier(order_id, "data.orderId")
    if not ORDER_ID.fullmatch(order_id):
        raise InvalidInput("data.orderId may hold only letters, digits, - and _.", field="data.orderId")
    return Target(kind, order_id, action == "deleted")


def enqueue_fetch(delivery_pk: int, run_after=None) -> None:
    from ..tasks import fetch_ecwid_event_task  # tasks.py imports this module

    task = fetch_ecwid_event_task
    # A backend that cannot defer (the immediate one of tests and the demo)
    # retries at once; the database backend waits for run_after.
    if run_after is not None and task.get_backend().supports_defer:
        task = task.using(run_after=run_after)
    task.enqueue(delivery_pk)


# The background fetch -------------------------------------------------------


def process_event(delivery_pk: int) -> None:
    """Fetch the entity a pending Ecwid event points at and apply it.

    Safe to run twice: a delivery that is no longer pending is left alone, and
    applying the same order again changes nothing. A fetch that fails for now
    is retried with backoff up to MAX_ATTEMPTS; then the delivery is FAILED.
    """
    delivery = (
        WebhookDelivery.objects.select_related("store").filter(pk=delivery_pk, platform=PLATFORM).first()
    )
    if delivery is None or delivery.status != WebhookDelivery.Status.PENDING:
        return
    target = _stored_target(delivery)
    secret = core_queries.get_webhook_secret(delivery.store, PLATFORM)
    if target is None:
        _fail(delivery_pk, "The stored event cannot be read.")
    elif secret is None or not secret.api_token or not secret.external_store_id:
        _fail(delivery_pk, "No Ecwid API token or store id is set.")
    else:
        try:
            found = fetch(secret.external_store_id, secret.api_token, target.path)
        except FetchRefused as error:
            _fail(delivery_pk, str(error))
        except FetchError as error:
            _retry_or_fail(delivery_pk, str(error))
        else:
            # The HTTP call stays outside any transaction; the write is one.
            _apply_fetched(delivery_pk, delivery.store, target, found)


def _stored_target(delivery: WebhookDelivery) -> Target | None:
    # The body can be gone: erasing a customer blanks the bodies naming them.
    try:
        event = strictjson.loads(delivery.body)
        return target_of(delivery.topic, event) if isinstance(event, dict) else None
    except (MalformedBody, InvalidInput):
        return None


def fetch(store_id: str, token: str, path: str) -> dict | None:
    """GET an entity from the Ecwid REST API; None when the store says it does not exist."""
    url = f"{settings.ECWID_API_BASE.rstrip('/')}/{quote(store_id, safe='')}/{path}"
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    try:
        with httpx.Client(timeout=FETCH_TIMEOUT, follow_redirects=False) as client:
            with client.stream("GET", url, headers=headers) as response:
                if response.status_code == 404:
                    return None
                _check_status(response.status_code)
                body = _read_capped(response)
    except httpx.HTTPError as error:
        raise FetchError(f"The Ecwid API could not be reached ({type(error).__name__}).") from None
    try:
        found = strictjson.loads(body)
    except MalformedBody as error:
        raise FetchError(f"The Ecwid API answered with a bad body: {error.message}") from None
    if not isinstance(found, dict):
        raise FetchError("The Ecwid API answered with something other than an object.")
    return found


def _check_status(status: int) -> None:
    if status == 200:
        return
    if status == 429 or status >= 500:
        raise FetchError(f"The Ecwid API answered {status}.")
    # 401/403 (token revoked), 3xx (redirects are not followed): waiting will not help.
    raise FetchRefused(f"The Ecwid API refused the request ({status}).")


def _read_capped(response: httpx.Response) -> bytes:
    # The timeout bounds each read; the deadline bounds a server that drips bytes.
    deadline = time.monotonic() + FETCH_TIMEOUT
    declared = response.headers.get("Content-Length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > MAX_RESPONSE_BYTES:
        raise FetchError("The Ecwid API answer is larger than 1 MB.")
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            raise FetchError("The Ecwid API answer is larger than 1 MB.")
        if time.monotonic() > deadline:
            raise FetchError("The Ecwid API took longer than 5 seconds.")
        chunks.append(chunk)
    return b"".join(chunks)


def _locked_pending(delivery_pk: int) -> WebhookDelivery | None:
    delivery = WebhookDelivery.objects.select_for_update().filter(pk=delivery_pk).first()
    if delivery is None or delivery.status != WebhookDelivery.Status.PENDING:
        return None
    return delivery


@transaction.atomic
def _fail(delivery_pk: int, reason: str) -> None:
    delivery = _locked_pending(delivery_pk)
    if delivery is not None:
        deliveries.finish_delivery(delivery, WebhookDelivery.Status.FAILED, reason, delivery.body)


@transaction.atomic
def _retry_or_fail(delivery_pk: int, reason: str) -> None:
    delivery = _locked_pending(delivery_pk)
    if delivery is None:
        return
    if delivery.attempts >= MAX_ATTEMPTS:
        failed = f"Gave up after {delivery.attempts} attempts: {reason}"
        deliveries.finish_delivery(delivery, WebhookDelivery.Status.FAILED, failed, delivery.body)
        return
    WebhookDelivery.objects.filter(pk=delivery_pk).update(
        attempts=F("attempts") + 1, reason=f"Attempt {delivery.attempts} failed: {reason}"[:500]
    )
    run_after = timezone.now() + BACKOFF[min(delivery.attempts, len(BACKOFF)) - 1]
    transaction.on_commit(lambda: enqueue_fetch(delivery_pk, run_after))


@transaction.atomic
def _apply_fetched(delivery_pk: int, store: Store, target: Target, found: dict | None) -> None:
    delivery = _locked_pending(delivery_pk)
    if delivery is None:
        return  # another run got there first
    try:
        with transaction.atomic():
            outcome = _apply(store, target, found)
    except InvalidInput as error:
        reason = f"The fetched {target.kind} is invalid ({error.field}): {error.message}"
        outcome = Outcome(WebhookDelivery.Status.FAILED, reason)
    deliveries.finish_delivery(delivery, outcome.status, outcome.reason, delivery.body)


def _apply(store: Store, target: Target, found: dict | None) -> Outcome:
    if found is None:
        if target.deleted:
            return _remove(store, target)
        reason = f"The {target.kind} no longer exists in Ecwid (404)."
        return Outcome(WebhookDelivery.Status.FAILED, reason)
    # Even for a delete event, an entity the store still has is applied as it is:
    # the event type is not signed.
    if target.kind == "customer":
        data = parse_customer(found)
        customer, applied = services.upsert_customer(store=store, platform=PLATFORM, data=data)
        return _processed(applied, f"Customer {customer.pk}")
    if target.kind == "checkout":
        data = parse_checkout(found, store.currency)
        checkout, applied = services.upsert_checkout(store=store, platform=PLATFORM, data=data)
        return _processed(applied, f"Checkout {checkout.external_id}")
    data = parse_order(found, store.currency)
    order, applied = services.upsert_order(store=store, platform=PLATFORM, data=data)
    return with_link_note(_processed(applied, f"Order {order.number}"), data.fulfilments if applied else None)


def _remove(store: Store, target: Target) -> Outcome:
    if target.kind == "order":
        services.remove_order(store=store, platform=PLATFORM, external_id=target.external_id)
    elif target.kind == "checkout":
        services.remove_checkout(store=store, platform=PLATFORM, external_id=target.external_id)
    else:
        links = ExternalId.objects.filter(store=store, platform=PLATFORM, external_id=target.external_id)
        for customer in Customer.objects.filter(pk__in=links.values("customer_id")):
            services.erase_customer(store=store, customer=customer)
    reason = f"The {target.kind} {target.external_id} was deleted in Ecwid."
    return Outcome(WebhookDelivery.Status.PROCESSED, reason)


def _processed(applied: bool, what: str) -> Outcome:
    if applied:
        return Outcome(WebhookDelivery.Status.PROCESSED, what)
    return Outcome(WebhookDelivery.Status.STALE, "Older than the stored version; not applied.")
