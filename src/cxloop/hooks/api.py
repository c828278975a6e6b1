"""The outgoing-webhooks API: a store's endpoints and their delivery log.

Every endpoint needs a secret store API key; another store's endpoint id is 404.

    GET    /api/v1/webhooks/events                              the events one can subscribe to
    GET    /api/v1/webhooks/endpoints
    POST   /api/v1/webhooks/endpoints        {"url", "events", "description"}  -> 201, with its secret (once)
    GET    /api/v1/webhooks/endpoints/{endpoint_id}
    DELETE /api/v1/webhooks/endpoints/{endpoint_id}                          -> 204
    GET    /api/v1/webhooks/endpoints/{endpoint_id}/deliveries               newest first
"""

from datetime import datetime
from typing import Any
from uuid import UUID

from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict, StrictStr

from cxloop.core.apierrors import ErrorOut
from cxloop.core.inputs import DbId, LimitOffsetPagination

from . import events, queries, services

router = Router(tags=["webhooks"])


class WebhookEventOut(Schema):
    name: str
    description: str


class WebhookEndpointIn(Schema):
    model_config = ConfigDict(extra="forbid")

    url: StrictStr = Field(
        max_length=2000, description="https://... (plain http only to 127.0.0.1 in development)."
    )
    events: list[StrictStr] = Field(min_length=1, max_length=100, description="Event names to receive.")
    description: StrictStr = Field("", max_length=200)


class WebhookEndpointOut(Schema):
    id: int
    url: str
    description: str
    events: list[str]
    active: bool
    created_at: datetime


class WebhookEndpointCreatedOut(WebhookEndpointOut):
    secret: str = Field(description="The signing secret: shown here once, keep it on your server.")


class WebhookDeliveryOut(Schema):
    id: int
    event: str
    event_id: UUID = Field(description="The X-Cxloop-Delivery header and the body's `id`.")
    status: str = Field(description="pending, delivering, delivered or failed.")
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str
    response_excerpt: str = Field(description="The first kilobyte of the receiver's last answer.")
    payload: dict[str, Any] = Field(description="The event's `data`.")
    created_at: datetime
    delivered_at: datetime | None


@router.get("/webhooks/events", response=list[WebhookEventOut], summary="Events an endpoint can subscribe to")
def list_events(request):
    return [WebhookEventOut(name=e.name, description=str(e.description)) for e in events.list_events()]


@router.get("/webhooks/endpoints", response=list[WebhookEndpointOut], summary="List webhook endpoints")
@paginate(LimitOffsetPagination)
def list_endpoints(request):
    return queries.list_endpoints(request.store)


@router.post(
    "/webhooks/endpoints",
    response={201: WebhookEndpointCreatedOut, 409: ErrorOut},
    summary="Add a webhook endpoint",
)
def create_endpoint(request, payload: WebhookEndpointIn):
    """Add an endpoint; the answer holds its signing secret, which is never shown again."""
    endpoint = services.create_endpoint(
        store=request.store, url=payload.url, events=payload.events, description=payload.description
    )
    return Status(201, endpoint)


@router.get("/webhooks/endpoints/{endpoint_id}", response=WebhookEndpointOut, summary="One webhook endpoint")
def get_endpoint(request, endpoint_id: DbId):
    return queries.get_endpoint(request.store, endpoint_id)


@router.delete("/webhooks/endpoints/{endpoint_id}", response={204: None}, summary="Delete a webhook endpoint")
def delete_endpoint(request, endpoint_id: DbId):
    """Delete the endpoint and its delivery log; queued deliveries to it are dropped."""
    services.delete_endpoint(endpoint=queries.get_endpoint(request.store, endpoint_id))
    return Status(204, None)


@router.get(
    "/webhooks/endpoints/{endpoint_id}/deliveries",
    response=list[WebhookDeliveryOut],
    summary="An endpoint's delivery log, newest first",
)
@paginate(LimitOffsetPagination)
def list_deliveries(request, endpoint_id: DbId):
    return queries.list_deliveries(queries.get_endpoint(request.store, endpoint_id))
