"""Every error the API answers has one shape, and every status an operation can answer is in its schema.

{"error": "<machine code>", "detail": "<sentence>", "field": "<input path or null>"}
(a 422 adds "errors": every problem, each of the same shape)
"""

import json

import pytest
from django.core.cache import cache
from django.test import Client

from cxloop.commerce.records import CustomerData
from cxloop.commerce.services import customers
from cxloop.core import services as core_services
from cxloop.surveys import services as survey_services
from cxloop.testing.fixtures import make_staff

pytestmark = pytest.mark.django_db
SHAPE = {"error", "detail", "field"}


def assert_error(response, status: int, code: str, field=None) -> dict:
    """The answer is `status` with the one error shape, this code and this field."""
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == (SHAPE | {"errors"} if status == 422 else SHAPE), body
    assert body["error"] == code, body
    assert isinstance(body["detail"], str) and body["detail"], body
    assert body["field"] == field, body
    if status == 422:
        assert body["errors"][0]["field"] == field
        assert all(set(problem) == SHAPE for problem in body["errors"])
    return body


def post_json(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


def test_a_request_without_a_key_is_401_in_the_error_shape(db):
    assert_error(Client().get("/api/v1/customers"), 401, "unauthorized")


def test_a_team_request_without_a_session_is_401_in_the_error_shape(api_client, store):
    assert_error(api_client.get(f"/api/v1/stores/{store.pk}/members"), 401, "unauthorized")


def test_an_agent_on_the_team_api_is_403_in_the_error_shape(agent_client, store):
    assert_error(agent_client.get(f"/api/v1/stores/{store.pk}/members"), 403, "forbidden")


def test_a_team_write_without_the_csrf_token_is_403_in_the_error_shape(owner, store):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)

    response = post_json(
        client, f"/api/v1/stores/{store.pk}/members/invitations", {"email": "a@b.pl", "role": "agent"}
    )  # noqa: E501

    assert_error(response, 403, "csrf_failed")


def test_a_missing_customer_is_404_in_the_error_shape(api_client):
    body = assert_error(api_client.get("/api/v1/customers/999999"), 404, "not_found")

    assert body["detail"] == "No such customer."


def test_another_stores_customer_is_the_same_404(api_client, other_store):
    theirs, _ = customers.upsert_customer(
        store=other_store, platform="shopify", data=CustomerData(external_id="x", email="x@y.pl")
    )

    assert_error(api_client.get(f"/api/v1/customers/{theirs.pk}"), 404, "not_found")


def test_an_api_address_nothing_answers_is_404_in_the_error_shape(api_client):
    assert_error(api_client.get("/api/v1/no-such-thing"), 404, "not_found")


def test_a_method_the_path_does_not_take_is_405_in_the_error_shape_with_allow(api_client):
    response = api_client.delete("/api/v1/customers")

    body = assert_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET"
    assert "DELETE" in body["detail"]


def test_a_webhook_get_is_405_in_the_error_shape(store):
    response = Client().get(f"/webhooks/shopify/{store.slug}/")

    assert_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "POST"


def test_revoking_a_revoked_key_is_409_in_the_error_shape(owner, store):
    key, _ = core_services.create_api_key(store=store, name="old")
    client = Client()
    client.force_login(owner)
    revoke = f"/api/v1/stores/{store.pk}/api-keys/{key.pk}/revoke"
    assert client.post(revoke).status_code == 200

    assert_error(client.post(revoke), 409, "already_revoked")


def test_a_body_over_the_limit_is_413_in_the_error_shape(api_client, settings):
    settings.CXLOOP_MAX_BODY_BYTES = 100

    response = api_client.post("/api/v1/events", "x" * 101, content_type="application/json")

    assert_error(response, 413, "body_too_large")


def test_malformed_json_is_400_in_the_error_shape(api_client):
    response = api_client.post("/api/v1/surveys", "{", content_type="application/json")

    assert_error(response, 400, "malformed_body")


def test_a_multipart_type_without_boundary_on_a_team_write_is_400_not_500(owner, store):
    key, _ = core_services.create_api_key(store=store, name="old")
    client = Client(enforce_csrf_checks=True)  # Django's CSRF check is what reads the form body
    client.force_login(owner)
    client.cookies["csrftoken"] = "a" * 32

    response = client.post(
        f"/api/v1/stores/{store.pk}/api-keys/{key.pk}/rotate", b"x", content_type="multipart/form-data",
        headers={"X-CSRFToken": "a" * 32},
    )  # fmt: skip

    assert_error(response, 400, "bad_request")


def test_an_invalid_body_is_422_naming_the_first_field_and_listing_every_problem(api_client):
    response = post_json(
        api_client, "/api/v1/surveys", {"name": 7, "kind": "custom", "questions": [{"kind": "x"}]}
    )  # noqa: E501

    body = assert_error(response, 422, "invalid", field="name")
    assert body["detail"] == "name: Input should be a valid string"
    assert [problem["field"] for problem in body["errors"]] == [
        "name", "questions[0].kind", "questions[0].texts",
    ]  # fmt: skip
    assert [problem["error"] for problem in body["errors"]] == ["string_type", "literal_error", "missing"]


def test_an_invalid_query_parameter_is_422_naming_it(api_client):
    body = assert_error(api_client.get("/api/v1/customers?limit=0"), 422, "invalid", field="limit")

    assert body["detail"] == "limit: Input should be greater than or equal to 1"


def test_an_invalid_path_id_is_422_naming_it(api_client):
    assert_error(api_client.get(f"/api/v1/customers/{2**63}"), 422, "invalid", field="customer_id")


def test_a_rule_of_a_service_is_422_in_the_same_shape(api_client):
    response = post_json(api_client, "/api/v1/surveys", {"name": "Custom", "kind": "custom", "active": True})

    assert_error(response, 422, "invalid", field="questions")


def test_an_event_item_error_names_its_place_in_the_batch(api_client):
    response = post_json(api_client, "/api/v1/events", {"events": [{"event_id": "1", "type": "Bad"}]})

    assert_error(response, 422, "invalid", field="events[0].type")


def test_a_number_is_not_a_date_for_since(api_client, store):
    survey = survey_services.create_survey(store=store, name="NPS", kind="nps")

    response = api_client.get(f"/api/v1/surveys/{survey.pk}/responses?since=0.5")

    assert_error(response, 422, "invalid", field="since")


def test_the_eleventh_answer_a_minute_is_429_in_the_error_shape_with_retry_after(db):
    cache.clear()
    try:
        answers = [post_json(Client(), "/api/v1/survey-answers", {"token": "x"}) for _ in range(11)]
    finally:
        cache.clear()

    assert {a.status_code for a in answers[:10]} == {404}
    assert_error(answers[10], 429, "rate_limited")
    assert int(answers[10]["Retry-After"]) >= 1


@pytest.mark.parametrize(
    "loc, body_param, expected",
    [
        (("body", "payload", "questions", 0, "kind"), "payload", "questions[0].kind"),
        (("query", "limit"), None, "limit"),
        (("path", "customer_id"), None, "customer_id"),
        (("body", "payload", "score", "int"), "payload", "score"),
        (("body", "payload", "since", "function-after[_check_moment(), datetime]"), "payload", "since"),
        (("body", "payload", "texts", "pl", "question"), "payload", "texts.pl.question"),
        (("body", "payload"), "payload", None),
    ],
)
def test_a_validation_location_reads_as_the_client_wrote_the_field(loc, body_param, expected):
    from cxloop.core.apierrors import field_path

    assert field_path(loc, body_param=body_param) == expected


# -- the schema ---------------------------------------------------------------


@pytest.fixture
def schema(db):
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method.upper(), operation


def test_the_schema_is_readable_without_signing_in(schema):
    assert schema["paths"]


def test_every_error_status_of_every_operation_is_documented_with_the_error_schema(schema):
    for path, method, operation in operations(schema):
        for status, response in operation["responses"].items():
            if int(status) < 400:
                continue
            ref = response["content"]["application/json"]["schema"]["$ref"]
            expected = "InvalidOut" if status == "422" else "ErrorOut"
            assert ref == f"#/components/schemas/{expected}", (path, method, status)
            assert response["description"] not in ("", "Unknown Status Code"), (path, method, status)


def test_each_operation_documents_what_its_machinery_can_answer(schema):
    statuses = {(path, method): set(op["responses"]) for path, method, op in operations(schema)}

    assert {"401", "404", "422"} <= statuses["/api/v1/customers/{customer_id}", "GET"]
    assert {"401", "403", "404", "409", "400", "413", "422"} <= statuses[
        "/api/v1/stores/{store_id}/api-keys/{key_id}/revoke", "POST"
    ]
    assert {"400", "404", "409", "410", "413", "422", "429"} <= statuses["/api/v1/survey-answers", "POST"]
    assert "401" not in statuses["/api/v1/survey-answers", "POST"]  # it takes no key
    assert {"400", "401", "413", "422", "503"} <= statuses["/api/v1/events", "POST"]


def test_429_and_503_document_their_retry_after_header(schema):
    for path, method, operation in operations(schema):
        for status in ("429", "503"):
            if status in operation["responses"]:
                assert "Retry-After" in operation["responses"][status]["headers"], (path, method)


def test_no_two_schemas_share_a_name(schema):
    # ninja names a component after its class: two classes of one name would silently become one.
    from ninja import Schema

    from cxloop.api import api  # noqa: F401 (every router imported)

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    components = schema["components"]["schemas"]
    names = [cls.__name__ for cls in subclasses(Schema) if cls.__module__.startswith("cxloop.")]
    names = [name for name in names if name in components]
    assert sorted({n for n in names if names.count(n) > 1}) == []


def test_a_staff_member_of_one_store_gets_404_for_another(other_store, store):
    stranger = make_staff(other_store)
    client = Client()
    client.force_login(stranger)

    assert_error(client.get(f"/api/v1/stores/{store.pk}/members"), 404, "not_found")
