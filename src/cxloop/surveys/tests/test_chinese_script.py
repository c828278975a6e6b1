"""A survey comment in Chinese either script could have written takes the script of its page.

(The detector's own cases are in core/tests/test_language_detection.py.)"""

from django.utils import timezone

from cxloop.surveys import tasks
from cxloop.surveys.models import Response

from .factories import make_survey


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
