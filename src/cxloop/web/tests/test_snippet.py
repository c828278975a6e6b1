"""The storefront snippet is served, and browsers may call the event API cross-origin."""

import json
import uuid

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from cxloop.commerce.models import Event

pytestmark = pytest.mark.django_db


def test_snippet_is_a_static_file():
    path = finders.find("cxloop/cxloop.js")

    assert path is not None
    assert "/api/v1/events" in open(path, encoding="utf-8").read()


def test_event_api_answers_the_cors_preflight():
    response = Client().options(
        "/api/v1/events",
        headers={
            "Origin": "https://shop.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )

    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert "Authorization" in response["Access-Control-Allow-Headers"]


def test_event_api_answers_carry_the_allow_origin_header(api_key, store):
    body = {"events": [{"event_id": str(uuid.uuid4()), "type": "page_view", "session_id": "s1"}]}

    response = Client().post(
        "/api/v1/events",
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {api_key}", "Origin": "https://shop.example"},
    )
    refused = Client().post("/api/v1/events", "{}", content_type="application/json")

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert refused.status_code == 401
    assert refused["Access-Control-Allow-Origin"] == "*"


def test_a_beacon_may_carry_the_key_in_the_query_string(api_key, store):
    body = {"events": [{"event_id": "beacon-1", "type": "page_view", "session_id": "s1"}]}

    response = Client().post(f"/api/v1/events?key={api_key}", json.dumps(body), content_type="text/plain")

    assert response.status_code == 200
    assert Event.objects.filter(store=store, event_id="beacon-1").exists()


def test_other_api_paths_get_no_cors_headers(api_key):
    response = Client().get("/api/v1/customers", headers={"Authorization": f"Bearer {api_key}"})
    keyed = Client().get(f"/api/v1/customers?key={api_key}")

    assert "Access-Control-Allow-Origin" not in response
    assert keyed.status_code == 401
