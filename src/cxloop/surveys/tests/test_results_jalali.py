"""A Persian reader types the days of survey results and comments in Solar Hijri; addresses stay ISO."""

from datetime import UTC, datetime

import pytest
import time_machine

from cxloop.surveys.models import Response
from cxloop.surveys.scoring import SCALES

from .factories import make_survey

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)  # 00:30 on 30 Aban 1405 (21 November) in Tehran


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def answer(survey, score, comment, at):
    return Response.objects.create(
        store=survey.store, survey=survey, channel="email", language="en", score=score,
        band=SCALES[survey.kind].band(score), comment=comment, comment_language="en",
        created_at=at, updated_at=at,
    )  # fmt: skip


@pytest.fixture
def survey(store):
    store.timezone = "Asia/Tehran"
    store.save(update_fields=["timezone"])
    survey = make_survey(store, kind="nps")
    answer(survey, 2, "Late again", datetime(2026, 11, 20, 20, 15, tzinfo=UTC))  # 23:45 on 29 Aban
    answer(survey, 10, "Quick and kind", datetime(2026, 11, 20, 20, 45, tzinfo=UTC))  # 00:15 on 30 Aban
    return survey


def persian(client):
    client.cookies["django_language"] = "fa"
    return client


@pytest.mark.parametrize(
    ("section", "target"), [("results", "survey-results"), ("comments", "comment-results")]
)
def test_typed_solar_hijri_days_are_the_page_of_the_same_iso_days(survey, agent_client, section, target):
    url = f"/surveys/{survey.pk}/{section}/"

    answer = persian(agent_client).get(
        url, {"jsince": "۱۴۰۵/۰۸/۳۰", "juntil": "١٤٠٥/٠٨/٣٠", "bucket": "week"}
    )

    assert answer.status_code == 302
    assert answer["Location"] == f"{url}?bucket=week&since=2026-11-21&until=2026-11-21"
    partial = {"HX-Request": "true", "HX-Target": target}
    typed = agent_client.get(answer["Location"], headers=partial).content.decode()
    iso = agent_client.get(
        url, {"bucket": "week", "since": "2026-11-21", "until": "2026-11-21"}, headers=partial
    )
    assert typed == iso.content.decode()


def test_the_comments_of_typed_days_are_those_of_the_store_local_days(survey, agent_client):
    answer = persian(agent_client).get(
        f"/surveys/{survey.pk}/comments/", {"jsince": "1405/08/30"}, follow=True
    )

    html = answer.content.decode()
    assert "Quick and kind" in html and "Late again" not in html
    assert 'id="comment-since" name="jsince" value="۱۴۰۵/۰۸/۳۰" placeholder="۱۴۰۵/۰۸/۳۰" dir="ltr"' in html
    assert 'name="juntil" value="۱۴۰۵/۰۸/۳۰"' in html and 'type="date"' not in html


@pytest.mark.parametrize("section", ["results", "comments"])
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"jsince": "۱۴۰۵/۰۸/۱۷", "juntil": "۱۴۰۵/۰۸/۳۲"}, "«تا»: تقویم هجری شمسی روز ۱۴۰۵/۰۸/۳۲ را ندارد."),
        ({"jsince": "1404/12/30"}, "«از»: تقویم هجری شمسی روز ۱۴۰۴/۱۲/۳۰ را ندارد."),
        ({"jsince": "1405/O8/17"}, "«از» را به شکل تاریخ هجری شمسی بنویسید، مانند ۱۴۰۵/۰۸/۳۰."),
    ],
)
def test_a_bad_solar_hijri_day_is_400_naming_the_field(survey, agent_client, section, query, message):
    answer = persian(agent_client).get(f"/surveys/{survey.pk}/{section}/", query)

    assert answer.status_code == 400
    assert f"<p>{message}</p>" in answer.content.decode()


@pytest.mark.parametrize(("section", "prefix"), [("results", "results"), ("comments", "comment")])
def test_other_readers_keep_the_date_inputs(survey, agent_client, section, prefix):
    url = f"/surveys/{survey.pk}/{section}/"
    english = agent_client.get(url, {"since": "2026-11-08", "until": "2026-11-21"}).content.decode()
    persian(agent_client).cookies["cxloop_calendar"] = "gregorian"
    gregorian = agent_client.get(url, {"since": "2026-11-08", "until": "2026-11-21"}).content.decode()

    for html in (english, gregorian):
        assert f'<input type="date" id="{prefix}-since" name="since" value="2026-11-08">' in html
        assert "jsince" not in html
