"""A custom survey's own questions: counted per question, shown to staff, exported, kept across edits."""

import csv
import io
import secrets

import pytest
from django.urls import reverse
from django.utils import timezone

from cxloop.surveys import services
from cxloop.surveys.models import Response
from cxloop.surveys.question_results import question_results

from .factories import make_customer, make_survey

pytestmark = pytest.mark.django_db

QUESTIONS = [
    {"kind": "rating", "scale_max": 5, "texts": {"en": "Delivery speed?", "pl": "Szybkość dostawy?"}},
    {
        "kind": "single",
        "texts": {"en": "Found us via"},
        "choices": [{"labels": {"en": "Friend", "pl": "Znajomy"}}, {"labels": {"en": "Ad"}}],
    },
    {
        "kind": "multiple",
        "texts": {"en": "Bought"},
        "choices": [{"labels": {"en": "Shirts"}}, {"labels": {"en": "Shoes"}}, {"labels": {"en": "Hats"}}],
    },
    {"kind": "text", "texts": {"en": "What should we improve?"}},
]


def custom_survey(store):
    survey = make_survey(store, kind="custom", active=False)
    questions = services.set_questions(survey=survey, questions=QUESTIONS)
    services.activate_survey(survey=survey)
    return survey, questions


def answer(survey, answers: dict, *, customer=None) -> Response:
    cleaned = services.clean_answer(survey, answers={str(key): value for key, value in answers.items()})
    if customer is None:
        return services.record_web_answer(
            survey=survey, submission_key=secrets.token_hex(10), answer=cleaned, language="en"
        )
    invitation = services.invite_customer(survey=survey, customer=customer)
    return services.record_invitation_answer(invitation=invitation, answer=cleaned)


def answer_four(survey, questions):
    rating, single, multiple, text = questions
    answer(survey, {rating.pk: 5, single.pk: "1", multiple.pk: ["1", "2"], text.pk: "Więcej rozmiarów"})
    answer(survey, {rating.pk: 4, single.pk: "1", multiple.pk: ["2"], text.pk: "更快的送货"})
    answer(survey, {rating.pk: 2, single.pk: "2", multiple.pk: ["1", "2", "3"]})
    answer(survey, {text.pk: "<script>alert(1)</script>"})


def test_each_question_is_counted_from_the_answers(store):
    survey, questions = custom_survey(store)
    answer_four(survey, questions)

    rating, single, multiple, text = question_results(
        survey, Response.objects.filter(survey=survey), language="en"
    )

    assert (rating.text, rating.answered, round(rating.mean, 2)) == ("Delivery speed?", 3, 3.67)
    assert [(row.label, row.count) for row in rating.rows] == [
        ("1", 0),
        ("2", 1),
        ("3", 0),
        ("4", 1),
        ("5", 1),
    ]
    assert [(row.label, row.count, row.percent) for row in single.rows] == [
        ("Friend", 2, 66.7), ("Ad", 1, 33.3),
    ]  # fmt: skip
    assert multiple.answered == 3
    assert [(row.label, row.count, row.percent) for row in multiple.rows] == [
        ("Shirts", 2, 66.7), ("Shoes", 3, 100.0), ("Hats", 1, 33.3),
    ]  # fmt: skip
    assert text.answered == 3
    assert [response.answer for response in text.latest] == [
        "<script>alert(1)</script>", "更快的送货", "Więcej rozmiarów",
    ]  # fmt: skip


def test_labels_follow_the_staff_language_and_only_this_surveys_answers_count(store):
    survey, questions = custom_survey(store)
    other, other_questions = custom_survey(store)
    answer(survey, {questions[1].pk: "1"})
    answer(other, {other_questions[1].pk: "2"})

    results = question_results(survey, Response.objects.filter(survey=survey), language="pl")

    assert results[0].text == "Szybkość dostawy?" and results[0].answered == 0 and results[0].mean is None
    assert [(row.label, row.count) for row in results[1].rows] == [("Znajomy", 1), ("Ad", 0)]


def test_the_results_page_shows_the_questions_with_written_answers_inert(staff_client, store):
    survey, questions = custom_survey(store)
    answer_four(survey, questions)

    page = staff_client.get(reverse("surveys:survey-results", args=[survey.pk]))

    html = page.content.decode()
    assert page.status_code == 200
    assert "Delivery speed?" in html and "mean 3.67" in html
    assert "Shoes" in html and "Więcej rozmiarów" in html and "更快的送货" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html


def test_the_export_has_a_column_per_question_with_labels_and_formulas_neutralised(staff_client, store):
    survey, questions = custom_survey(store)
    rating, single, multiple, text = questions
    customer = make_customer(store, email="ania@example.pl")
    answer(
        survey,
        {rating.pk: 3, single.pk: "2", multiple.pk: ["1", "3"], text.pk: "=HYPERLINK(1)"},
        customer=customer,
    )
    today = timezone.localdate().isoformat()

    response = staff_client.get(
        reverse("surveys:survey-export", args=[survey.pk]), {"since": today, "until": today}
    )

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][-4:] == ["Delivery speed?", "Found us via", "Bought", "What should we improve?"]
    assert rows[1][-4:] == ["3", "Ad", "Shirts; Hats", "'=HYPERLINK(1)"]
    assert "ania@example.pl" in rows[1]


def test_editing_a_question_keeps_its_answers_and_a_new_kind_starts_afresh(store):
    survey, questions = custom_survey(store)
    answer_four(survey, questions)
    edited = [dict(question) for question in QUESTIONS]
    edited[0] = {**QUESTIONS[0], "texts": {"en": "How fast was delivery?"}}
    edited[3] = {"kind": "rating", "scale_max": 3, "texts": {"en": "Would you come back?"}}

    after = services.set_questions(survey=survey, questions=edited)

    assert [q.pk for q in after[:3]] == [q.pk for q in questions[:3]]
    assert after[3].pk != questions[3].pk
    assert survey.questions.count() == 4
    results = question_results(survey, Response.objects.filter(survey=survey), language="en")
    assert (results[0].text, results[0].answered) == ("How fast was delivery?", 3)
    assert (results[3].text, results[3].answered) == ("Would you come back?", 0)
    shorter = services.set_questions(survey=survey, questions=edited[:2])
    assert [q.pk for q in shorter] == [q.pk for q in questions[:2]] and survey.questions.count() == 2


def test_the_survey_page_lists_the_latest_answers_question_by_question(staff_client, store):
    survey, questions = custom_survey(store)
    answer_four(survey, questions)

    html = staff_client.get(reverse("surveys:survey-detail", args=[survey.pk])).content.decode()

    assert '<dt><bdi dir="auto">Bought</bdi></dt><dd><bdi dir="auto">Shirts; Shoes; Hats</bdi></dd>' in html
    assert "Więcej rozmiarów" in html and "&lt;script&gt;" in html and "<script>alert" not in html
    assert reverse("surveys:survey-results", args=[survey.pk]) in html
