"""The one-scan results (score_pass) give the same numbers as one query per view of the data.

`per_view_results` is how the results page counted before: one aggregate
for the range, one grouped by a time-zone truncation for the periods, one
per breakdown and one count of the answers without an invitation.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db.models import Count, Q
from django.db.models.functions import Trunc
from django.utils import timezone

from cxloop.core.models import Store
from cxloop.surveys.models import Invitation, Response
from cxloop.surveys.results import (
    _score_aggregates,
    _scores,
    breakdown,
    compute_results,
    list_range_responses,
    period_starts,
    store_timezone,
)
from cxloop.surveys.scoring import SCALES

from .factories import make_customer, make_survey

pytestmark = pytest.mark.django_db

SIMPLE = ("country", "language", "channel", "repeat")


def per_view_results(store, survey, since, until, bucket):
    kind, tz = survey.kind, store_timezone(store)
    responses = list_range_responses(store, survey, since, until)
    rows = (
        responses.annotate(period=Trunc("created_at", bucket, tzinfo=tz))
        .values("period")
        .annotate(**_score_aggregates(kind))
        .order_by("period")
    )
    by_start = {timezone.localtime(row["period"], tz).date(): _scores(row, kind).counts for row in rows}
    empty = _scores({}, kind).counts
    return {
        "overall": _scores(responses.aggregate(**_score_aggregates(kind)), kind).counts,
        "answered": responses.count(),
        "periods": [(start, by_start.get(start, empty)) for start in period_starts(since, until, bucket)],
        "breakdowns": {dimension: rows_of(breakdown(responses, kind, dimension)) for dimension in SIMPLE},
        "uninvited": responses.filter(invitation__isnull=True).count(),
    }


def one_pass_results(store, survey, since, until, bucket):
    results = compute_results(store, survey, since, until, bucket, dimensions=SIMPLE)
    return {
        "overall": results.overall.counts,
        "answered": results.overall.answered,
        "periods": [(period.start, period.scores.counts) for period in results.periods],
        "breakdowns": {dimension: rows_of(results.breakdowns[dimension]) for dimension in SIMPLE},
        "uninvited": results.funnel.uninvited_answers,
    }


def rows_of(rows):
    return [(row.key, row.scores.answered, row.scores.counts) for row in rows]


@pytest.fixture
def warsaw(store):
    Store.objects.filter(pk=store.pk).update(timezone="Europe/Warsaw")
    store.refresh_from_db()
    return store


def answers_across_a_year(survey, count: int = 400):
    """Answers every ~22 hours over a year (crossing both DST changes and midnights), varied groups."""
    customer, now = make_customer(survey.store), timezone.now()
    invitations = Invitation.objects.bulk_create(
        Invitation(store=survey.store, survey=survey, customer=customer, email=customer.email, language="en",
                   created_at=now, send_after=now, expires_at=now)
        for _ in range(0, count, 4)
    )  # fmt: skip
    first = datetime(2025, 1, 1, 0, 30, tzinfo=UTC)
    scale = SCALES[survey.kind]
    Response.objects.bulk_create(
        Response(
            store=survey.store, survey=survey,
            score=scale.scores[(i * 7) % len(scale.scores)] if i % 13 else None,
            band=scale.band(scale.scores[(i * 7) % len(scale.scores)]) if i % 13 else "",
            country=("PL", "LV", "IR", "CN", "")[i % 5], language=("pl", "lv", "fa", "zh-hans")[i % 4],
            channel=("email", "web", "widget")[i % 3], is_repeat_customer=(True, False, None)[i % 3 - 1],
            invitation=invitations[i // 4] if i % 4 == 0 else None,
            created_at=first + timedelta(hours=22 * i), updated_at=first,
        )
        for i in range(count)
    )  # fmt: skip


@pytest.mark.parametrize("kind", ["nps", "csat", "ces"])
@pytest.mark.parametrize("bucket", ["week", "month"])
def test_one_pass_gives_the_numbers_of_one_query_per_view(warsaw, kind, bucket):
    # given a year of answers in a store in Warsaw, in every group
    survey = make_survey(warsaw, kind=kind)
    answers_across_a_year(survey)
    since, until = date(2025, 2, 10), date(2025, 11, 20)

    # when the results are computed in one pass and view by view
    one_pass = one_pass_results(warsaw, survey, since, until, bucket)
    per_view = per_view_results(warsaw, survey, since, until, bucket)

    # then every number is the same, and the fixture reaches every group
    assert one_pass == per_view
    assert one_pass["uninvited"] > 0 and one_pass["answered"] > one_pass["uninvited"]
    assert {key for key, _, _ in one_pass["breakdowns"]["repeat"]} == {True, False, None}
    assert len(one_pass["breakdowns"]["country"]) == 5


def test_one_pass_counts_each_answer_in_exactly_one_period(warsaw):
    survey = make_survey(warsaw, kind="nps")
    answers_across_a_year(survey)

    results = compute_results(warsaw, survey, date(2025, 3, 30), date(2025, 10, 26), "week", dimensions=())

    assert sum(period.scores.answered for period in results.periods) == results.overall.answered
    in_range = Response.objects.filter(
        created_at__gte=datetime(2025, 3, 29, 23, tzinfo=UTC),
        created_at__lt=datetime(2025, 10, 26, 23, tzinfo=UTC),
    )
    assert results.overall.answered == in_range.count()
    assert (
        results.overall.n
        == in_range.filter(~Q(score=None)).count()
        == in_range.aggregate(n=Count("score"))["n"]
    )
