"""Predictions and segments over the API.

    GET /api/v1/predictions?rfm_group=AT_RISK&spend_tier=HIGH&order=-predicted_value_365
    GET /api/v1/customers/{customer_id}/prediction      404 before the store's first refresh
    GET /api/v1/prediction-run      the last refresh: status, counts, parameters, holdout check

Numbers are null while the store has too little history (see `run_status`).

    GET  /api/v1/segment-fields            what a segment query can use: fields, operators, values
    POST /api/v1/segments/preview          {"query": "..."}: the count and a sample, nothing saved
    GET  /api/v1/segments  POST /api/v1/segments
    GET | PUT | DELETE /api/v1/segments/{id}
    GET  /api/v1/segments/{id}/customers   its members, as the worker last found them (paginated)
    GET  /api/v1/segments/{id}/counts      its daily member counts

A query that cannot run answers 422 `invalid_segment_query` with `position` (0-based) and `hint`.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from django.http import Http404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict, StrictStr

from cxloop.core.apierrors import ErrorOut
from cxloop.core.inputs import DbId, LimitOffsetPagination

from . import queries
from .predictions.groups import RfmGroup, SpendTier
from .query import all_fields
from .query.grammar import MAX_LENGTH
from .services import segments as segment_services

router = Router(tags=["predictions"])

RfmGroupName = Literal[tuple(g.value for g in RfmGroup)]  # type: ignore[valid-type]
SpendTierName = Literal[tuple(t.value for t in SpendTier)]  # type: ignore[valid-type]


class PredictionOut(Schema):
    customer_id: int
    rfm_group: str
    spend_tier: str
    probability_alive: float | None
    expected_orders_90: float | None
    expected_orders_365: float | None
    expected_orders_365_low: float | None = Field(
        description="The 80 % interval of expected_orders_365 from the fits' uncertainty: its low end; "
        "null when not computed (docs/predictions.md)."
    )
    expected_orders_365_high: float | None
    predicted_value_365: Decimal | None
    predicted_value_365_low: Decimal | None = Field(
        description="The 80 % interval of predicted_value_365: its low end; null when not computed."
    )
    predicted_value_365_high: Decimal | None
    next_order_expected_at: datetime | None = Field(
        description="When the customer's next order is due at their expected rate; null when they are "
        "more likely gone than not, or without numbers (docs/predictions.md)."
    )
    computed_at: datetime


class PredictionFilter(Schema):
    rfm_group: RfmGroupName | None = None
    spend_tier: SpendTierName | None = None
    order: Literal[
        "-predicted_value_365", "predicted_value_365", "-probability_alive", "probability_alive"
    ] = "-predicted_value_365"


class RunOut(Schema):
    status: str
    message: str
    as_of: datetime
    customers: int
    repeat_buyers: int
    orders_params: dict
    value_params: dict
    calibration: dict
    created_at: datetime


@router.get(
    "/prediction-run",
    response={200: RunOut, 404: ErrorOut},
    summary="The last refresh of the predictions (404 before the first)",
)
def get_last_run(request):
    run = queries.latest_run(request.store)
    if run is None:
        raise Http404("The predictions have not been refreshed yet.")
    return run


@router.get("/predictions", response=list[PredictionOut], summary="List customers' predictions")
@paginate(LimitOffsetPagination)
def list_predictions(request, filters: Query[PredictionFilter]):
    return queries.list_predictions(
        request.store, rfm_group=filters.rfm_group, spend_tier=filters.spend_tier, order=filters.order
    )


@router.get(
    "/customers/{customer_id}/prediction", response=PredictionOut, summary="One customer's prediction"
)
def get_prediction(request, customer_id: DbId):
    prediction = queries.prediction_for(request.store, customer_id)
    if prediction is None:
        raise Http404("No prediction for this customer (no order yet, or no refresh yet).")
    return prediction


class SegmentFieldOut(Schema):
    name: str
    kind: str
    description: str
    operators: list[str]
    choices: list[str]
    arguments: list[str]
    example: str


class PreviewIn(Schema):
    model_config = ConfigDict(extra="forbid")

    query: StrictStr = Field(max_length=MAX_LENGTH)


class SegmentMemberOut(Schema):
    id: int
    email: str
    first_name: str
    last_name: str
    orders_count: int
    amount_spent: Decimal


class PreviewOut(Schema):
    count: int
    sample: list[SegmentMemberOut]


class SegmentIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: StrictStr = Field(max_length=100)
    query: StrictStr = Field(max_length=MAX_LENGTH)
    description: StrictStr = Field("", max_length=500)


class SegmentOut(Schema):
    id: int
    name: str
    query: str
    description: str
    member_count: int | None
    counted_at: datetime | None
    members_updated_at: datetime | None = Field(
        description="When the member rows were last brought up to date; null while they are being made "
        "for a new or changed query (until then /customers lists the query's matches now)."
    )
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_members_updated_at(segment) -> datetime | None:
        return segment.members_at if segment.members_are_current else None


class SegmentCountOut(Schema):
    day: date
    members: int


@router.get(
    "/segment-fields",
    response=list[SegmentFieldOut],
    summary="Fields a segment query can use",
    tags=["segments"],
)
def list_segment_fields(request):
    return [
        SegmentFieldOut(
            name=f.name,
            kind=f.kind,
            description=str(f.description),
            operators=list(f.operators),
            choices=list(f.choices),
            arguments=list(f.arguments),
            example=f.example,
        )  # fmt: skip
        for f in all_fields()
    ]


@router.post(
    "/segments/preview", response=PreviewOut, summary="Count a segment query's customers, with a sample",
    tags=["segments"],
)  # fmt: skip
def preview_segment(request, body: PreviewIn):
    return segment_services.preview_segment(request.store, body.query)


@router.get("/segments", response=list[SegmentOut], summary="List segments", tags=["segments"])
@paginate(LimitOffsetPagination)
def list_segments(request):
    return queries.list_segments(request.store)


@router.post("/segments", response={201: SegmentOut}, summary="Save a segment", tags=["segments"])
def create_segment(request, body: SegmentIn):
    segment = segment_services.create_segment(
        store=request.store, name=body.name, query=body.query, description=body.description
    )
    return Status(201, segment)


@router.get("/segments/{segment_id}", response=SegmentOut, summary="One segment", tags=["segments"])
def get_segment(request, segment_id: DbId):
    return queries.get_segment(request.store, segment_id)


@router.put("/segments/{segment_id}", response=SegmentOut, summary="Change a segment", tags=["segments"])
def update_segment(request, segment_id: DbId, body: SegmentIn):
    segment = queries.get_segment(request.store, segment_id)
    return segment_services.update_segment(
        segment=segment, name=body.name, query=body.query, description=body.description
    )


@router.delete("/segments/{segment_id}", response={204: None}, summary="Delete a segment", tags=["segments"])
def delete_segment(request, segment_id: DbId):
    segment_services.delete_segment(segment=queries.get_segment(request.store, segment_id))
    return Status(204, None)


@router.get(
    "/segments/{segment_id}/customers", response=list[SegmentMemberOut], summary="A segment's members",
    tags=["segments"],
)  # fmt: skip
@paginate(LimitOffsetPagination)
def list_segment_customers(request, segment_id: DbId):
    return queries.segment_members(queries.get_segment(request.store, segment_id))


@router.get(
    "/segments/{segment_id}/counts", response=list[SegmentCountOut], summary="A segment's daily counts",
    tags=["segments"],
)  # fmt: skip
def list_segment_counts(request, segment_id: DbId):
    return queries.segment_counts(queries.get_segment(request.store, segment_id))
