from bisect import bisect_right
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils.html import escape

from cxloop.commerce.models import Order
from cxloop.core.services import create_store
from cxloop.demo.custom_survey import SURVEY_NAME, generate_custom_survey
from cxloop.demo.custom_survey_texts import WRITTEN_ANSWERS, WRITTEN_THEMES
from cxloop.demo.generator import generate_store
from cxloop.demo.surveys import SurveysExist, generate_surveys
from cxloop.surveys import services
from cxloop.surveys.models import Response, Survey
from cxloop.surveys.question_results import question_results
from cxloop.surveys.texts import SHIPPED_LANGUAGES

TODAY = datetime(2025, 6, 1, tzinfo=UTC).date()
END = datetime(2025, 6, 1, tzinfo=UTC)
START = END - timedelta(days=90)


def _generate(store, customers=1000, seed=7):
    generate_store(store=store, customers=customers, seed=seed, today=TODAY)
    generate_surveys(store=store, seed=seed, today=TODAY)
    return generate_custom_survey(store=store, seed=seed, today=TODAY)


def _custom(store) -> tuple[Survey, list, list[Response]]:
    survey = Survey.objects.get(store=store, kind="custom")
    questions = list(survey.questions.order_by("position"))
    return survey, questions, list(Response.objects.filter(survey=survey).select_related("customer"))


def _answers_by_position(store) -> list[tuple]:
    survey, questions, _responses = _custom(store)
    position = {str(question.pk): question.position for question in questions}
    responses = Response.objects.filter(survey=survey).order_by("created_at", "customer__email_key")
    fields = ("customer__email_key", "language", "country", "is_repeat_customer", "created_at", "answers")
    return [
        (*facts, sorted((position[key], value) for key, value in answers.items()))
        for *facts, answers in responses.values_list(*fields)
    ]


def test_the_demo_runs_an_after_delivery_survey_of_four_questions_in_every_language(store):
    # when
    _generate(store, customers=300)
    # then
    survey, questions, _responses = _custom(store)
    assert (survey.name, survey.status, survey.trigger) == (SURVEY_NAME, "active", "manual")
    assert survey.activated_at == START
    assert [q.kind for q in questions] == ["rating", "single", "multiple", "text"]
    assert (questions[0].texts["en"], questions[0].scale_max) == ("How was the packaging?", 5)
    assert [len(q.choices) for q in questions] == [0, 4, 4, 0]
    for question in questions:
        assert set(question.texts) == set(SHIPPED_LANGUAGES) == {"en", "pl", "lv", "fa", "zh-hans", "zh-hant"}
        for choice in question.choices:
            assert set(choice["labels"]) == set(SHIPPED_LANGUAGES)
    assert set(survey.texts) == set(SHIPPED_LANGUAGES)


def test_question_results_count_answers_to_every_question(store):
    # given
    _generate(store)
    survey, _questions, _responses = _custom(store)
    # when
    rating, source, purpose, written = question_results(
        survey, Response.objects.filter(survey=survey), language="pl"
    )
    # then
    assert rating.text == "Jak oceniasz opakowanie?" and 3.6 < rating.mean < 4.6
    assert sum(row.count for row in rating.rows) == rating.answered > 80
    assert [row.label for row in source.rows] == ["Od znajomych", "Instagram", "Z wyszukiwarki", "Z reklamy"]
    assert sum(row.count for row in source.rows) == source.answered > 80
    assert all(row.count > 0 for row in source.rows + purpose.rows)
    assert sum(row.count for row in purpose.rows) > purpose.answered > 80  # some chose more than one
    assert written.answered > 30 and len(written.latest) == 10


def test_every_answer_is_what_the_web_link_would_have_stored(store):
    # given
    _generate(store)
    survey, questions, responses = _custom(store)
    ordered_at = defaultdict(list)
    live = Order.objects.filter(store=store, cancelled_at__isnull=True).order_by("created_at")
    for customer_id, created_at in live.values_list("customer_id", "created_at"):
        ordered_at[customer_id].append(created_at)
    # then
    assert 100 < len(responses) < 500
    for r in responses:
        assert (r.channel, r.score, r.band, r.comment, r.invitation_id) == ("web", None, "", "", None)
        assert 16 <= len(r.submission_key) <= 40 and START <= r.created_at == r.updated_at < END
        assert r.answers and r.answers == services.clean_answer(survey, answers=r.answers).answers
        if r.customer is None:
            assert (r.country, r.is_repeat_customer) == ("", None)
        else:
            assert (r.language, r.country) == (r.customer.language, r.customer.country)
            assert r.is_repeat_customer == (bisect_right(ordered_at[r.customer_id], r.created_at) > 1)
    identified = sum(1 for r in responses if r.customer is not None)
    assert 0.25 < identified / len(responses) < 0.75
    skipped = [sum(1 for r in responses if str(q.pk) not in r.answers) for q in questions]
    assert all(count > 0 for count in skipped) and skipped[3] > max(skipped[:3])


def test_written_answers_are_in_the_language_of_each_respondent(store):
    # given
    _generate(store)
    _survey, questions, responses = _custom(store)
    key = str(questions[3].pk)
    written = [r for r in responses if key in r.answers]
    # then
    assert len({r.language for r in written}) >= 4
    for r in written:
        sentences = {text for theme in WRITTEN_ANSWERS[r.language].values() for text in theme}
        assert r.answers[key] in sentences


def test_same_seed_gives_the_same_custom_survey_answers(store):
    # given
    twin, _ = create_store(name="Twin", currency=store.currency, slug="twin")
    # when
    first = _generate(store, customers=600)
    second = _generate(twin, customers=600)
    # then
    assert first == second and first.responses > 50 and first.identified > 20 and first.written > 15
    assert _answers_by_position(store) == _answers_by_position(twin)


def test_a_store_that_has_a_custom_survey_is_refused(store):
    # given
    summary = _generate(store, customers=300)
    # when
    with pytest.raises(SurveysExist):
        generate_custom_survey(store=store, seed=7, today=TODAY)
    # then
    assert Survey.objects.filter(store=store, kind="custom").count() == 1
    assert Response.objects.filter(survey__kind="custom").count() == summary.responses


def test_the_results_page_shows_the_questions_and_the_latest_written_answers(staff_client, store):
    # given
    _generate(store)
    survey, questions, responses = _custom(store)
    key = str(questions[3].pk)
    latest = max((r for r in responses if key in r.answers), key=lambda r: (r.created_at, r.pk))
    # when
    page = staff_client.get(
        reverse("surveys:survey-results", args=[survey.pk]),
        {"since": (START - timedelta(days=1)).date().isoformat(), "until": TODAY.isoformat()},
    )
    # then
    html = page.content.decode()
    assert page.status_code == 200
    assert "How was the packaging?" in html and "How did you first hear of us?" in html
    assert "Searching online" in html and "A special occasion" in html
    assert escape(latest.answers[key]) in html


def test_written_answers_have_every_theme_in_every_shipped_language():
    assert set(WRITTEN_ANSWERS) == set(SHIPPED_LANGUAGES)
    for language, themes in WRITTEN_ANSWERS.items():
        assert tuple(themes) == WRITTEN_THEMES, language
        assert all(len(set(sentences)) >= 3 for sentences in themes.values()), language
