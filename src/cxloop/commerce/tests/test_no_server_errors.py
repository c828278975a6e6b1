"""No request is answered with a 5xx: generated input on every API operation and on the staff pages.

Property-based (hypothesis, derandomized so every run tries the same
requests). The API's requests come from its OpenAPI schema
(`cxloop.testing.fuzzing`), so an endpoint added later is covered without
editing this file; the staff pages are every route of the URL
configuration, called by a signed-in owner with the query strings the pages
read. Bad input must be a 4xx; whatever raises instead shows up here with
the smallest request that makes it.
"""

import itertools
import re
from decimal import Decimal
from urllib.parse import quote, urlencode

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxloop.api import api
from cxloop.commerce import services
from cxloop.commerce.records import OrderData
from cxloop.commerce.services import events as event_services
from cxloop.surveys import services as survey_services
from cxloop.surveys.tests.factories import make_customer, make_survey
from cxloop.surveys.tokens import invitation_token
from cxloop.testing.fuzzing import NO_BODY, Known, OpenApiStrategies, edge_strings, encode_body

pytestmark = pytest.mark.django_db

SCHEMA = api.get_openapi_schema()
OPERATIONS = {(path, method): operation for path, method, operation in OpenApiStrategies(SCHEMA).operations()}
FUZZ = settings(
    max_examples=25,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
# The query-string parameters the staff pages read.
PAGE_PARAMETERS = [
    "page", "since", "until", "bucket", "band", "language", "q", "comments", "status", "consent",
    "has_orders", "sort", "score", "k", "c", "lang", "embed", "kind", "next", "rfm_group", "spend_tier",
    "from", "to",
]  # fmt: skip
SWEPT_PAGE_PARAMETERS = ["since", "until", "page", "score", "q", "status", "k", "c", "from", "to"]
PAGE_EDGES = ["0001-01-01", "9999-12-31", str(2**63), "-1", "a\x00"]
PATH_EDGES = [str(2**63), "a\x00", "\u0661", "%"]
SKIPPED_ROUTES = ("api/", "webhooks/", "i18n/", "logout/")


@pytest.fixture
def known(store) -> Known:
    """A store with a customer, an order, an event, a survey with an invitation and an answer."""
    customer = make_customer(store, email="ania@example.pl")
    order, _ = services.upsert_order(
        store=store, platform="shopify",
        data=OrderData(external_id="o-1", number="#1001", currency="PLN", total=Decimal("120.00"),
                       created_at=timezone.now(), email="ania@example.pl"),
    )  # fmt: skip
    event_services.record_events(
        store=store, events=event_services.parse_events([{"event_id": "e-1", "type": "page_view"}])
    )
    survey = make_survey(store, kind="nps")
    invitation = survey_services.invite_customer(survey=survey, customer=customer)
    survey_services.record_invitation_answer(
        invitation=invitation, answer=survey_services.clean_answer(survey, score="3", comment="Late")
    )
    custom = make_survey(store, kind="custom")
    token = invitation_token(invitation)
    return Known(
        ints=[customer.pk, order.pk, survey.pk, custom.pk, store.pk],
        strings=[token, survey.public_id, "ania@example.pl", "nps", "csat", "shopify"],
        names={
            "customer_id": customer.pk,
            "order_id": order.pk,
            "survey_id": survey.pk,
            "token": token,
            "public_id": survey.public_id,
            "kind": "nps",
            "platform": "shopify",
        },  # fmt: skip
    )


def send(client: Client, method: str, path: str, query: dict, body=NO_BODY):
    url = f"{path}?{urlencode(query, doseq=True)}" if query else path
    if body is NO_BODY:
        return client.generic(method, url)
    return client.generic(method, url, encode_body(body), content_type="application/json")


@pytest.mark.parametrize("path, method", sorted(OPERATIONS))
def test_no_api_operation_answers_a_server_error(path, method, api_key, known):
    """First an edge value in each number and date alone, then generated requests."""
    strategies = OpenApiStrategies(SCHEMA, known=known)
    client = Client(headers={"Authorization": f"Bearer {api_key}"})

    for request in strategies.sweep(path, OPERATIONS[path, method]):
        response = send(client, method, request.path, request.query, request.body)
        assert response.status_code < 500, (method, request, response.content[:300])

    @FUZZ
    @given(strategies.request(path, OPERATIONS[path, method]))
    def check(request):
        response = send(client, method, request.path, request.query, request.body)
        assert response.status_code < 500, (method, request, response.content[:300])

    check()


def test_the_fuzz_covers_every_api_operation():
    assert {("/api/v1/customers", "GET"), ("/api/v1/surveys/{survey_id}/invitations", "POST")} <= set(
        OPERATIONS
    )


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


STAFF_ROUTES = sorted(
    route for route in _walk(get_resolver().url_patterns) if not route.startswith(SKIPPED_ROUTES)
)
CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")


def fill(route: str, values: dict) -> str:
    return "/" + CONVERTER.sub(lambda m: quote(str(values[m.group(1)]), safe=""), route)


def known_route_values(known: Known) -> dict:
    """Each path parameter of the staff routes, filled with the test store's real value where there is one."""
    names = {name for route in STAFF_ROUTES for name in CONVERTER.findall(route)}
    fallback = str(known.ints[0])
    return {name: known.names.get(name, fallback) for name in names}


def staff_requests(known: Known):
    """A route with its parameters filled, and a query string of the parameters the pages read."""
    values = st.sampled_from([str(i) for i in known.ints] + known.strings) | edge_strings(known)
    segment = values.filter(lambda text: text and "/" not in text and text not in (".", ".."))
    real = known_route_values(known)

    def filled(route: str):
        names = CONVERTER.findall(route)
        chosen = st.fixed_dictionaries({name: st.just(real[name]) | segment for name in names})
        return chosen.map(lambda values: fill(route, values))

    paths = st.sampled_from(STAFF_ROUTES).flatmap(filled)
    queries = st.dictionaries(st.sampled_from(PAGE_PARAMETERS), st.lists(values, min_size=1, max_size=2))
    return st.tuples(paths, queries)


@pytest.fixture
def staff(owner):
    client = Client()
    client.force_login(owner)
    return client


def test_no_staff_page_answers_a_server_error_to_an_edge_value_in_its_query(staff, known):
    real = known_route_values(known)

    for route in STAFF_ROUTES:
        url = fill(route, real)
        if staff.get(url).status_code != 200:
            continue
        for value in PAGE_EDGES:
            response = staff.get(url, dict.fromkeys(SWEPT_PAGE_PARAMETERS, value))
            assert response.status_code < 500, (url, value, response.status_code)


def test_no_staff_page_answers_a_server_error_to_an_edge_value_in_its_path(staff, known):
    real = known_route_values(known)

    for route in STAFF_ROUTES:
        for name, value in itertools.product(CONVERTER.findall(route), PATH_EDGES):
            url = fill(route, {**real, name: value})
            response = staff.get(url)
            assert response.status_code < 500, (url, response.status_code)


def test_no_staff_page_answers_a_server_error_to_generated_query_strings(staff, known):
    @settings(FUZZ, max_examples=100)
    @given(staff_requests(known))
    def check(request):
        path, query = request
        response = send(staff, "GET", path, query)
        assert response.status_code < 500, (path, query, response.status_code)

    check()


def test_switching_stores_never_answers_a_server_error(staff, known):
    @settings(FUZZ, max_examples=40)
    @given(edge_strings(known))
    def check(value):
        response = staff.post("/switch-store/", {"store": value})
        assert response.status_code in (302, 404), (value, response.status_code)

    check()
