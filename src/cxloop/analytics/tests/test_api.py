"""The reports API: the builders' numbers for the key's store and period, every bad parameter a 4xx."""

import subprocess
import sys
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from cxloop.analytics import warehouse
from cxloop.analytics.reports import (
    build_channels,
    build_churn,
    build_cohorts,
    build_journeys,
    build_satisfaction,
    build_voice,
    range_bounds,
)
from cxloop.analytics.support import build_support
from cxloop.analytics.sync import sync_warehouse
from cxloop.commerce.models import Customer, Order
from cxloop.core import services as core_services
from cxloop.surveys.models import Response
from cxloop.surveys.tests.factories import make_survey

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
WEEK = {"from": "2026-11-08", "to": "2026-11-14"}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def at(day, hour=9, minute=0):
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def customer(store, email, created):
    return Customer.objects.create(
        store=store, email=email, email_key=email, created_at=created, updated_at=created
    )


def order(store, n, total, when, who=None):
    return Order.objects.create(
        store=store, customer=who, platform="shopify", external_id=str(n), number=f"#{n}",
        currency=store.currency, total=Decimal(total), created_at=when,
    )  # fmt: skip


@pytest.fixture
def orders(store, other_store):
    # given: in the week of 8 to 14 November (UTC), Ania's first two orders; in the week before, Bolek's
    store.timezone = "UTC"
    store.save(update_fields=["timezone"])
    ania, bolek = customer(store, "ania@example.pl", at(10, 8)), customer(store, "bolek@example.pl", at(3, 8))
    order(store, 1, "120.00", at(10), ania)
    order(store, 2, "30.00", at(14, 23, 59), ania)
    order(store, 3, "50.00", at(3), bolek)
    order(store, 4, "7.00", at(15, 0, 0))  # the day after the range
    Response.objects.create(
        store=store, survey=make_survey(store), customer=ania, channel="email", language="pl", score=10,
        band="high", created_at=at(12), updated_at=at(12),
    )  # fmt: skip
    order(other_store, 5, "9999.00", at(10))
    sync_warehouse()


def test_the_summary_of_a_range_gives_its_figures_and_the_week_before(api_client, orders):
    response = api_client.get("/api/v1/reports/summary", WEEK)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["period"] == {
        "first_day": "2026-11-08", "last_day": "2026-11-14", "days": 7,
        "previous_first_day": "2026-11-01", "previous_last_day": "2026-11-07",
    }  # fmt: skip
    assert body["currency"] == "PLN"
    assert body["net"] == {"current": "150.00", "previous": "50.00"}
    assert body["gross"] == {"current": "150.00", "previous": "50.00"}
    assert body["refunds"] == {"current": "0.00", "previous": "0.00"}
    assert body["orders"] == {"current": 2, "previous": 1}
    assert body["average_order"] == {"current": "75.00", "previous": "50.00"}
    assert body["new_customers"] == {"current": 1, "previous": 1}
    assert body["repeat_rate"] == {"current": "100.0", "previous": "0.0"}  # Ania's second order
    assert body["returning_rate"] == {"current": "0.0", "previous": "0.0"}
    assert body["active_customers"] == {"current": 1, "previous": 1}
    assert body["conversion"] == {"current": None, "previous": None}  # no sessions: undefined
    assert body["contact_rate"] == {"current": "0.0", "previous": "0.0"}
    assert [step["step"] for step in body["funnel"]][0] == "page_view"
    days = {row["day"]: (row["orders"], row["net"]) for row in body["days"]}
    assert len(days) == 7 and days["2026-11-10"] == (1, "120.00") and days["2026-11-14"] == (1, "30.00")
    assert days["2026-11-08"] == (0, "0.00")


def test_the_summary_by_days_counts_the_last_days_up_to_today(api_client, orders):
    body = api_client.get("/api/v1/reports/summary", {"days": "7"}).json()

    assert body["period"]["first_day"] == "2026-11-14" and body["period"]["last_day"] == "2026-11-20"
    assert body["orders"] == {"current": 2, "previous": 1}  # 14 and 15 November; 10 November
    assert body["net"] == {"current": "37.00", "previous": "120.00"}


def test_without_a_period_the_summary_is_of_the_last_30_days(api_client, orders):
    body = api_client.get("/api/v1/reports/summary").json()

    assert body["period"]["days"] == 30 and body["orders"]["current"] == 4


def test_every_report_gives_what_its_builder_gives_for_the_same_period(api_client, store, orders):
    period = range_bounds(store, date(2026, 11, 8), date(2026, 11, 14))

    journeys = api_client.get("/api/v1/reports/journeys", WEEK).json()
    built = build_journeys(store, period=period)
    assert journeys["first_buyers"] == built.first_buyers == 1
    assert journeys["sessions"] == [{"bucket": b, "customers": n} for b, n in built.sessions]
    assert journeys["checkouts_started"] == built.checkouts_started

    channels = api_client.get("/api/v1/reports/channels", {**WEEK, "model": "linear"}).json()
    built = build_channels(store, period=period)
    assert channels["model"] == "linear" and channels["window_days"] == 30
    assert [(c["channel"], c["net"]) for c in channels["channels"]] == [
        (c.name, str(c.linear.net)) for c in built
    ]
    assert sum(Decimal(c["net"]) for c in channels["channels"]) == Decimal("150.00")

    satisfaction = api_client.get("/api/v1/reports/satisfaction", WEEK).json()
    built = build_satisfaction(store, period=period)
    assert [(g["group"], g["nps"]["answers"], g["nps"]["value"]) for g in satisfaction["by_month"]] == [
        (g.group, g.nps.answers, str(g.nps.value)) for g in built.by_month
    ]
    assert satisfaction["by_month"][0]["nps"] == {"answers": 1, "value": "100.0", "margin": "73.5"}

    support = api_client.get("/api/v1/reports/support", WEEK).json()
    built = build_support(store, period=period)
    assert support["buyers"] == built.buyers == 1 and support["contacted"] == 0
    assert support["resolved_to"] == built.resolved_until.isoformat()


def test_the_reports_without_a_period_give_what_their_builders_give(api_client, store, orders):
    cohorts = api_client.get("/api/v1/reports/cohorts", {"months": "3"}).json()
    built = build_cohorts(store, months=3)
    assert [(c["month"], c["customers"]) for c in cohorts["cohorts"]] == [
        ("2026-11-01", 2), ("2026-10-01", 0), ("2026-09-01", 0),
    ] == [(row.month.isoformat(), row.customers) for row in built.rows]  # fmt: skip
    assert cohorts["cohorts"][0]["cells"] == [{"retention": "100.0", "net": "200.00"}, None, None]

    churn = api_client.get("/api/v1/reports/churn", {"churn_days": "10"}).json()
    built = build_churn(store, days=10)
    assert churn == {
        "days": 10, "suggested": None, "gaps": built.gaps, "buyers": 2, "churned": 1, "rate": "50.0"
    }  # fmt: skip

    voice = api_client.get("/api/v1/reports/voice").json()
    built = build_voice(store, days=90, lookback=365)
    assert [(band["band"], band["customers"]) for band in voice["bands"]] == [
        (o.band, o.customers) for o in built
    ]
    assert voice["days"] == 90 and voice["lookback_days"] == 365


def test_another_stores_key_sees_only_its_own_store(orders, other_api_key):
    client = Client(headers={"Authorization": f"Bearer {other_api_key}"})

    body = client.get("/api/v1/reports/summary", WEEK).json()

    assert body["currency"] == "EUR"
    assert body["net"] == {"current": "9999.00", "previous": None} and body["orders"]["current"] == 1


def test_a_publishable_key_or_none_is_refused(store, orders):
    _, publishable = core_services.create_api_key(store=store, name="storefront", kind="publishable")

    with_publishable = Client(headers={"Authorization": f"Bearer {publishable}"})
    assert with_publishable.get("/api/v1/reports/summary").status_code == 401
    assert Client().get("/api/v1/reports/churn").status_code == 401


@pytest.mark.parametrize(
    ("path", "query", "field", "words"),
    [
        ("summary", {"days": "5"}, "days", "Input should be 7, 30 or 90"),
        ("summary", {"days": "7", **WEEK}, "days", "either days or from and to"),
        ("summary", {"from": "2026-11-08"}, "to", "together"),
        ("journeys", {"to": "2026-11-08"}, "from", "together"),
        ("summary", {"from": "2026-11-31", "to": "2026-12-01"}, "from", "valid date"),
        ("summary", {"from": "yesterday", "to": "2026-11-14"}, "from", "valid date"),
        ("channels", {"from": "2026-11-14", "to": "2026-11-08"}, "from", "first day is after the last"),
        ("support", {"from": "2026-11-14", "to": "2026-11-21"}, "to", "after today"),
        ("satisfaction", {"from": "2025-01-01", "to": "2026-01-02"}, "from", "at most 366 days"),
        ("summary", {"from": "1970-01-01", "to": "1970-01-02"}, "from", "on or after"),
        ("channels", {"model": "middle"}, "model", "'last', 'first' or 'linear'"),
        ("cohorts", {"months": "25"}, "months", "less than or equal to 24"),
        ("cohorts", {"months": "0"}, "months", "greater than or equal to 1"),
        ("churn", {"churn_days": "6"}, "churn_days", "greater than or equal to 7"),
        ("churn", {"churn_days": "x"}, "churn_days", "valid integer"),
    ],
)
def test_a_bad_parameter_is_422_naming_it(api_client, orders, path, query, field, words):
    response = api_client.get(f"/api/v1/reports/{path}", query)

    assert response.status_code == 422, response.content
    body = response.json()
    assert body["error"] == "invalid" and body["field"] == field
    assert words in body["detail"], body["detail"]


def test_before_the_warehouse_is_made_the_reports_answer_409(api_client):
    response = api_client.get("/api/v1/reports/summary")

    assert response.status_code == 409
    assert response.json()["error"] == "warehouse_missing"
    assert "not ready" in response.json()["detail"]


def test_while_a_sync_holds_the_warehouse_the_reports_answer_503_with_retry_after(
    api_client, orders, settings, monkeypatch
):
    # given: another process holds the warehouse file to write, as the worker's sync does
    monkeypatch.setattr(warehouse, "WAIT_SECONDS", 0.2)
    script = (
        "import duckdb, sys; con = duckdb.connect(sys.argv[1]); print('held', flush=True); sys.stdin.read()"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", script, str(settings.CXLOOP_WAREHOUSE_PATH)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        # when
        response = api_client.get("/api/v1/reports/journeys")
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    # then
    assert response.status_code == 503
    assert response["Retry-After"] == "2" and response.json()["error"] == "unavailable"


def test_the_schema_states_the_parameters_and_answers():
    from cxloop.api import api

    paths = api.get_openapi_schema()["paths"]
    summary = paths["/api/v1/reports/summary"]["get"]
    names = {parameter["name"] for parameter in summary["parameters"]}
    assert names == {"days", "from", "to"}
    assert {200, 401, 409, 422, 503} <= set(summary["responses"])
    assert "Retry-After" in summary["responses"][503]["headers"]


@pytest.mark.django_db(transaction=True)  # Ibis reads over its own connection: the rows must be committed
def test_on_postgresql_directly_the_reports_answer_the_same_as_from_the_warehouse(
    api_client, orders, settings
):
    from django.db import connection

    from cxloop.analytics.reports import close_database_backend

    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass (make test-postgres)")
    paths = ["summary", "channels", "journeys", "satisfaction", "support"]
    from_warehouse = [api_client.get(f"/api/v1/reports/{path}", WEEK).json() for path in paths]
    settings.CXLOOP_ANALYTICS_ENGINE = "database"
    try:
        direct = [api_client.get(f"/api/v1/reports/{path}", WEEK).json() for path in paths]
    finally:
        close_database_backend()

    assert direct == from_warehouse
    assert direct[0]["net"] == {"current": "150.00", "previous": "50.00"}
