"""Reads of outgoing webhooks, scoped to one store."""

import functools

from django.db import connection
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


def has_active_endpoints(store_id: int) -> bool:
    """Whether the store has an enabled endpoint: one prepared statement, asked on every event."""
    with connection.cursor() as cursor:
        cursor.execute(_active_sql(connection.vendor), [store_id, True])
        return cursor.fetchone() is not None


@functools.cache
def _active_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    table = WebhookEndpoint._meta
    return (
        f"SELECT 1 FROM {quote(table.db_table)} WHERE {quote(table.get_field('store').column)} = %s"
        f" AND {quote(table.get_field('active').column)} = %s LIMIT 1"
    )
