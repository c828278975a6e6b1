"""Staff who choose 繁體中文 read Traditional Chinese, with no Simplified character left over."""

import re

import pytest
from django.urls import reverse

from cxloop.core.language_detection import _script_only_characters
from cxloop.surveys.tests.factories import make_survey
from cxloop.surveys.tests.test_results_views import answer

pytestmark = pytest.mark.django_db


def without_language_menu(page: str) -> str:
    """The page less the language menu, which names 简体中文 in its own script on purpose."""
    return re.sub(r'<select id="language-switch".*?</select>', "", page, flags=re.S)


def simplified_only(page: str) -> set[str]:
    return set(without_language_menu(page)) & _script_only_characters()[0]


def test_staff_switch_to_traditional_chinese_and_read_it_on_the_overview(staff_client, store):
    # given a store with survey answers
    survey = make_survey(store, kind="nps")
    for score in (10, 9, 3):
        answer(survey, score)

    # when the staff member picks 繁體中文 in the language menu
    switched = staff_client.post(reverse("set_language"), {"language": "zh-hant", "next": "/"})
    page = staff_client.get("/").content.decode()

    # then the overview is in Traditional Chinese, and the menu offers both Chinese
    assert switched.status_code == 302
    assert '<html lang="zh-hant"' in page
    for words in ("概覽", "登出", "客戶回饋", "收入", "轉換率"):
        assert words in page, words
    assert '<option value="zh-hant" lang="zh-hant" selected>繁體中文</option>' in page
    assert '<option value="zh-hans" lang="zh-hans">简体中文</option>' in page
    assert simplified_only(page) == set()


def test_survey_results_and_comments_read_in_traditional_chinese(staff_client, store):
    # given
    survey = make_survey(store, kind="nps")
    answer(survey, 10, "出貨很快，包裝很好", language="zh-hant")
    answer(survey, 10, "包裝很精美，出貨也快", language="zh-hant")
    answer(survey, 4, "尺寸表不準", language="zh-hant")
    staff_client.cookies["django_language"] = "zh-hant"

    # when
    results = staff_client.get(reverse("surveys:survey-results", args=[survey.pk])).content.decode()
    comments = staff_client.get(reverse("surveys:survey-comments", args=[survey.pk])).content.decode()

    # then
    for words in ("結果", "關鍵指標", "評分分佈", "匯出 CSV"):
        assert words in results, words
    for words in ("熱門主題", "搜尋評論", "繁體中文", "包裝"):
        assert words in comments, words
    assert simplified_only(results) == set()
    assert simplified_only(comments) == set()
