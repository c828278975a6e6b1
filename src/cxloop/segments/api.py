"""Predictions over the API: every customer's, filtered and sorted, or one customer's.

    GET /api/v1/predictions?rfm_group=AT_RISK&spend_tier=HIGH&order=-predicted_value_365
    GET /api/v1/customers/{customer_id}/prediction      404 before the store's first refresh
    GET /api/v1/prediction-run      the last refresh: status, counts, parameters, holdout check

Numbers are null while the store has too little history (see `run_status`).
"""

from datetime import datetime
from decimal import Decimal
from typing import Literal

from django.http import Http404
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from cxloop.core.apierrors import ErrorOut
from cxloop.core.inputs import DbId, LimitOffsetPagination

from . import queries
from .predictions.groups import RfmGroup, SpendTier

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
    predicted_value_365: Decimal | None
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
