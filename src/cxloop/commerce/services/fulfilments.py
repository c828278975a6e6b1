"""Fulfilments: an order's shipments and their carrier tracking.

Two roads bring them. An order record (Shopify's order topics, WooCommerce's
Shipment Tracking items, Ecwid's fetched order) lists all of an order's
fulfilments as of the order's `updated_at`: `sync_fulfilments` saves each
and removes the ones it no longer lists, unless a newer report of them
arrived meanwhile. Shopify's `fulfillments/create` and `fulfillments/update`
carry one fulfilment: `record_fulfilment`. Either way a report older than
the stored row changes nothing, and a CSV export, which carries none,
leaves them as they are.
"""

from datetime import datetime

from django.db.models import Q

from cxloop.core.models import Store

from ..models import Fulfilment, Order
from ..records import FulfilmentData


def sync_fulfilments(order: Order, fulfilments: list[FulfilmentData], *, as_of: datetime | None) -> None:
    """Bring the order's fulfilments to the list an order record gave as of `as_of`.

    A stored fulfilment the list lacks is removed only if it was last
    reported before `as_of`: a `fulfillments/create` newer than the order
    snapshot stays. Idempotent; call inside the transaction that saves the order.
    """
    for data in fulfilments:
        _save(order, data)
    absent = order.fulfilments.exclude(external_id__in=[data.external_id for data in fulfilments])
    if as_of is not None:
        absent = absent.filter(Q(source_updated_at__lt=as_of) | Q(source_updated_at__isnull=True))
    absent.delete()


def record_fulfilment(
    *, store: Store, platform: str, order_external_id: str, data: FulfilmentData
) -> tuple[Fulfilment | None, bool]:
    """Save one fulfilment of a known order; return (fulfilment, applied), or (None, False) for an
    unknown order.

    Idempotent by the fulfilment's id; an update older than the stored one
    changes nothing. An order that erasure anonymised (no customer, no
    email) gets no tracking number or link back.
    """
    order = Order.objects.filter(store=store, platform=platform, external_id=order_external_id).first()
    if order is None:
        return None, False
    if order.customer_id is None and not order.email:
        data.tracking_number, data.tracking_url = "", ""
    return _save(order, data)


def _save(order: Order, data: FulfilmentData) -> tuple[Fulfilment, bool]:
    stored = order.fulfilments.filter(external_id=data.external_id).first()
    if stored and _older(data.updated_at, stored.source_updated_at):
        return stored, False
    fulfilment, _created = Fulfilment.objects.update_or_create(
        order=order,
        external_id=data.external_id,
        defaults={
            "store_id": order.store_id,
            "status": data.status,
            "carrier": data.carrier,
            "tracking_number": data.tracking_number,
            "tracking_url": data.tracking_url,
            "shipped_at": data.shipped_at,
            "source_updated_at": data.updated_at,
        },
    )
    return fulfilment, True


def _older(incoming: datetime | None, stored: datetime | None) -> bool:
    return incoming is not None and stored is not None and incoming < stored
