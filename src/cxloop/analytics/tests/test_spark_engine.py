"""CXLOOP_ANALYTICS_ENGINE=spark: the worker publishes the warehouse as Parquet, the reports run on Spark."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse

from cxloop.analytics import publish
from cxloop.analytics.publish import current_set, publish_warehouse
from cxloop.analytics.reports import build_cohorts, build_dashboard
from cxloop.analytics.sync import sync_warehouse
from cxloop.analytics.tasks import publish_warehouse_task
from cxloop.analytics.warehouse import WarehouseMissing

from .test_metrics import (  # noqa: F401 (shop)
    COHORTS,
    EXPECTED,
    NOW,
    cohort_rows,
    figures,
    order,
    shop,
    spark,  # noqa: F401 (the module's Spark session)
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def on_spark(settings, tmp_path, spark):  # noqa: F811
    settings.CXLOOP_ANALYTICS_ENGINE = "spark"
    settings.CXLOOP_SPARK_TABLES = tmp_path / "published"
    publish.forget_views()
    yield settings.CXLOOP_SPARK_TABLES
    publish.forget_views()


def test_the_published_tables_give_the_hand_computed_answers_on_spark(shop, on_spark):  # noqa: F811
    sync_warehouse(now=NOW)

    manifest = publish_warehouse(now=NOW)
    report = build_dashboard(shop, days=7, now=NOW)

    assert figures(report) == EXPECTED
    assert cohort_rows(build_cohorts(shop, months=3, now=NOW)) == COHORTS
    assert manifest["rows"]["orders"] == 10 and manifest["rows"]["customer_orders"] > 0
    assert (on_spark / "CURRENT").read_text() == manifest["set"]


def test_before_the_first_publish_the_reports_say_the_data_is_being_prepared(shop, on_spark, staff_client):  # noqa: F811
    sync_warehouse(now=NOW)

    with pytest.raises(WarehouseMissing):
        build_dashboard(shop, days=7, now=NOW)
    assert "being prepared" in staff_client.get(reverse("analytics:dashboard")).content.decode()


def test_a_newer_set_is_read_and_only_the_one_before_it_kept(shop, on_spark):  # noqa: F811
    sync_warehouse(now=NOW)
    first = publish_warehouse(now=NOW)["set"]
    assert build_dashboard(shop, days=7, now=NOW).orders.current == 5
    order(shop, None, "2026-12-02T10:00", "12.00")
    sync_warehouse(now=NOW + timedelta(minutes=1))

    second = publish_warehouse(now=NOW + timedelta(minutes=1))["set"]
    report = build_dashboard(shop, days=7, now=NOW)
    third = publish_warehouse(now=NOW + timedelta(minutes=2))["set"]

    assert report.orders.current == 6 and report.net.current == Decimal("207.00")
    sets = sorted(path.name for path in on_spark.iterdir() if path.is_dir())
    assert sets == [second, third] and first not in sets
    assert current_set()["set"] == third
    assert datetime.fromisoformat(current_set()["synced_at"]) == NOW + timedelta(minutes=1)


def test_the_page_says_how_old_the_published_set_is(shop, on_spark, staff_client):  # noqa: F811
    sync_warehouse(now=NOW)
    publish_warehouse(now=NOW)

    html = staff_client.get(reverse("analytics:dashboard")).content.decode()

    assert "Data as of" in html


def test_the_task_publishes_only_when_the_reports_run_on_spark(shop, settings, tmp_path):  # noqa: F811
    settings.CXLOOP_SPARK_TABLES = tmp_path / "published"
    sync_warehouse(now=NOW)

    assert publish_warehouse_task.call() == {"skipped": "the reports do not run on Spark"}
    assert not (tmp_path / "published").exists()


def test_an_unknown_engine_stops_the_start_with_the_choices():
    env = os.environ | {"CXLOOP_ANALYTICS_ENGINE": "clickhouse", "DEBUG": "1"}
    done = subprocess.run(
        [sys.executable, "-c", "import cxloop.settings"], env=env, capture_output=True, text=True, timeout=60
    )

    assert done.returncode != 0
    assert "CXLOOP_ANALYTICS_ENGINE='clickhouse': choose warehouse, database or spark." in done.stderr


def test_a_failed_publish_leaves_the_current_set_and_no_half_written_one(shop, on_spark, monkeypatch):  # noqa: F811
    sync_warehouse(now=NOW)
    good = publish_warehouse(now=NOW)["set"]

    def broken(*args, **kwargs):
        raise OSError("disk full")

    # the manifest, written after the tables, fails
    monkeypatch.setattr(publish, "json", SimpleNamespace(dumps=broken, loads=json.loads))
    with pytest.raises(OSError):
        publish_warehouse(now=NOW + timedelta(minutes=1))
    monkeypatch.undo()

    assert sorted(path.name for path in on_spark.iterdir() if path.is_dir()) == [good]
    assert current_set()["set"] == good
    assert build_dashboard(shop, days=7, now=NOW).orders.current == 5
    assert datetime.fromisoformat(current_set()["synced_at"]).tzinfo == UTC
