"""Survey pages, charts and exports: store time, one date format per language, Persian digits."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone, translation

from cxloop.commerce.tests.test_store_time import visible_numbers
from cxloop.core import formats
from cxloop.core.models import Store
from cxloop.surveys.charts import build_score_chart
from cxloop.surveys.models import Response
from cxloop.surveys.results import Period, Scores
from cxloop.surveys.scoring import SCALES

from .factories import make_customer, make_survey
from .test_export import read_csv

pytestmark = pytest.mark.django_db


def answer(survey, score, comment="", *, at, customer=None):
    return Response.objects.create(
        store=survey.store, survey=survey, channel="email", language="pl", score=score,
        band=SCALES[survey.kind].band(score), comment=comment, comment_language="pl" if comment else "",
        customer=customer, created_at=at, updated_at=at,
    )  # fmt: skip


@pytest.fixture
def warsaw(store):
    Store.objects.filter(pk=store.pk).update(timezone="Europe/Warsaw")
    store.refresh_from_db()
    return store


def test_the_export_writes_iso_8601_with_the_warsaw_offset_and_cjk_names_family_first(staff_client, warsaw):
    survey = make_survey(warsaw, kind="nps")
    customer = make_customer(warsaw, email="wei@example.cn", first_name="伟", last_name="王")
    answer(survey, 9, "好", at=datetime(2026, 12, 2, 9, 46, tzinfo=UTC), customer=customer)
    answer(survey, 3, "late", at=datetime(2026, 7, 9, 9, 46, tzinfo=UTC))  # summer time, +02:00

    url = f"/surveys/{survey.pk}/responses.csv?since=2026-07-01&until=2026-12-31"
    _, rows = read_csv(staff_client.get(url))

    assert sorted(row[0] for row in rows[1:]) == ["2026-07-09T11:46:00+02:00", "2026-12-02T10:46:00+01:00"]
    assert [row[7] for row in rows[1:] if row[6] == "wei@example.cn"] == ["王伟"]


def test_comments_show_store_time_with_the_zone(staff_client, warsaw):
    survey = make_survey(warsaw, kind="csat")
    moment = timezone.now().replace(hour=9, minute=46, second=0, microsecond=0) - timedelta(days=1)
    answer(survey, 5, "Świetnie", at=moment)

    page = staff_client.get(f"/surveys/{survey.pk}/comments/").text

    with translation.override("en"), timezone.override("Europe/Warsaw"):
        shown = formats.datetime_text(moment, zone=True)
    assert re.search(r", 1[01]:46\u202fAM\xa0CES?T$", shown)  # 09:46 UTC is 10:46 or 11:46 in Warsaw
    assert shown in page
    assert "9:46" not in page


def test_persian_results_write_every_figure_in_persian_digits(staff_client, warsaw):
    survey = make_survey(warsaw, kind="nps")
    now = timezone.now()
    for days, score in [(1, 10), (2, 9), (9, 3), (16, 10), (20, 7)]:
        answer(survey, score, "خوب", at=now - timedelta(days=days))
    staff_client.cookies["django_language"] = "fa"

    page = staff_client.get(f"/surveys/{survey.pk}/results/").text

    figures = visible_numbers(page)
    assert figures
    assert [text for text in figures if re.search(r"[0-9]", text)] == []
    labels = re.findall(r'class="chart__label">([^<]*)<', page)
    assert labels and not [label for label in labels if re.search(r"[0-9]", label)]


def period(start: date) -> Period:
    return Period(start=start, scores=Scores(kind="nps", counts={10: 6, 8: 2, 0: 2}, answered=10))


def test_charts_run_right_to_left_in_persian_with_the_value_axis_on_the_right():
    periods = [period(date(2026, 11, 2) + timedelta(weeks=index)) for index in range(4)]

    with translation.override("en"):
        ltr = build_score_chart(periods, "nps", bucket="week")
    with translation.override("fa"):
        rtl = build_score_chart(periods, "nps", bucket="week")

    assert [bar.x for bar in ltr.bars] == sorted(bar.x for bar in ltr.bars)
    assert [bar.x for bar in rtl.bars] == sorted((bar.x for bar in rtl.bars), reverse=True)
    assert ltr.tick_x < ltr.plot_start and ltr.tick_anchor == "end"
    assert rtl.tick_x > rtl.plot_end and rtl.tick_anchor == "start"
    assert [label.text for label in ltr.date_labels][-1] == "Nov 23"
    assert [label.text for label in rtl.date_labels][-1] == "۲ آذر"
    assert [tick.label for tick in rtl.ticks] == ["\u200e−۱۰۰", "\u200e−۵۰", "۰", "\u200e+۵۰", "\u200e+۱۰۰"]
