from datetime import UTC, datetime, timedelta

import pytest

from cxloop.helpdesk.hours import business_time_between
from cxloop.helpdesk.services.desk import business_hours, settings_for

pytestmark = pytest.mark.django_db


def test_a_store_without_hours_is_always_open_in_its_own_zone(store):
    hours = business_hours(store)
    assert hours.zone == store.timezone
    start = datetime(2026, 12, 5, 3, tzinfo=UTC)  # a Saturday night
    assert business_time_between(hours, start, start + timedelta(hours=5)) == timedelta(hours=5)


def test_stored_hours_count_in_the_stores_timezone_whatever_zone_was_stored(store):
    store.timezone = "Europe/Warsaw"
    store.save()
    settings = settings_for(store)
    settings.business_hours = {"zone": "Asia/Tokyo", "week": {"mon": [["09:00", "17:00"]]}}
    settings.save()
    hours = business_hours(store)
    assert hours.zone == "Europe/Warsaw"
    monday = datetime(2026, 12, 7, 7, tzinfo=UTC)  # 08:00 in Warsaw
    assert business_time_between(hours, monday, monday + timedelta(hours=3)) == timedelta(hours=2)


def test_settings_are_made_once_per_store(store):
    assert settings_for(store).pk == settings_for(store).pk
