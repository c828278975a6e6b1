"""Themes on the comments page: shared by different customers, each linking to exactly its comments."""

import re
from urllib.parse import quote

import pytest

from .factories import make_customer, make_survey
from .test_results_views import answer

pytestmark = pytest.mark.django_db


def comments_shown(page: str) -> list[str]:
    return re.findall(r'<p class="comment__text"[^>]*>([^<]*)</p>', page)


def theme_links(page: str) -> dict[str, str]:
    """{theme as shown: its link} of the page's theme list."""
    return {
        text: href
        for href, text in re.findall(r'<a href="\?([^"]*theme=[^"]*)"[^>]*><bdi[^>]*>([^<]*)</bdi>', page)
    }


def test_one_customers_repeated_comment_makes_no_theme(staff_client, store):
    survey = make_survey(store, kind="nps")
    ania = make_customer(store, email="ania@example.pl")
    for days_ago in (1, 2, 3):
        answer(survey, 6, "Left a note in the parcel, no answer", customer=ania, days_ago=days_ago)

    page = staff_client.get(f"/surveys/{survey.pk}/comments/").content.decode()

    assert 'class="theme-list"' not in page
    assert "No phrase shared by 2 different customers yet." in page


def test_a_phrase_of_three_customers_links_to_exactly_their_comments(staff_client, store):
    # given three Polish customers who wrote "szybka dostawa", one of them twice, and a comment without it
    survey = make_survey(store, kind="nps")
    customers = [make_customer(store, email=f"c{n}@example.pl") for n in range(4)]
    answer(survey, 10, "Szybka dostawa, dziękuję!", language="pl", customer=customers[0], days_ago=1)
    answer(survey, 9, "Bardzo szybka dostawa.", language="pl", customer=customers[1], days_ago=2)
    answer(
        survey, 3, "szybka dostawa, ale paczka zgnieciona", language="pl", customer=customers[2], days_ago=3
    )
    answer(survey, 10, "SZYBKA DOSTAWA", language="pl", customer=customers[0], days_ago=4)
    answer(survey, 5, "Paczka szybka, dostawa wolna", language="pl", customer=customers[3], days_ago=5)

    # when
    page = staff_client.get(f"/surveys/{survey.pk}/comments/").content.decode()

    # then the theme counts customers, with its promoters and detractors
    assert "szybka dostawa" in theme_links(page)
    item = page.split('<bdi lang="pl">szybka dostawa</bdi></a>')[1].split("</li>")[0]
    assert "3 customers" in item and "67% promoter" in item and "33% detractor" in item
    # and its link shows exactly the four comments that hold the phrase
    link = theme_links(page)["szybka dostawa"]
    assert f"theme={quote('szybka dostawa').replace('%20', '+')}" in link or "theme=szybka+dostawa" in link
    filtered = staff_client.get(
        f"/surveys/{survey.pk}/comments/?{link.replace('&amp;', '&')}"
    ).content.decode()
    assert comments_shown(filtered) == [
        "Szybka dostawa, dziękuję!",
        "Bardzo szybka dostawa.",
        "szybka dostawa, ale paczka zgnieciona",
        "SZYBKA DOSTAWA",
    ]
    assert "Theme: <bdi>szybka dostawa</bdi>" in filtered


def test_the_theme_filter_keeps_the_score_band_and_exports_the_same_comments(staff_client, store):
    survey = make_survey(store, kind="nps")
    for n, (score, text) in enumerate(
        [(10, "物流很快"), (2, "物流很快，但是包装坏了"), (9, "这次物流很快"), (8, "包装好")]
    ):
        answer(
            survey, score, text, language="zh-hans", customer=make_customer(store, email=f"z{n}@example.cn")
        )

    page = staff_client.get(f"/surveys/{survey.pk}/comments/?theme=物流+很快&band=high").content.decode()
    export = staff_client.get(f"/surveys/{survey.pk}/responses.csv?theme=物流+很快&comments=1")

    assert comments_shown(page) == ["这次物流很快", "物流很快"]
    csv = b"".join(export.streaming_content).decode()
    assert "物流很快，但是包装坏了" in csv and "这次物流很快" in csv and "包装好" not in csv


def test_a_theme_of_no_comment_shows_none(staff_client, store):
    survey = make_survey(store, kind="nps")
    answer(survey, 10, "fast delivery", customer=make_customer(store, email="a@example.com"))

    page = staff_client.get(f"/surveys/{survey.pk}/comments/?theme=slow+delivery").content.decode()

    assert comments_shown(page) == []
    assert "No comments match these filters." in page


def test_a_theme_too_long_is_a_clear_400(staff_client, store):
    survey = make_survey(store, kind="nps")

    response = staff_client.get(f"/surveys/{survey.pk}/comments/?theme={'x' * 201}")

    assert response.status_code == 400
    assert "Theme" in response.content.decode()


def test_themes_of_another_survey_filter_nothing_here(staff_client, store):
    survey, other = make_survey(store, kind="nps"), make_survey(store, kind="nps")
    for n in range(3):
        answer(other, 10, "fast delivery", customer=make_customer(store, email=f"o{n}@example.com"))
    answer(survey, 10, "fast delivery", customer=make_customer(store, email="s@example.com"))

    page = staff_client.get(f"/surveys/{survey.pk}/comments/?theme=fast+delivery").content.decode()

    assert comments_shown(page) == ["fast delivery"]


def test_the_api_lists_the_responses_of_a_theme(api_client, store):
    # given three Persian customers who wrote "ارسال سریع" (one with Arabic letters) and one who did not
    survey = make_survey(store, kind="nps")
    texts = ["ارسال سریع بود", "ارسال سريع و خوب", "واقعا ارسال سریع", "بسته‌بندی خوب"]
    answers = [
        answer(
            survey,
            9,
            text,
            language="fa",
            customer=make_customer(store, email=f"f{n}@example.ir"),
            days_ago=n + 1,
        )
        for n, text in enumerate(texts)
    ]

    # when
    found = api_client.get(f"/api/v1/surveys/{survey.pk}/responses", {"theme": "ارسال سریع"})
    too_long = api_client.get(f"/api/v1/surveys/{survey.pk}/responses", {"theme": "x" * 201})

    # then
    assert found.status_code == 200
    assert sorted(item["id"] for item in found.json()["items"]) == sorted(a.pk for a in answers[:3])
    assert too_long.status_code == 422
    assert "theme" in (too_long.json().get("field") or str(too_long.json()["detail"]))


def test_themes_follow_a_comment_language_detected_after_the_page_was_seen(staff_client, store):
    # given three comments whose language is not detected yet, and the page already seen
    from cxloop.surveys import tasks
    from cxloop.surveys.models import Response

    survey = make_survey(store, kind="nps")
    responses = [
        answer(
            survey,
            10,
            "Szybka dostawa, dziękuję",
            language="",
            customer=make_customer(store, email=f"p{n}@example.pl"),
        )
        for n in range(3)
    ]
    Response.objects.filter(pk__in=[r.pk for r in responses]).update(comment_language="")
    before = staff_client.get(f"/surveys/{survey.pk}/comments/").content.decode()

    # when the worker detects their language
    for response in responses:
        tasks.analyse_comment_task.call(response.pk)
    after = staff_client.get(f"/surveys/{survey.pk}/comments/").content.decode()

    # then
    assert "szybka dostawa" not in theme_links(before)
    assert "szybka dostawa" in theme_links(after)


def test_results_page_shows_the_top_themes_linking_to_their_comments(staff_client, store):
    survey = make_survey(store, kind="nps")
    for n in range(3):
        answer(
            survey,
            10,
            "物流很快，谢谢",
            language="zh-hans",
            customer=make_customer(store, email=f"r{n}@example.cn"),
        )
    lonely = make_survey(store, kind="csat")
    answer(lonely, 5, "Wonderful scarf", customer=make_customer(store, email="w@example.com"))

    page = staff_client.get(f"/surveys/{survey.pk}/results/").content.decode()
    empty = staff_client.get(f"/surveys/{lonely.pk}/results/").content.decode()

    assert f'href="/surveys/{survey.pk}/comments/?theme=%E7%89%A9%E6%B5%81+%E5%BE%88%E5%BF%AB' in page
    assert "3 customers · <span" in page and "100% promoter" in page
    assert "No phrase shared by several customers yet." in empty
