"""Survey pages name languages and countries instead of showing their codes."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cxloop.surveys import services
from cxloop.surveys.models import Response
from cxloop.surveys.scoring import SCALES

from .factories import make_customer, make_survey

pytestmark = pytest.mark.django_db


def test_the_invitation_list_names_the_language_each_invitation_went_out_in(staff_client, store):
    # given a customer who reads Simplified Chinese
    survey = make_survey(store)
    wei = make_customer(store, email="wei@example.cn", language="zh-hans")
    services.invite_customer(survey=survey, customer=wei)

    # when
    page = staff_client.get(f"/surveys/{survey.pk}/invitations/").text

    # then
    assert "Email · Simplified Chinese" in page
    assert "· zh-hans" not in page


def test_the_breakdowns_name_countries_and_languages(staff_client, store):
    # given answers from the United States in English
    survey = make_survey(store, kind="nps")
    customer = make_customer(store, email="ann@example.com", language="en", country="US")
    at = timezone.now() - timedelta(days=1)
    for score in (10, 3):
        Response.objects.create(
            store=store, survey=survey, channel="email", language="en", country="US", score=score,
            customer=customer, band=SCALES["nps"].band(score), created_at=at, updated_at=at,
        )  # fmt: skip

    # when
    page = staff_client.get(f"/surveys/{survey.pk}/results/").text

    # then
    country = page.split('id="breakdown-country"')[1].split("</section>")[0]
    assert '<th scope="row" class="wrap-anywhere">United States</th>' in country
    assert ">US<" not in country
    language = page.split('id="breakdown-language"')[1].split("</section>")[0]
    assert '<th scope="row" class="wrap-anywhere">English</th>' in language
