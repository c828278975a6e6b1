import json
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from cxloop.core import services as core_services
from cxloop.surveys import services
from cxloop.surveys.models import Invitation, Response, Survey
from cxloop.surveys.tokens import invitation_token

from .factories import make_customer, make_survey


def post(client, url, body, **headers):
    return client.post(url, data=json.dumps(body), content_type="application/json", headers=headers)


@pytest.fixture
def publishable_client(store):
    _, raw = core_services.create_api_key(store=store, name="storefront", kind="publishable")
    return Client(headers={"Authorization": f"Bearer {raw}"})


@pytest.fixture
def invitation(store):
    return services.invite_customer(survey=make_survey(store), customer=make_customer(store))


# -- Surveys -------------------------------------------------------------------------------------------


def test_create_survey_returns_201_with_its_settings(api_client, store):
    body = {"name": "Po zakupie", "kind": "nps", "trigger": "order_fulfilled", "delay_days": 5,
            "texts": {"pl": {"question": "Polecisz nas?"}}, "active": True}  # fmt: skip
    response = post(api_client, "/api/v1/surveys", body)
    assert response.status_code == 201
    data = response.json()
    assert (data["name"], data["kind"], data["status"]) == ("Po zakupie", "nps", "active")
    assert data["delay_days"] == 5
    assert data["texts"] == {"pl": {"question": "Polecisz nas?"}}
    assert Survey.objects.get(pk=data["id"]).store == store


def test_create_custom_survey_with_questions(api_client):
    body = {
        "name": "Produkt",
        "kind": "custom",
        "questions": [
            {"kind": "rating", "scale_max": 5, "texts": {"en": "Rate the product"}},
            {
                "kind": "single",
                "texts": {"en": "Again?"},
                "choices": [{"labels": {"en": "Yes"}}, {"labels": {"en": "No"}}],
            },  # noqa: E501
        ],
    }
    response = post(api_client, "/api/v1/surveys", body)
    assert response.status_code == 201
    questions = response.json()["questions"]
    assert [q["kind"] for q in questions] == ["rating", "single"]
    assert questions[1]["choices"] == [
        {"key": "1", "labels": {"en": "Yes"}},
        {"key": "2", "labels": {"en": "No"}},
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "X", "kind": "nps", "store_id": 2}, "store_id"),
        ({"name": "X", "kind": "stars"}, "kind"),
        ({"name": "X", "kind": "nps", "sampling_percent": 0}, "sampling_percent"),
        ({"name": "X", "kind": "nps", "sampling_percent": True}, "sampling_percent"),
        ({"name": "X", "kind": "nps", "link_valid_days": 30}, "link_valid_days"),
        ({"name": "X", "kind": "nps", "brand_color": "red"}, "brand_color"),
        ({"name": "X", "kind": "nps", "texts": {"en": {"subject": "Hi"}}}, "texts.en.subject"),
        ({"name": "X", "kind": "nps", "notify_user_ids": [999]}, "notify_user_ids"),
        ({"name": "X", "kind": "custom", "questions": [{"kind": "text", "texts": {}}]}, "questions[0].texts"),
    ],
)
def test_bad_survey_is_refused_and_nothing_is_stored(api_client, body, field):
    response = post(api_client, "/api/v1/surveys", body)
    assert response.status_code == 422
    assert field in (response.json().get("field") or response.json()["detail"])
    assert Survey.objects.count() == 0


def test_list_and_get_surveys_of_the_store_only(api_client, store, other_store):
    mine = make_survey(store, kind="csat")
    make_survey(other_store)
    listed = api_client.get("/api/v1/surveys").json()
    assert listed["count"] == 1
    assert listed["items"][0]["id"] == mine.pk
    assert api_client.get(f"/api/v1/surveys/{mine.pk}").json()["kind"] == "csat"


@pytest.mark.parametrize("path", ["", "/invitations", "/responses"])
def test_another_stores_survey_is_404(api_client, other_store, path):
    theirs = make_survey(other_store)
    url = f"/api/v1/surveys/{theirs.pk}{path}"
    response = post(api_client, url, {"customer_ids": [1]}) if path == "/invitations" else api_client.get(url)
    assert response.status_code == 404
    assert Invitation.objects.count() == 0


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/surveys"),
        ("post", "/api/v1/surveys"),
        ("get", "/api/v1/surveys/1"),
        ("post", "/api/v1/surveys/1/invitations"),
        ("get", "/api/v1/surveys/1/responses"),
    ],
)
def test_publishable_and_missing_keys_get_401(publishable_client, store, method, url):
    make_survey(store)
    for client in (publishable_client, Client()):
        if method == "get":
            response = client.get(url)
        else:
            response = post(client, url, {"name": "X", "kind": "nps"})
        assert response.status_code == 401
    assert Survey.objects.count() == 1


# -- Invitations ---------------------------------------------------------------------------------------


def test_invite_by_customer_ids_counts_queued_and_skipped(api_client, store):
    # given
    survey = make_survey(store)
    ok = make_customer(store, email="ok@example.pl")
    no_consent = make_customer(store, email="nie@example.pl", consent="not_subscribed")
    no_email = make_customer(store, email="")
    asked = make_customer(store, email="asked@example.pl")
    services.invite_customer(survey=make_survey(store, kind="csat"), customer=asked)
    # when
    response = post(
        api_client, f"/api/v1/surveys/{survey.pk}/invitations",
        {"customer_ids": [ok.pk, no_consent.pk, no_email.pk, asked.pk]},
    )  # fmt: skip
    # then
    assert response.status_code == 200
    assert response.json() == {
        "queued": 1,
        "skipped": {"no_consent": 1, "no_email": 1, "throttled": 1},
        "unknown_emails": [],
    }
    assert Invitation.objects.get(survey=survey, customer=ok).status == "queued"


def test_invite_by_email_matches_case_insensitively_and_reports_unknown(api_client, store):
    survey = make_survey(store)
    customer = make_customer(store, email="Ania@Example.pl")
    response = post(
        api_client, f"/api/v1/surveys/{survey.pk}/invitations",
        {"emails": ["ANIA@example.PL", "nobody@example.pl"]},
    )  # fmt: skip
    assert response.json() == {"queued": 1, "skipped": {}, "unknown_emails": ["nobody@example.pl"]}
    assert Invitation.objects.get().customer == customer
    assert customer.__class__.objects.count() == 1  # nobody was created


def test_invite_another_stores_customer_is_refused(api_client, store, other_store):
    survey = make_survey(store)
    theirs = make_customer(other_store)
    response = post(api_client, f"/api/v1/surveys/{survey.pk}/invitations", {"customer_ids": [theirs.pk]})
    assert response.status_code == 422
    assert response.json()["field"] == "customer_ids"
    assert Invitation.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [{}, {"customer_ids": [1], "emails": ["a@b.pl"]}, {"customer_ids": ["1"]}, {"customer_ids": [1], "x": 1}],
)
def test_invitations_body_must_be_one_list(api_client, store, body):
    survey = make_survey(store)
    assert post(api_client, f"/api/v1/surveys/{survey.pk}/invitations", body).status_code == 422


def test_inviting_to_a_draft_survey_is_409(api_client, store):
    survey = make_survey(store, active=False)
    customer = make_customer(store)
    response = post(api_client, f"/api/v1/surveys/{survey.pk}/invitations", {"customer_ids": [customer.pk]})
    assert response.status_code == 409
    assert response.json()["error"] == "survey_closed"


def test_invitations_are_listed_with_their_skip_reason(api_client, store):
    survey = make_survey(store)
    services.invite_customer(survey=survey, customer=make_customer(store, consent="not_subscribed"))
    items = api_client.get(f"/api/v1/surveys/{survey.pk}/invitations").json()["items"]
    assert [(item["status"], item["skip_reason"]) for item in items] == [("skipped", "no_consent")]
    assert "nonce" not in items[0]


# -- Responses -----------------------------------------------------------------------------------------


def test_responses_are_paginated_and_filtered_by_since(api_client, store):
    # given two answers, one recorded two days ago
    survey = make_survey(store)
    answers = []
    for index, email in enumerate(["a@example.pl", "b@example.pl"]):
        invitation = services.invite_customer(survey=survey, customer=make_customer(store, email=email))
        answers.append(
            services.record_invitation_answer(
                invitation=invitation,
                answer=services.clean_answer(survey, score=str(9 - index), comment="<b>hej</b>"),
                now=timezone.now() - timedelta(days=2 * (1 - index)),
            )
        )
    # when
    everything = api_client.get(f"/api/v1/surveys/{survey.pk}/responses?limit=1").json()
    since = (timezone.now() - timedelta(days=1)).isoformat()
    recent = api_client.get(f"/api/v1/surveys/{survey.pk}/responses", {"since": since}).json()
    # then
    assert everything["count"] == 2
    assert len(everything["items"]) == 1
    assert [item["id"] for item in recent["items"]] == [answers[1].pk]
    assert recent["items"][0]["comment"] == "<b>hej</b>"
    assert recent["items"][0]["band"] == "mid"


# -- The public answer ---------------------------------------------------------------------------------


def test_answer_is_201_first_then_200_when_changed(invitation):
    token = invitation_token(invitation)
    first = post(Client(), "/api/v1/survey-answers", {"token": token, "score": 9, "comment": "Super"})
    again = post(Client(), "/api/v1/survey-answers", {"token": token, "score": "۳", "comment": ""})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["band"] == "high"
    response = Response.objects.get()
    assert (response.score, response.band, response.comment) == (3, "low", "")
    assert first.json()["id"] == again.json()["id"] == response.pk


def test_answer_without_comment_is_kept(invitation):
    response = post(Client(), "/api/v1/survey-answers", {"token": invitation_token(invitation), "score": 10})
    assert response.status_code == 201
    assert Response.objects.get().comment == ""


def tampered(token: str) -> str:
    return token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]


@pytest.mark.parametrize("alter", [tampered, lambda t: t + " ", lambda t: "", lambda t: "x" * 50])
def test_tampered_token_is_404_and_nothing_is_stored(invitation, alter):
    body = {"token": alter(invitation_token(invitation)), "score": 9}
    response = post(Client(), "/api/v1/survey-answers", body)
    assert response.status_code == 404
    assert Response.objects.count() == 0


def test_expired_link_is_410(invitation):
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = post(Client(), "/api/v1/survey-answers", {"token": invitation_token(invitation), "score": 9})
    assert response.status_code == 410
    assert response.json()["error"] == "link_expired"
    assert Response.objects.count() == 0


def test_closed_survey_is_409(invitation):
    services.close_survey(survey=invitation.survey)
    response = post(Client(), "/api/v1/survey-answers", {"token": invitation_token(invitation), "score": 9})
    assert response.status_code == 409
    assert Response.objects.count() == 0


@pytest.mark.parametrize("score", [11, -1, "7.5", "10abc", True, None, 7.5, "", [9]])
def test_bad_score_is_422_and_nothing_is_stored(invitation, score):
    body = {"token": invitation_token(invitation), "score": score}
    response = post(Client(), "/api/v1/survey-answers", body)
    assert response.status_code == 422
    assert Response.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        {"score": 9, "comment": "x" * 5001},
        {"score": 9, "survey_id": 1},
        {"score": 9, "comment": 5},
    ],
)
def test_bad_answer_bodies_are_422(invitation, body):
    response = post(Client(), "/api/v1/survey-answers", {"token": invitation_token(invitation), **body})
    assert response.status_code == 422
    assert Response.objects.count() == 0


def test_nul_in_a_comment_is_refused_by_the_json_reader(invitation):
    body = {"token": invitation_token(invitation), "score": 9, "comment": "a\x00b"}
    response = post(Client(), "/api/v1/survey-answers", body)
    assert response.status_code == 400
    assert Response.objects.count() == 0


def test_the_eleventh_answer_in_a_minute_from_one_address_is_429(invitation):
    with time_machine.travel(timezone.now().replace(second=5), tick=False):
        client = Client(REMOTE_ADDR="203.0.113.9")
        body = {"token": invitation_token(invitation), "score": 9}
        answers = [post(client, "/api/v1/survey-answers", body) for _ in range(10)]
        refused = post(client, "/api/v1/survey-answers", body | {"score": 2})
        elsewhere = post(Client(REMOTE_ADDR="198.51.100.9"), "/api/v1/survey-answers", body | {"score": 8})
    assert [answer.status_code for answer in answers] == [201] + [200] * 9
    assert refused.status_code == 429
    assert refused["Retry-After"] == "55"
    assert elsewhere.status_code == 200
    assert Response.objects.get().score == 8


def test_a_survey_can_ask_after_help_desk_conversations_now_that_the_help_desk_is_installed(api_client):
    body = {"name": "After support", "kind": "csat", "trigger": "helpdesk_resolved"}
    response = post(api_client, "/api/v1/surveys", body)
    assert response.status_code == 201, response.json()
    assert Survey.objects.get().trigger == "helpdesk_resolved"


def test_an_unknown_trigger_is_refused_naming_the_field(api_client):
    body = {"name": "After support", "kind": "csat", "trigger": "after_a_phone_call"}
    response = post(api_client, "/api/v1/surveys", body)
    assert response.status_code == 422
    assert response.json()["field"] == "trigger"
    assert Survey.objects.count() == 0
