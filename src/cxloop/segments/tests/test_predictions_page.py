"""The predictions page: the last refresh, the calibration chart behind the holdout check, a refresh."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from cxloop.segments.models import PredictionRun

pytestmark = pytest.mark.django_db

TASK_PATH = "cxloop.segments.tasks.refresh_predictions_task"
CHECK = {
    "holdout_days": 90,
    "customers": 1200,
    "predicted_total": 412.37,
    "actual_total": 398,
    "by_repeat_orders": [
        {"repeat_orders_before": 0, "customers": 700, "predicted": 0.1234, "actual": 0.1129},
        {"repeat_orders_before": 1, "customers": 300, "predicted": 0.3456, "actual": 0.3671},
        {"repeat_orders_before": 7, "customers": 200, "predicted": 0.8001, "actual": 0.7802},
    ],
}


def run(store, status="fitted", **fields):
    at = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
    return PredictionRun.objects.create(
        store=store, status=status, as_of=at, created_at=at, customers=1500, repeat_buyers=420, **fields
    )


def test_without_a_run_the_page_says_the_worker_fits_them(store, staff_client):
    page = staff_client.get(reverse("segments:predictions")).content.decode()

    assert "have not been fitted yet" in page
    assert "Refresh now" in page


def test_a_fitted_run_shows_its_check_as_a_chart_and_a_table_of_this_store_only(
    store, other_store, staff_client
):
    run(store, calibration=CHECK, orders_params={"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
    run(other_store, calibration={**CHECK, "actual_total": 999999})

    page = staff_client.get(reverse("segments:predictions")).content.decode()

    assert "In all: 412 orders expected, 398 placed." in page
    assert page.count('class="chart__bar chart__bar--s0"') == 2 * 3  # wide and compact charts
    assert page.count('class="chart__bar chart__bar--s1"') == 2 * 3
    assert "<title>7 or more · Actual: 0.78</title>" in page
    row = '<td>7 or more</td><td class="num">200</td><td class="num">0.800</td><td class="num">0.780</td>'
    assert row in page
    assert "999,999" not in page
    assert "4.414" in page  # the parameters, folded away


def test_a_small_store_is_told_what_is_missing(store, agent_client):
    run(store, status=PredictionRun.Status.NOT_ENOUGH_DATA)

    page = agent_client.get(reverse("segments:predictions")).content.decode()

    assert "Predictions start once the store has 100 customers with an order, 20 of them" in page
    assert "chart__bar" not in page
    assert "Refresh now" not in page  # an agent may look, not refresh


def test_an_owner_queues_a_refresh_and_an_agent_may_not(store, staff_client, agent_client):
    refused = agent_client.post(reverse("segments:predictions"))
    queued = staff_client.post(reverse("segments:predictions"))

    assert refused.status_code == 403
    assert queued.status_code == 302 and queued["Location"] == reverse("segments:predictions")
    assert [r.args_kwargs["args"] for r in DBTaskResult.objects.filter(task_path=TASK_PATH)] == [[store.pk]]


def test_in_persian_the_chart_runs_right_to_left_with_persian_digits(store, staff_client):
    run(store, calibration=CHECK)

    page = staff_client.get(reverse("segments:predictions"), HTTP_ACCEPT_LANGUAGE="fa").content.decode()

    assert "<td>۷ و بیشتر</td>" in page
    wide = page[page.index("chart chart--wide") : page.index("chart chart--compact")]
    xs = [float(part.split('"')[1]) for part in wide.split("<rect x=")[1:]]
    assert xs[0] > xs[-1]  # the first group (no repeat order) on the right


def test_the_check_as_a_csv_of_this_store_only(store, other_store, agent_client):
    run(store, calibration=CHECK)
    run(
        other_store,
        calibration={**CHECK, "by_repeat_orders": [{**CHECK["by_repeat_orders"][0], "customers": 9}]},
    )

    response = agent_client.get(reverse("segments:predictions-csv"))
    lines = b"".join(response.streaming_content).decode("utf-8-sig").strip().splitlines()

    assert response["Content-Disposition"] == 'attachment; filename="predictions-holdout-check.csv"'
    assert lines == [
        "Repeat orders before (at least),Customers,Predicted orders per customer,Actual orders per customer",
        "0,700,0.1234,0.1129", "1,300,0.3456,0.3671", "7,200,0.8001,0.7802",
    ]  # fmt: skip
