"""Numbers and dates out of every range a request may carry answer 4xx naming the field, never 500.

Dates past what Python can add a day to, offsets and ids past a 64-bit
integer: the staff pages answer 400 with a form error (the CSV export before
its first byte), the JSON API 422 in its error shape, URL paths 404.
"""

from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from cxloop.commerce import services
from cxloop.commerce.records import OrderData
from cxloop.core.models import Membership
from cxloop.surveys.models import Survey
from cxloop.surveys.tests.factories import make_customer, make_survey

pytestmark = pytest.mark.django_db

TOO_BIG = 2**63  # one past the largest 64-bit primary key
RESULT_PAGES = ("results/", "comments/", "responses.csv")
KIND_PAGES = ("", "comments/", "responses.csv")
FAR_DATES = [
    ("until=9999-12-31", "To", "Choose a date up to 2999-12-31."),
    ("until=0001-01-01", "To", "Choose a date from 1900-01-01 on."),
    ("since=9999-12-30&until=9999-12-31", "From", "Choose a date up to 2999-12-31."),
]


@pytest.fixture
def client(owner):
    # Errors come back as the 500 page a browser would see, not as exceptions.
    client = Client(raise_request_exception=False)
    client.force_login(owner)
    return client


@pytest.fixture
def api(api_key):
    return Client(raise_request_exception=False, headers={"Authorization": f"Bearer {api_key}"})


@pytest.mark.parametrize("query, label, message", FAR_DATES)
@pytest.mark.parametrize("view", RESULT_PAGES)
def test_a_survey_results_page_answers_400_naming_a_date_out_of_range(
    client, store, view, query, label, message
):  # noqa: E501
    survey = make_survey(store, kind="nps")

    response = client.get(f"/surveys/{survey.pk}/{view}?{query}")

    assert response.status_code == 400
    assert f"{label}: {message}" in response.content.decode()


@pytest.mark.parametrize("query, label, message", FAR_DATES)
@pytest.mark.parametrize("view", KIND_PAGES)
def test_the_results_of_a_kind_answer_400_naming_a_date_out_of_range(
    client, store, view, query, label, message
):  # noqa: E501
    response = client.get(f"/surveys/results/nps/{view}?{query}")

    assert response.status_code == 400
    assert f"{label}: {message}" in response.content.decode()


@pytest.mark.parametrize("query, label, message", FAR_DATES)
def test_the_csv_export_refuses_a_date_out_of_range_before_it_starts_streaming(
    client, store, query, label, message
):  # noqa: E501
    survey = make_survey(store, kind="nps")

    for url in (f"/surveys/{survey.pk}/responses.csv", "/surveys/results/nps/responses.csv"):
        response = client.get(f"{url}?{query}")

        assert response.status_code == 400
        assert not response.streaming
        assert response["Content-Type"].startswith("text/html")


def test_the_first_and_last_dates_in_range_are_accepted(client, store):
    survey = make_survey(store, kind="nps")

    for page in RESULT_PAGES:
        early = client.get(f"/surveys/{survey.pk}/{page}?since=1900-01-01&until=1900-01-31")
        late = client.get(f"/surveys/{survey.pk}/{page}?since=2999-12-01&until=2999-12-31&bucket=month")
        assert (early.status_code, late.status_code) == (200, 200), page


PAGINATED_APIS = ["/api/v1/customers", "/api/v1/orders", "/api/v1/events", "/api/v1/surveys"]


@pytest.mark.parametrize("parameter", ["offset", "limit"])
@pytest.mark.parametrize("path", PAGINATED_APIS + ["invitations", "responses"])
def test_every_paginated_api_answers_422_for_offset_or_limit_past_64_bits(api, store, path, parameter):
    if not path.startswith("/"):
        path = f"/api/v1/surveys/{make_survey(store, kind='nps').pk}/{path}"

    response = api.get(f"{path}?{parameter}={TOO_BIG}")

    assert response.status_code == 422
    assert response.json()["error"] == "invalid"
    assert response.json()["field"] == parameter
    assert response.json()["detail"].startswith(f"{parameter}: ")


@pytest.mark.parametrize("path", ["/api/v1/customers", "/api/v1/surveys"])
def test_the_largest_offset_and_limit_answer_an_empty_page(api, store, path):
    make_survey(store, kind="nps")

    response = api.get(f"{path}?offset={TOO_BIG - 1}&limit={TOO_BIG - 1}")

    assert response.status_code == 200
    assert response.json()["items"] == []


@pytest.mark.parametrize("path", ["/api/v1/orders", "/api/v1/events"])
def test_a_customer_id_past_64_bits_answers_422_naming_it(api, path):
    response = api.get(f"{path}?customer_id={TOO_BIG}")

    assert response.status_code == 422
    assert response.json()["field"] == "customer_id"


def test_invitations_to_a_customer_id_past_64_bits_answer_422_and_invite_nobody(api, store):
    survey = make_survey(store, kind="nps")

    response = api.post(
        f"/api/v1/surveys/{survey.pk}/invitations",
        {"customer_ids": [TOO_BIG]},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert response.json()["field"] == "customer_ids[0]"
    assert not survey.invitations.exists()


def test_a_survey_notifying_a_user_id_past_64_bits_answers_422_and_is_not_created(api, store):
    response = api.post(
        "/api/v1/surveys",
        {"name": "After delivery", "kind": "nps", "notify_user_ids": [TOO_BIG]},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert response.json()["field"] == "notify_user_ids[0]"
    assert not Survey.objects.filter(store=store).exists()


def test_responses_since_a_date_out_of_range_answer_422_naming_it(api, store):
    survey = make_survey(store, kind="nps")

    for since in ("9999-12-31T23:59:59", "9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+01:00"):
        response = api.get(f"/api/v1/surveys/{survey.pk}/responses", {"since": since})

        assert response.status_code == 422, since
        assert response.json()["field"] == "since", since


@pytest.mark.parametrize(
    "path",
    ["/api/v1/customers/{}", "/api/v1/orders/{}", "/api/v1/surveys/{}", "/api/v1/surveys/{}/invitations"],
)
def test_an_api_path_id_past_64_bits_answers_422_naming_it(api, path):
    response = api.get(path.format(TOO_BIG))

    assert response.status_code == 422
    assert response.json()["field"] in ("customer_id", "order_id", "survey_id")


@pytest.mark.parametrize(
    "path", ["/customers/{}/", "/orders/{}/", "/surveys/{}/", "/surveys/{}/results/", "/import/{}/"]
)
def test_a_page_id_past_64_bits_is_404(client, path):
    assert client.get(path.format(TOO_BIG)).status_code == 404


def test_switching_to_a_store_id_past_64_bits_is_404_and_keeps_the_current_store(
    client, owner, store, other_store
):  # noqa: E501
    Membership.objects.create(user=owner, store=other_store, role=Membership.Role.AGENT)
    client.post("/switch-store/", {"store": str(store.pk)})

    for value in (str(TOO_BIG), str(-TOO_BIG - 1), "1e3", "", "\u0661"):
        response = client.post("/switch-store/", {"store": value})

        assert response.status_code == 404, value
        assert client.session["store_id"] == store.pk


def test_a_page_number_past_64_bits_shows_the_first_page(client, store):
    make_customer(store, email="ania@example.com")

    response = client.get(f"/customers/?page={TOO_BIG}")

    assert response.status_code == 200
    assert "ania@example.com" in response.content.decode()


# Text: PostgreSQL refuses to compare with a NUL character, so one in a filter was a 500 there.


@pytest.mark.parametrize("path, parameter", [("/api/v1/events", "type"), ("/api/v1/customers", "email")])
def test_an_api_text_filter_with_a_nul_character_answers_422_naming_it(api, path, parameter):
    response = api.get(path, {parameter: "ania\x00"})

    assert response.status_code == 422
    assert response.json()["field"] == parameter
    assert response.json()["detail"] == f"{parameter}: Value error, must not contain NUL characters"


def test_an_order_search_with_a_nul_character_searches_without_it(client, store):
    make_customer(store, email="ania@example.com")
    order, _ = services.upsert_order(
        store=store, platform="shopify",
        data=OrderData(external_id="o-1", number="#1001", currency="PLN", total=Decimal("10"),
                       created_at=timezone.now(), email="ania@example.com"),
    )  # fmt: skip

    response = client.get("/orders/", {"q": "ania\x00"})

    assert response.status_code == 200
    assert "#1001" in response.content.decode()


@pytest.mark.parametrize("path", ["/s/w/{}/", "/s/w/{}/thanks/", "/survey-logos/{}/"])
def test_a_survey_web_link_id_with_a_nul_character_is_404(client, path):
    assert client.get(path.format("kO75AQ%00xiR3h8Xds0")).status_code == 404
