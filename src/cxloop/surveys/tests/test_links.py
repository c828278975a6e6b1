"""A survey's public web link and its storefront widget code: on the survey page and in the API."""

import pytest
from django.test import Client
from django.utils.html import escape

from cxloop.core import services as core_services
from cxloop.core.storefront import KEY_PLACEHOLDER

from .factories import make_survey

PUBLIC_URL = "https://cx.example.com"


@pytest.fixture(autouse=True)
def public_address(settings):
    settings.CXLOOP_PUBLIC_URL = PUBLIC_URL


def widget_code(public_id: str, key: str) -> str:
    return (
        f'<script src="{PUBLIC_URL}/static/cxloop/cxloop.js" data-key="{key}" '
        f'data-endpoint="{PUBLIC_URL}/api/v1/events" async></script>\n'
        f'<script>window.cxloop = window.cxloop || []; cxloop.push(["survey", "{public_id}"]);</script>'
    )


def test_survey_page_shows_the_web_link_and_widget_code_with_copy_buttons(staff_client, store):
    # given a store with a publishable key
    survey = make_survey(store)
    _, publishable = core_services.create_api_key(store=store, name="storefront", kind="publishable")

    # when
    page = staff_client.get(f"/surveys/{survey.pk}/").content.decode()

    # then
    link = f"{PUBLIC_URL}/s/w/{survey.public_id}/"
    assert (
        f'<code class="url-box" id="web-link" dir="ltr" aria-labelledby="web-link-label">{link}</code>'
        in page
    )
    assert escape(widget_code(survey.public_id, publishable)) in page
    assert 'data-copy-target="web-link"' in page and 'data-copy-target="widget-snippet"' in page
    assert "<script>window.cxloop" not in page  # shown as text, never run in the staff page


def test_the_web_link_answers(store, client):
    survey = make_survey(store)

    assert client.get(f"/s/w/{survey.public_id}/").status_code == 200


def test_api_returns_the_web_link_and_widget_code(api_client, store):
    survey = make_survey(store)
    _, publishable = core_services.create_api_key(store=store, name="storefront", kind="publishable")

    one = api_client.get(f"/api/v1/surveys/{survey.pk}").json()
    listed = api_client.get("/api/v1/surveys").json()

    assert one["web_link"] == f"{PUBLIC_URL}/s/w/{survey.public_id}/"
    assert one["widget_snippet"] == widget_code(survey.public_id, publishable)
    [item] = listed["items"] if isinstance(listed, dict) else listed
    assert (item["web_link"], item["widget_snippet"]) == (one["web_link"], one["widget_snippet"])


def test_without_a_readable_publishable_key_the_code_says_where_the_key_goes(api_client, store):
    survey = make_survey(store)

    body = api_client.get(f"/api/v1/surveys/{survey.pk}").json()

    assert body["widget_snippet"] == widget_code(survey.public_id, KEY_PLACEHOLDER)


def test_the_schema_documents_both_fields(db):
    schema = Client().get("/api/openapi.json").json()

    properties = schema["components"]["schemas"]["SurveyOut"]["properties"]
    assert {"web_link", "widget_snippet"} <= set(properties)
    assert {"web_link", "widget_snippet"} <= set(schema["components"]["schemas"]["SurveyOut"]["required"])
