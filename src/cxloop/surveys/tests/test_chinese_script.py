"""Simplified and Traditional Chinese comments are told apart by their characters."""

import pytest
from django.utils import timezone

from cxloop.surveys import tasks
from cxloop.surveys.language import detect_comment_language
from cxloop.surveys.models import Response

from .factories import make_survey


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("质量很好，发货也快，下次还来。", "zh-hans"),
        ("物流很快，包装很好。", "zh-hans"),
        ("客服有点啰嗦，不过问题解决了。", "zh-hans"),  # 啰 is outside GB2312 but Simplified
        ("快递员很负责，还打电话确认，赞👍", "zh-hans"),
        ("出貨很快，包裝也很用心，下次還會再買！", "zh-hant"),  # Taiwan
        ("客服回覆很慢，等了三天才處理。", "zh-hant"),
        ("啲衫好靚，送貨好快。", "zh-hant"),  # Hong Kong, in Cantonese
        ("包裝很精美，但是运费太贵了。", "zh-hans"),  # mostly Simplified, one Traditional slip
    ],
)
def test_chinese_comments_are_told_simplified_or_traditional(text, language):
    assert detect_comment_language(text) == language


@pytest.mark.parametrize("text", ["衣服太小了", "好", "物流很快", "這件衣服太小了，我只好退货。"])
def test_chinese_either_script_could_write_takes_the_page_language(text):
    assert detect_comment_language(text, hint="zh-hant") == "zh-hant"
    assert detect_comment_language(text, hint="zh-hans") == "zh-hans"
    assert detect_comment_language(text, hint="en") == "zh-hans"
    assert detect_comment_language(text) == "zh-hans"


def test_the_page_language_does_not_override_clear_characters():
    assert detect_comment_language("包装很好", hint="zh-hant") == "zh-hans"
    assert detect_comment_language("包裝很好", hint="zh-hans") == "zh-hant"


def test_a_comment_written_on_a_traditional_page_is_detected_traditional(store):
    # given: characters common to both scripts, answered on the zh-hant page
    survey = make_survey(store)
    now = timezone.now()
    response = Response.objects.create(
        store=store, survey=survey, channel="web", language="zh-hant", score=9, band="high",
        comment="衣服太小了", created_at=now, updated_at=now,
    )  # fmt: skip
    # when
    tasks.analyse_comment_task.call(response.pk)
    # then
    response.refresh_from_db()
    assert response.comment_language == "zh-hant"
