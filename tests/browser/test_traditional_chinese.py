"""A shopper whose browser reads Traditional Chinese (Taiwan) answers a survey's web link in it."""

import pytest
from django.core.cache import cache
from django.urls import reverse
from playwright.sync_api import Browser, expect

from cxloop.core import services as core_services
from cxloop.surveys import services
from cxloop.surveys.models import Response

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def survey(transactional_db):
    cache.clear()  # rate-limit counters: the cache table outlives transactional tests
    store, _ = core_services.create_store(name="Sklep Ania", currency="PLN", slug="sklep-ania")
    survey = services.create_survey(store=store, name="NPS", kind="nps")
    services.activate_survey(survey=survey)
    return survey


@pytest.mark.parametrize(
    ("locale", "question", "thanks"),
    [
        ("zh-TW", "您有多大可能向朋友或同事推薦 Sklep Ania？", "感謝您的回饋！"),
        ("zh-CN", "您有多大可能向朋友或同事推荐 Sklep Ania？", "感谢您的反馈！"),
    ],
)
def test_a_taiwanese_browser_answers_in_traditional_and_a_mainland_one_in_simplified(
    browser: Browser, live_server, survey, locale, question, thanks
):
    # given a browser set up for Taiwan or mainland China (its Accept-Language says so)
    context = browser.new_context(locale=locale)
    page = context.new_page()

    # when it opens the survey's web link and answers 9
    page.goto(live_server.url + reverse("surveys:web-answer", args=[survey.public_id]))
    expect(page.get_by_role("heading", name=question)).to_be_visible()
    page.get_by_role("radio", name="9").check()
    page.locator("button[type=submit]").click()

    # then the thank-you page speaks the same Chinese, and the answer is filed in it
    expect(page.get_by_text(thanks)).to_be_visible()
    language = "zh-hant" if locale == "zh-TW" else "zh-hans"
    assert list(Response.objects.values_list("score", "language")) == [(9, language)]
    context.close()
