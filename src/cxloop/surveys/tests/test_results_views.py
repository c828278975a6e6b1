"""The staff pages of survey results and comments: who may read them, filters, partials, empty states."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cxloop.surveys.models import Response
from cxloop.surveys.scoring import SCALES

from .factories import make_customer, make_survey

pytestmark = pytest.mark.django_db


def answer(survey, score, comment="", *, days_ago=1, language="en", customer=None):
    at = timezone.now() - timedelta(days=days_ago)
    return Response.objects.create(
        store=survey.store, survey=survey, channel="email", language=language, score=score,
        band=SCALES[survey.kind].band(score), comment=comment, comment_language=language if comment else "",
        customer=customer, created_at=at, updated_at=at,
    )  # fmt: skip


def test_results_page_shows_the_measure_bands_and_breakdowns(staff_client, store):
    survey = make_survey(store, kind="nps")
    for score in (10, 10, 9, 8, 3):
        answer(survey, score)

    response = staff_client.get(f"/surveys/{survey.pk}/results/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "+40" in page  # (3 promoters - 1 detractor) * 100 / 5
    assert "Promoter" in page and "Detractor" in page
    assert "By country" in page and "By product bought" in page
    assert "Interval shown from 30 answers" in page
    assert "<svg" in page


def test_agents_can_read_results_and_comments_but_not_export(agent_client, store):
    survey = make_survey(store, kind="csat")
    answer(survey, 5, "Great")

    assert agent_client.get(f"/surveys/{survey.pk}/results/").status_code == 200
    assert agent_client.get(f"/surveys/{survey.pk}/comments/").status_code == 200
    assert agent_client.get("/surveys/results/csat/").status_code == 200
    assert agent_client.get(f"/surveys/{survey.pk}/responses.csv").status_code == 403
    assert agent_client.get("/surveys/results/csat/responses.csv").status_code == 403


def test_another_stores_survey_is_404_on_every_results_page(staff_client, other_store):
    foreign = make_survey(other_store, kind="nps")
    answer(foreign, 0, "canary comment")

    for path in ("results/", "comments/", "responses.csv"):
        response = staff_client.get(f"/surveys/{foreign.pk}/{path}")
        assert response.status_code == 404, path


def test_kind_pages_never_show_another_stores_answers(staff_client, store, other_store):
    answer(make_survey(other_store, kind="nps"), 0, "canary comment")
    make_survey(store, kind="nps")

    comments = staff_client.get("/surveys/results/nps/comments/").content.decode()
    export = b"".join(staff_client.get("/surveys/results/nps/responses.csv").streaming_content).decode()

    assert "canary" not in comments and "canary" not in export


def test_unknown_kind_is_404(staff_client):
    assert staff_client.get("/surveys/results/custom/").status_code == 404
    assert staff_client.get("/surveys/results/bogus/comments/").status_code == 404


def test_results_without_answers_show_an_empty_state(staff_client, store):
    survey = make_survey(store, kind="ces")

    response = staff_client.get(f"/surveys/{survey.pk}/results/")

    assert response.status_code == 200
    assert "No answers in these days yet" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("since=2025-03-10&until=2025-03-01", "The start date is after the end date."),
        ("since=2020-01-01&until=2025-03-01", "Choose at most three years."),
        ("since=yesterday", "Enter a valid date."),
        ("bucket=day", "Select a valid choice."),
    ],
)
def test_bad_ranges_are_a_400_naming_the_problem(staff_client, store, query, message):
    survey = make_survey(store, kind="nps")

    response = staff_client.get(f"/surveys/{survey.pk}/results/?{query}")

    assert response.status_code == 400
    assert message in response.content.decode()


def test_htmx_refresh_renders_only_the_results(staff_client, store):
    survey = make_survey(store, kind="nps")
    answer(survey, 10)

    response = staff_client.get(
        f"/surveys/{survey.pk}/results/?bucket=month",
        headers={"HX-Request": "true", "HX-Target": "survey-results"},
    )

    page = response.content.decode()
    assert page.lstrip().startswith('<div id="survey-results"')
    assert "<html" not in page


def test_comment_list_filters_by_band_language_and_text_in_any_script(staff_client, store):
    survey = make_survey(store, kind="nps")
    answer(survey, 10, "Dostawa była SZYBKA, świetna JAKOŚĆ", language="pl")
    answer(survey, 2, "Paczka przyszła uszkodzona", language="pl")
    answer(survey, 9, "بسته‌بندی عالی بود", language="fa")
    answer(survey, 10, "物流很快，包装很好", language="zh-hans")
    answer(survey, 8)  # no comment

    def shown(query):
        page = staff_client.get(f"/surveys/{survey.pk}/comments/?{query}").content.decode()
        texts = ["SZYBKA", "uszkodzona", "بسته‌بندی", "物流"]
        return [text for text in texts if text in page]

    assert shown("") == ["SZYBKA", "uszkodzona", "بسته‌بندی", "物流"]
    assert shown("band=low") == ["uszkodzona"]
    assert shown("language=pl") == ["SZYBKA", "uszkodzona"]
    assert shown("q=jakość") == ["SZYBKA"]  # lower case finds upper case, diacritics and all
    assert shown("q=%D8%A8%D8%B3%D8%AA%D9%87%D8%A8%D9%86%D8%AF%D9%8A") == ["بسته‌بندی"]  # Arabic ye, no ZWNJ
    assert shown("q=包装") == ["物流"]
    assert shown("q=nothing-like-this") == []


def test_comment_list_shows_customer_band_and_themes_with_links(staff_client, store):
    survey = make_survey(store, kind="nps")
    zahra = make_customer(store, email="zahra@example.ir", first_name="زهرا", language="fa")
    answer(survey, 3, "物流太慢了，包装破损", language="zh-hans", customer=zahra)
    answer(survey, 10, "物流很快，包装很好", language="zh-hans")
    answer(survey, 9, "这次物流很快", language="zh-hans")

    page = staff_client.get(f"/surveys/{survey.pk}/comments/").content.decode()

    assert f'href="/customers/{zahra.pk}/"><bdi>زهرا</bdi></a>' in page
    assert "Detractor" in page and "Promoter" in page
    assert 'dir="auto"' in page
    assert "theme=%E7%89%A9%E6%B5%81+%E5%BE%88%E5%BF%AB" in page  # the theme 物流很快 links to its comments


def test_comment_list_is_paginated(staff_client, store):
    survey = make_survey(store, kind="csat")
    for index in range(30):
        answer(survey, 4, f"comment number {index:02d}", days_ago=1 + index)

    first = staff_client.get(f"/surveys/{survey.pk}/comments/").content.decode()
    second = staff_client.get(f"/surveys/{survey.pk}/comments/?page=2").content.decode()

    assert "comment number 00" in first and "comment number 24" in first and "comment number 25" not in first
    assert "comment number 25" in second and "comment number 29" in second


def test_overview_shows_a_card_per_scored_kind_linking_to_its_results(staff_client, store):
    survey = make_survey(store, kind="nps")
    make_survey(store, kind="ces")
    answer(survey, 10, days_ago=3)
    answer(survey, 9, days_ago=40)
    answer(survey, 0, days_ago=41)

    page = staff_client.get("/").content.decode()

    assert "Customer feedback" in page
    assert ">+100<" in page and "100 pts" in page and ">0<" in page
    assert 'href="/surveys/results/nps/?since=' in page and 'href="/surveys/results/ces/?since=' in page
    assert "/surveys/results/csat/" not in page


def test_overview_without_surveys_has_no_feedback_cards(staff_client, store):
    assert "Customer feedback" not in staff_client.get("/").content.decode()


def test_short_comments_of_no_sure_language_show_as_not_detected_and_make_no_theme(staff_client, store):
    # given short comments whose language a detector would guess wrong, analysed as after an answer
    from cxloop.surveys import tasks

    survey = make_survey(store, kind="csat")
    for comment in ("Polecam!", "As described", "Polecam!", "As described"):
        response = answer(survey, 5, comment)
        Response.objects.filter(pk=response.pk).update(comment_language="")
        tasks.analyse_comment_task.call(response.pk)

    # when
    page = staff_client.get(f"/surveys/{survey.pk}/comments/").content.decode()

    # then
    assert set(Response.objects.values_list("comment_language", flat=True)) == {""}
    language_filter = page.split('<select id="comment-language" name="language">')[1].split("</select>")[0]
    assert language_filter.split() == [
        '<option', 'value="">All', 'languages</option>', '<option', 'value="none">Not', 'detected</option>',
    ]  # fmt: skip
    assert page.count('<span lang="">Not detected</span>') == 4
    assert "Themes appear once comments in a detected language come in." in page


def test_chart_legend_promises_no_interval_lines_when_no_week_has_enough_answers(staff_client, store):
    # given a few answers, far fewer than an interval needs in any week
    survey = make_survey(store, kind="nps")
    for score in (10, 9, 3):
        answer(survey, score)
    # when the owner opens the results per week
    page = staff_client.get(f"/surveys/{survey.pk}/results/").content.decode()
    # then bars are drawn without whiskers, and the legend says why instead of promising lines
    assert "chart__bar" in page
    assert "chart__whisker" not in page
    assert "Lines show the 95% interval" not in page
    assert "No week has 30 answers, so no 95% interval is drawn." in page
    assert 'bucket=month">See it per month</a>' in page


def test_chart_legend_explains_the_interval_lines_it_draws(staff_client, store):
    # given a week with 30 answers
    survey = make_survey(store, kind="nps")
    for index in range(30):
        answer(survey, 10 if index % 2 else 5)
    # when the owner opens the results
    page = staff_client.get(f"/surveys/{survey.pk}/results/").content.decode()
    # then the whisker is drawn and the legend explains it
    assert "chart__whisker" in page
    assert "Lines show the 95% interval where there are enough answers." in page
