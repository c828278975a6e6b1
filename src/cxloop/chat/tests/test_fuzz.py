"""Whatever a widget (or anyone) sends the chat's endpoints, the answer is JSON: 2xx, or a 4xx naming the
problem; never a 5xx. A refused message stores nothing."""

import json

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxloop.chat import services
from cxloop.helpdesk.models import Message

pytestmark = pytest.mark.django_db

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
FIELDS = st.sampled_from(["text", "client_id", "flow_id", "order_number", "number", "email", "name", "q",
                          "article_id", "token", "lang", "page_url", "identity_hash"])  # fmt: skip
BODIES = st.one_of(st.dictionaries(FIELDS, JSON, max_size=5), JSON)
ENDPOINTS = st.sampled_from(["start", "messages", "contact", "seen", "suggest", "deflected", "order", "flow"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    endpoint=ENDPOINTS,
    body=BODIES,
    raw=st.one_of(st.none(), st.binary(max_size=60)),
    with_token=st.booleans(),
)
def test_no_body_makes_a_server_error(store, endpoint, body, raw, with_token):
    cache.clear()  # the per-address limits would otherwise answer 429 to most examples
    client = Client(raise_request_exception=False)
    _visitor, token = services.start(store=store)
    before = Message.objects.count()
    headers = {"Authorization": f"Bearer {token}"} if with_token else {}
    payload = raw if raw is not None else json.dumps(body)

    response = client.post(
        reverse(f"chat:{endpoint}", args=[store.slug]),
        payload,
        content_type="application/json",
        headers=headers,
    )

    assert response.status_code < 500, response.content
    assert response["Content-Type"] == "application/json"
    if response.status_code >= 400:
        assert response.json()["error"] and response.json()["detail"]
        assert Message.objects.count() == before
