"""Ecwid webhooks (placeholder until the Ecwid adapter lands)."""

from cxloop.core.errors import InvalidInput, Unauthorized

from .common import signature_matches


def is_ping(request, raw: bytes) -> bool:
    return False


def authenticate(request, raw, secret, store):
    if not signature_matches(secret, raw, request.headers.get("X-Ecwid-Webhook-Signature")):
        raise Unauthorized("Signature (X-Ecwid-Webhook-Signature) is missing or does not match.")


def topic_of(request, payload):
    return request.headers.get("X-Ecwid-Event", "")


def delivery_id_of(request, payload, raw):
    return request.headers.get("X-Ecwid-Event-Id", "")


def webhook_id_of(request):
    return request.headers.get("X-Ecwid-Webhook-Id", "")


def apply(store, topic, payload, request=None):
    raise InvalidInput("Ecwid topics are not handled yet.")
