"""Reads of outgoing webhooks, scoped to one store."""

from django.http import Http404
from django.utils.translation import gettext as _

from cxloop.core.models import Store

from .models import WebhookDelivery, WebhookEndpoint


def list_endpoints(store: Store):
    """The store's endpoints, newest first."""
    return WebhookEndpoint.objects.filter(store=store).order_by("-created_at", "-pk")


def get_endpoint(store: Store, endpoint_id: int) -> WebhookEndpoint:
    """One endpoint of the store; Http404 for another store's id."""
    endpoint = WebhookEndpoint.objects.filter(store=store, pk=endpoint_id).select_related("store").first()
    if endpoint is None:
        raise Http404(_("No such webhook endpoint."))
    return endpoint


def list_deliveries(endpoint: WebhookEndpoint):
    """The delivery log of an endpoint, newest first."""
    return WebhookDelivery.objects.filter(store_id=endpoint.store_id, endpoint=endpoint).order_by(
        "-created_at", "-pk"
    )


def get_delivery(store: Store, delivery_id: int) -> WebhookDelivery:
    """One delivery of the store; Http404 for another store's id."""
    delivery = (
        WebhookDelivery.objects.filter(store=store, pk=delivery_id)
        .select_related("endpoint", "store")
        .first()
    )
    if delivery is None:
        raise Http404(_("No such webhook delivery."))
    return delivery
