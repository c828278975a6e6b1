"""When SQLite stays busy past a request's patience, the event API asks the storefront to retry."""

import json

import pytest
from django.db import connection
from django.test import Client

from cxloop.commerce.models import Event
from cxloop.core.sqlite.turns import WriterTurn


@pytest.mark.django_db(transaction=True)
def test_a_busy_event_api_answers_503_with_a_retry_after_the_storefront_may_read(store, api_key):
    if connection.vendor != "sqlite":
        pytest.skip("writer turns are SQLite's")
    # given another writer holds SQLite's turn longer than this request waits (50 ms here, 30 s by default)
    connection.ensure_connection()
    patience, connection.writer_turn.wait_seconds = connection.writer_turn.wait_seconds, 0.05
    other = WriterTurn(connection.settings_dict["NAME"], wait_seconds=30)
    other.acquire()
    body = {"events": [{"event_id": "busy-1", "type": "page_view", "session_id": "s1"}]}
    try:
        # when the storefront sends a batch
        response = Client().post(
            "/api/v1/events",
            json.dumps(body),
            content_type="application/json",
            headers={"Authorization": f"Bearer {api_key}", "Origin": "https://shop.example"},
        )
    finally:
        other.release()
        connection.writer_turn.wait_seconds = patience

    # then it is told to send the same events again in 2 s, and nothing is stored
    assert response.status_code == 503
    assert response.json() == {
        "error": "unavailable",
        "detail": "Storage is busy; retry with the same event ids.",
        "field": None,
    }
    assert response["Retry-After"] == "2"
    assert response["Access-Control-Expose-Headers"] == "Retry-After"
    assert Event.objects.count() == 0
