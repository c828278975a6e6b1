"""Survey results checked against small datasets computed by hand.

The store is in Warsaw (UTC+1 in winter, UTC+2 in summer), so answers given
just before midnight UTC belong to the next day, week or month.
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from cxloop.commerce.records import LineData, OrderData
from cxloop.commerce.services import upsert_order
from cxloop.core.models import Store
from cxloop.surveys.models import Invitation, Response
from cxloop.surveys.results import build_score_cards, compute_results, period_starts
from cxloop.surveys.scoring import SCALES

from .factories import make_customer, make_survey

pytestmark = pytest.mark.django_db

NOON = datetime(2025, 3, 12, 11, 0, tzinfo=UTC)


@pytest.fixture
def warsaw(store):
    Store.objects.filter(pk=store.pk).update(timezone="Europe/Warsaw")
    store.refresh_from_db()
    return store


def answer(survey, score, *, at=NOON, **fields):
    return Response.objects.create(
        store=survey.store,
        survey=survey,
        channel=fields.pop("channel", "email"),
        language=fields.pop("language", "en"),
        score=score,
        band=SCALES[survey.kind].band(score) if score is not None else "",
        created_at=at,
        updated_at=at,
        **fields,
    )


def answer_many(survey, counts: dict[int, int], **fields):
    for score, n in counts.items():
        for _ in range(n):
            answer(survey, score, **fields)


def march(store, survey, bucket="week", **kwargs):
    return compute_results(store, survey, date(2025, 3, 1), date(2025, 3, 31), bucket, **kwargs)


# NPS: 20 promoters, 10 passives, 10 detractors of 40.
NPS_COUNTS = {10: 12, 9: 8, 8: 6, 7: 4, 6: 3, 5: 2, 3: 3, 0: 2}


def test_nps_counts_bands_and_gives_a_95_percent_interval(warsaw):
    survey = make_survey(warsaw, kind="nps")
    answer_many(survey, NPS_COUNTS)

    overall = march(warsaw, survey).overall

    assert (overall.n, overall.high, overall.mid, overall.low) == (40, 20, 10, 10)
    assert overall.nps == 25.0
    # var = 0.5 + 0.25 - 0.25^2 = 0.6875; half width = 1.96 * 100 * sqrt(0.6875 / 40) = 25.6958
    assert round(overall.nps_interval.low, 2) == -0.70
    assert round(overall.nps_interval.high, 2) == 50.70
    assert overall.counts == {0: 2, 1: 0, 2: 0, 3: 3, 4: 0, 5: 2, 6: 3, 7: 4, 8: 6, 9: 8, 10: 12}


def test_nps_interval_is_clipped_to_the_scale(warsaw):
    survey = make_survey(warsaw, kind="nps")
    answer_many(survey, {10: 38, 0: 2})

    overall = march(warsaw, survey).overall

    assert overall.nps == 90.0
    # var = 0.95 + 0.05 - 0.9^2 = 0.19; half width = 1.96 * 100 * sqrt(0.19 / 40) = 13.5083
    assert round(overall.nps_interval.low, 2) == 76.49
    assert overall.nps_interval.high == 100.0


def test_fewer_than_30_answers_give_no_interval(warsaw):
    survey = make_survey(warsaw, kind="nps")
    answer_many(survey, {10: 20, 0: 9})

    overall = march(warsaw, survey).overall

    assert overall.n == 29
    assert round(overall.nps, 2) == 37.93
    assert overall.nps_interval is None


def test_csat_is_the_share_of_4_and_5_with_its_interval(warsaw):
    survey = make_survey(warsaw, kind="csat")
    answer_many(survey, {5: 18, 4: 12, 3: 5, 2: 3, 1: 2})

    overall = march(warsaw, survey).overall

    assert overall.csat == 75.0
    assert overall.value == 75.0
    # half width = 1.96 * 100 * sqrt(0.75 * 0.25 / 40) = 13.4191
    assert round(overall.csat_interval.low, 2) == 61.58
    assert round(overall.csat_interval.high, 2) == 88.42
    assert (overall.low, overall.mid, overall.high) == (5, 5, 30)


def test_ces_is_the_mean_with_the_1_to_7_distribution(warsaw):
    survey = make_survey(warsaw, kind="ces")
    answer_many(survey, {7: 2, 6: 3, 5: 1, 4: 1, 2: 1, 1: 2})

    overall = march(warsaw, survey).overall

    assert overall.ces == 4.5  # (14 + 18 + 5 + 4 + 2 + 2) / 10
    assert overall.interval is None
    assert overall.distribution == [
        (1, 2, 20.0), (2, 1, 10.0), (3, 0, 0.0), (4, 1, 10.0), (5, 1, 10.0), (6, 3, 30.0), (7, 2, 20.0),
    ]  # fmt: skip


def test_only_answers_of_the_days_in_the_stores_time_zone_count(warsaw):
    survey = make_survey(warsaw, kind="nps")
    answer(survey, 10, at=datetime(2025, 2, 28, 22, 59, tzinfo=UTC))  # 23:59 on 28 Feb in Warsaw
    answer(survey, 9, at=datetime(2025, 2, 28, 23, 0, tzinfo=UTC))  # midnight, 1 March in Warsaw
    answer(survey, 0, at=datetime(2025, 3, 31, 21, 59, tzinfo=UTC))  # 23:59 on 31 March (summer time)
    answer(survey, 0, at=datetime(2025, 3, 31, 22, 0, tzinfo=UTC))  # 1 April in Warsaw

    overall = march(warsaw, survey).overall

    assert (overall.n, overall.high, overall.low) == (2, 1, 1)


def test_weekly_periods_start_on_monday_in_the_stores_time_zone(warsaw):
    survey = make_survey(warsaw, kind="nps")
    answer(survey, 10, at=datetime(2025, 3, 2, 22, 30, tzinfo=UTC))  # Sun 23:30 in Warsaw: week of 24 Feb
    answer(survey, 0, at=datetime(2025, 3, 2, 23, 30, tzinfo=UTC))  # Mon 00:30 in Warsaw: week of 3 March
    answer(survey, 9, at=datetime(2025, 3, 4, 12, 0, tzinfo=UTC))
    answer(survey, 5, at=datetime(2025, 3, 20, 12, 0, tzinfo=UTC))

    periods = march(warsaw, survey).periods

    assert [p.start for p in periods] == [
        date(2025, 2, 24), date(2025, 3, 3), date(2025, 3, 10),
        date(2025, 3, 17), date(2025, 3, 24), date(2025, 3, 31),
    ]  # fmt: skip
    assert [(p.scores.n, p.scores.nps) for p in periods] == [
        (1, 100.0), (2, 0.0), (0, None), (1, -100.0), (0, None), (0, None),
    ]  # fmt: skip


def test_monthly_periods_in_the_stores_time_zone(warsaw):
    survey = make_survey(warsaw, kind="csat")
    answer(survey, 5, at=datetime(2025, 1, 31, 23, 30, tzinfo=UTC))  # 1 Feb 00:30 in Warsaw
    answer(survey, 2, at=datetime(2025, 2, 10, 12, 0, tzinfo=UTC))
    answer(survey, 4, at=datetime(2025, 3, 31, 21, 30, tzinfo=UTC))  # 31 March 23:30 in Warsaw

    results = compute_results(warsaw, survey, date(2025, 1, 15), date(2025, 3, 31), "month")

    assert [(p.start, p.scores.n, p.scores.csat) for p in results.periods] == [
        (date(2025, 1, 1), 0, None),
        (date(2025, 2, 1), 2, 50.0),
        (date(2025, 3, 1), 1, 100.0),
    ]


def test_period_starts_cover_a_year_end():
    assert period_starts(date(2024, 11, 20), date(2025, 1, 2), "month") == [
        date(2024, 11, 1), date(2024, 12, 1), date(2025, 1, 1),
    ]  # fmt: skip
    assert period_starts(date(2024, 12, 30), date(2025, 1, 6), "week") == [
        date(2024, 12, 30),
        date(2025, 1, 6),
    ]


def test_breakdowns_by_country_language_channel_and_repeat_customers(warsaw):
    survey = make_survey(warsaw, kind="nps")
    answer_many(survey, {10: 3, 0: 1}, country="PL", language="pl", channel="email", is_repeat_customer=True)
    answer_many(survey, {9: 1, 7: 1}, country="LV", language="lv", channel="web", is_repeat_customer=False)
    answer_many(survey, {6: 1}, country="", language="fa", channel="widget")

    results = march(warsaw, survey)

    def rows(dimension):
        return [(row.key, row.scores.n, row.scores.nps) for row in results.breakdowns[dimension]]

    assert rows("country") == [("PL", 4, 50.0), ("LV", 2, 50.0), ("", 1, -100.0)]
    assert rows("language") == [("pl", 4, 50.0), ("lv", 2, 50.0), ("fa", 1, -100.0)]
    assert rows("channel") == [("email", 4, 50.0), ("web", 2, 50.0), ("widget", 1, -100.0)]
    assert rows("repeat") == [(True, 4, 50.0), (False, 2, 50.0), (None, 1, -100.0)]


def _order(store, external_id, titles):
    order, _ = upsert_order(
        store=store,
        platform="shopify",
        data=OrderData(
            external_id=external_id,
            number=f"#{external_id}",
            currency="PLN",
            total=Decimal("100"),
            created_at=NOON - timedelta(days=5),
            lines=[LineData(title=title, quantity=1, price=Decimal("50")) for title in titles],
        ),
    )
    return order


def test_breakdown_by_product_counts_an_answer_once_per_product_of_its_order(warsaw):
    survey = make_survey(warsaw, kind="nps")
    shirt_and_scarf = _order(warsaw, "1", ["Linen shirt", "Wool scarf", "Wool scarf"])
    shirt = _order(warsaw, "2", ["Linen shirt"])
    answer(survey, 10, order=shirt_and_scarf)
    answer(survey, 3, order=shirt)
    answer(survey, 9, order=shirt)
    answer(survey, 8)  # no order

    rows = march(warsaw, survey).breakdowns["product"]

    assert [(row.key, row.scores.n, round(row.scores.nps, 2)) for row in rows] == [
        ("Linen shirt", 3, 33.33),
        ("Wool scarf", 1, 100.0),
    ]


def test_breakdown_by_customer_tag(warsaw):
    survey = make_survey(warsaw, kind="csat")
    vip = make_customer(warsaw, email="vip@example.pl", tags=["vip", "wholesale"])
    plain = make_customer(warsaw, email="plain@example.pl", tags=[])
    newsletter = make_customer(warsaw, email="news@example.pl", tags=["newsletter", "vip"])
    answer(survey, 5, customer=vip)
    answer(survey, 2, customer=vip)
    answer(survey, 4, customer=newsletter)
    answer(survey, 1, customer=plain)
    answer(survey, 5)  # anonymous

    rows = march(warsaw, survey).breakdowns["tag"]

    assert [(row.key, row.scores.n, round(row.scores.csat, 2)) for row in rows] == [
        ("vip", 3, 66.67),
        ("wholesale", 2, 50.0),
        ("newsletter", 1, 100.0),
    ]


def test_funnel_counts_invitations_of_the_range_and_answers_without_one(warsaw):
    survey = make_survey(warsaw, kind="nps")
    customer = make_customer(warsaw)

    def invite(status, *, skip_reason="", opened=False, answered=False, at=NOON):
        return Invitation.objects.create(
            store=warsaw, survey=survey, customer=customer, language="pl", status=status,
            skip_reason=skip_reason, created_at=at, send_after=at, expires_at=at + timedelta(days=14),
            opened_at=at if opened else None, answered_at=at if answered else None,
        )  # fmt: skip

    for _ in range(6):
        invite("sent")
    invite("sent", opened=True)
    invite("sent", opened=True)
    answered = [invite("sent", opened=True, answered=True) for _ in range(2)]
    invite("queued")
    invite("failed")
    invite("skipped", skip_reason="throttled")
    invite("skipped", skip_reason="throttled")
    invite("skipped", skip_reason="no_consent")
    invite("sent", at=NOON - timedelta(days=60))  # before the range
    for invitation in answered:
        answer(survey, 10, invitation=invitation)
    answer(survey, 9, channel="web")

    funnel = march(warsaw, survey).funnel

    assert (funnel.invited, funnel.sent, funnel.opened, funnel.answered) == (15, 10, 4, 2)
    assert (funnel.waiting, funnel.failed, funnel.skipped_total) == (1, 1, 3)
    assert funnel.skipped == {"throttled": 2, "no_consent": 1}
    assert (funnel.open_rate, funnel.response_rate) == (40.0, 20.0)
    assert funnel.uninvited_answers == 1


def test_a_kind_overall_adds_up_the_stores_surveys_of_that_kind_only(warsaw, other_store):
    first, second = make_survey(warsaw, kind="nps"), make_survey(warsaw, kind="nps")
    answer_many(first, {10: 2, 0: 1})
    answer_many(second, {9: 1, 7: 1, 2: 1})
    answer_many(make_survey(warsaw, kind="csat"), {5: 4})
    answer_many(make_survey(other_store, kind="nps"), {0: 5})

    overall = march(warsaw, None, kind="nps").overall

    assert (overall.n, overall.high, overall.mid, overall.low, overall.nps) == (6, 3, 1, 2, 100 / 6)


def test_results_without_answers_are_empty_not_errors(warsaw):
    survey = make_survey(warsaw, kind="ces")

    results = march(warsaw, survey, "month")

    assert not results.has_answers
    assert results.overall.ces is None and results.overall.interval is None
    assert [p.scores.n for p in results.periods] == [0]
    assert all(rows == [] for rows in results.breakdowns.values())


def test_score_cards_compare_the_last_30_days_with_the_30_before(warsaw):
    now = datetime(2025, 3, 31, 12, 0, tzinfo=UTC)
    nps, csat = make_survey(warsaw, kind="nps"), make_survey(warsaw, kind="csat")
    make_survey(warsaw, kind="custom")
    answer_many(nps, {10: 3, 0: 1}, at=now - timedelta(days=2))  # +50 now
    answer_many(nps, {10: 1, 0: 1, 8: 2}, at=now - timedelta(days=45))  # 0 before
    answer_many(nps, {0: 5}, at=now - timedelta(days=61))  # older than both windows
    answer_many(csat, {5: 1, 2: 1}, at=now - timedelta(days=29))

    cards = build_score_cards(warsaw, now=now)

    assert [card.kind for card in cards] == ["nps", "csat"]
    nps_card, csat_card = cards
    assert (nps_card.value_text, nps_card.previous_text, nps_card.change_text, nps_card.direction) == (
        "+50", "0", "50", "up",
    )  # fmt: skip
    assert (nps_card.current.n, nps_card.previous.n) == (4, 4)
    assert (csat_card.value_text, csat_card.previous_text, csat_card.change, csat_card.direction) == (
        "50%", "", None, "flat",
    )  # fmt: skip
    assert (nps_card.since, nps_card.until) == (date(2025, 3, 2), date(2025, 3, 31))


def test_no_score_cards_without_scored_surveys(warsaw):
    make_survey(warsaw, kind="custom")

    assert build_score_cards(warsaw) == []
