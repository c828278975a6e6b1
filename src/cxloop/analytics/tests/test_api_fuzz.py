"""No report answers a 5xx with its warehouse built: generated requests from the API's schema (hypothesis,
derandomized), as commerce/tests/test_no_server_errors.py does for every operation before a first copy.

A schema-valid request is answered 200, or 422 for what the schema cannot say (a range from after to,
longer than 366 days, after today); an invalid one 422; never 409, the warehouse being there."""

from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings

from cxloop.analytics.sync import sync_warehouse
from cxloop.api import api
from cxloop.commerce.models import Order
from cxloop.testing.fuzzing import Known, OpenApiStrategies

pytestmark = pytest.mark.django_db

SCHEMA = api.get_openapi_schema()
REPORTS = {
    (path, method): operation
    for path, method, operation in OpenApiStrategies(SCHEMA).operations()
    if path.startswith("/api/v1/reports/")
}
FUZZ = settings(
    max_examples=25, derandomize=True, database=None, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)  # fmt: skip


def test_every_report_is_fuzzed():
    assert len(REPORTS) == 11


@pytest.mark.parametrize(("path", "method"), sorted(REPORTS))
def test_no_report_answers_a_server_error(path, method, store, api_key):
    today = timezone.now().date()
    Order.objects.create(
        store=store, platform="shopify", external_id="1", number="#1", currency=store.currency,
        total=Decimal("120.00"), created_at=timezone.now() - timedelta(days=3),
    )  # fmt: skip
    sync_warehouse()
    strategies = OpenApiStrategies(SCHEMA, known=Known(strings=[today.isoformat(), "last", "linear"]))
    client = Client(headers={"Authorization": f"Bearer {api_key}"})

    def get(request):
        query = urlencode(request.query, doseq=True)
        response = client.get(f"{request.path}?{query}" if query else request.path)
        assert response.status_code in (200, 422), (request, response.content[:300])

    for request in strategies.sweep(path, REPORTS[path, method]):
        get(request)

    FUZZ(given(strategies.request(path, REPORTS[path, method]))(get))()
