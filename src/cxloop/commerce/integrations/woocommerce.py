"""WooCommerce webhooks (placeholder until the WooCommerce adapter lands)."""

from cxloop.core.errors import InvalidInput, Unauthorized

from .common import signature_matches


def is_ping(request, raw: bytes) -> bool:
    return False


def authenticate(request, raw, secret, store):
    if not signature_matches(secret, raw, request.headers.get("X-WC-Webhook-Signature")):
        raise Unauthorized("Signature (X-WC-Webhook-Signature) is missing or does not match.")


def topic_of(request, payload):
    return request.headers.get("X-WC-Webhook-Topic", "")


def delivery_id_of(request, payload, raw):
    return request.headers.get("X-WC-Webhook-Delivery-ID", "")


def webhook_id_of(request):
    return request.headers.get("X-WC-Webhook-ID", "")


def apply(store, topic, payload, request=None):
    raise InvalidInput("WooCommerce topics are not handled yet.")
