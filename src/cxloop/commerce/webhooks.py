"""The webhook door: verify, record the delivery, apply, answer after commit.

    POST /webhooks/<platform>/<store-slug>/

1. The store comes from the URL; its secret for the platform must be set.
2. The signature is checked over the raw bytes (401 and a log line otherwise;
   the delivery's event id is not taken).
3. The body is parsed strictly (400 naming the problem).
4. In one transaction the delivery's event id (and, where the platform signs
   the whole body, the body's SHA-256) is recorded and its effect applied. A
   retry finds the id, a resend of the same signed body under a new event id
   finds the digest: both are answered 200 "duplicate" naming the first
   delivery, with no new rows. A payload that fails validation rolls back and
   is answered 4xx.

A delivery is applied however late it arrives: ordering comes from the
records' own `updated_at`, never from when the delivery was sent.
"""

from django.db import IntegrityError, OperationalError, transaction
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from cxloop.core import queries as core_queries
from cxloop.core import strictjson
from cxloop.core.errors import DomainError, Unauthorized, error_body

from .integrations import ecwid, shopify, woocommerce
from .models import WebhookDelivery
from .services import deliveries

ADAPTERS = {"shopify": shopify, "woocommerce": woocommerce, "ecwid": ecwid}


def _answer(http_status: int, **body) -> JsonResponse:
    return JsonResponse(body, status=http_status)


def _apply_once(adapter, request, store, platform, topic, delivery_id, payload, body_sha256):
    """Record the delivery and apply it in one transaction.

    Two deliveries racing to create the same customer or order (PostgreSQL
    runs them truly in parallel) make one of them hit a unique constraint;
    it is retried, and then finds the other's rows.
    """
    for attempt in range(3):
        try:
            with transaction.atomic():
                delivery, is_new = deliveries.start_delivery(
                    store=store,
                    platform=platform,
                    delivery_id=delivery_id,
                    topic=topic,
                    webhook_id=adapter.webhook_id_of(request),
                    body_sha256=body_sha256,
                )
                if not is_new:
                    return delivery, False, None
                outcome = adapter.apply(store, topic, payload, request)
                deliveries.finish_delivery(delivery, outcome.status, outcome.reason, outcome.body)
                return delivery, True, outcome
        except IntegrityError:
            if attempt == 2:
                raise


@csrf_exempt
@require_POST
def receive(request, platform: str, store_slug: str):
    adapter = ADAPTERS.get(platform)
    if adapter is None:
        raise Http404("Unknown platform.")
    store = core_queries.get_store_by_slug(store_slug)
    raw = request.body
    if hasattr(adapter, "is_ping") and adapter.is_ping(request, raw):
        return _answer(200, status="ping")
    topic = ""
    try:
        secret = core_queries.get_webhook_secret(store, platform)
        if secret is None:
            raise Unauthorized(f"No {platform} webhook secret is set for this store.")
        adapter.authenticate(request, raw, secret.secret, store)
        payload = strictjson.loads(raw)
        topic = adapter.topic_of(request, payload)
        delivery_id = adapter.delivery_id_of(request, payload, raw)
        body_sha256 = adapter.signed_digest_of(topic, raw)
        delivery, is_new, outcome = _apply_once(
            adapter, request, store, platform, topic, delivery_id, payload, body_sha256
        )
        if not is_new:
            return _answer(200, status="duplicate", delivery=delivery.pk)
    except DomainError as error:
        status = WebhookDelivery.Status.REJECTED if error.status == 401 else WebhookDelivery.Status.FAILED
        deliveries.record_rejected_delivery(
            store=store, platform=platform, topic=topic, status=status, reason=error.message
        )
        return JsonResponse(error.as_dict(), status=error.status)
    except OperationalError:
        # The database is locked or away: nothing was committed, so ask for a retry.
        response = JsonResponse(error_body("unavailable", "Storage is busy; retry shortly."), status=503)
        response["Retry-After"] = "5"
        return response
    return _answer(200, status=outcome.status, delivery=delivery.pk)
