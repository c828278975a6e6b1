"""Help-desk reports: each figure on a small week with known answers, in the store's hours and zone."""

import csv
import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import count
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import translation

from cxloop.commerce.models import Order
from cxloop.helpdesk.hours import BusinessHours, business_time_between
from cxloop.helpdesk.models import Conversation, DeskSettings, SlaPolicy, Team
from cxloop.helpdesk.reports import ReportPeriod, build_report, build_table
from cxloop.helpdesk.reports.clock import BusinessClock, clock_for, percentile
from cxloop.helpdesk.services import conversations as services
from cxloop.helpdesk.services import sla as sla_services
from cxloop.helpdesk.views_reports import duration_text
from cxloop.surveys import services as survey_services
from cxloop.surveys.models import Invitation
from cxloop.surveys.services.responses import clean_answer
from cxloop.surveys.tests.factories import make_customer, make_survey
from cxloop.testing.fixtures import make_staff

from .factories import customer_writes, open_conversation

pytestmark = pytest.mark.django_db

WARSAW = ZoneInfo("Europe/Warsaw")
WEEKDAYS_9_TO_5 = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
_orders = count(1)


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=WARSAW)


def travel(moment: datetime):
    return time_machine.travel(moment, tick=False)


def set_up_store(store):
    store.timezone = "Europe/Warsaw"
    store.save(update_fields=["timezone"])
    DeskSettings.objects.update_or_create(store=store, defaults={"business_hours": {"week": WEEKDAYS_9_TO_5}})


def place_order(store, customer, when: datetime, *, cancelled=False) -> Order:
    number = next(_orders)
    return Order.objects.create(
        store=store, customer=customer, platform="shopify", external_id=f"o{number}", number=f"#{number}",
        currency="PLN", total=Decimal("10"), created_at=when, cancelled_at=when if cancelled else None,
    )  # fmt: skip


def answer(invitation: Invitation, score: int, when: datetime):
    with travel(when):
        return survey_services.record_invitation_answer(
            invitation=invitation, answer=clean_answer(invitation.survey, score=score)
        )


@pytest.fixture
def week(store, owner, agent):
    """Three conversations around a weekend, in Warsaw, open weekdays 09:00-17:00 (now: Tue 1 Dec, noon).

    A: opened Fri 16:00, answered by the agent Mon 10:00 and 10:30, resolved Mon 11:00 (team Returns).
    B: opened Mon 09:00, answered by the owner 09:30, resolved 10:00, reopened by the customer 12:00,
       resolved again 13:00.
    C: opened Sat 10:00 by the contact form, answered by the owner Sun 12:00, resolved Mon 09:45.
    """
    set_up_store(store)
    csat = make_survey(store, kind="csat", trigger="helpdesk_resolved")
    returns = Team.objects.create(store=store, name="Returns")
    ania = make_customer(store, email="ania@example.pl")
    bartek = make_customer(store, email="bartek@example.pl", first_name="Bartek")
    with travel(at(27, 16)):
        a, _m = open_conversation(store, from_email="ania@example.pl")
        services.assign(conversation=a, assignee=agent, actor=owner)
        services.set_team(conversation=a, team=returns, actor=owner)
        services.set_tags(conversation=a, names=["refund"], actor=owner)
    with travel(at(28, 10)):
        c, _m = open_conversation(store, from_email="celina@example.pl")
        Conversation.objects.filter(pk=c.pk).update(channel="form")
    with travel(at(29, 12)):
        services.reply(conversation=c, author=owner, text="We open on Monday.")
    with travel(at(30, 9)):
        b, _m = open_conversation(store, from_email="bartek@example.pl")
        services.assign(conversation=b, assignee=owner, actor=owner)
        services.set_tags(conversation=b, names=["refund", "vip"], actor=owner)
    steps = [
        (at(30, 9, 30), lambda: services.reply(conversation=b, author=owner, text="On it.")),
        (at(30, 9, 45), lambda: services.set_status(conversation=c, status="resolved", actor=owner)),
        (at(30, 10), lambda: services.reply(conversation=a, author=agent, text="Refund sent.")),
        (at(30, 10), lambda: services.set_status(conversation=b, status="resolved", actor=owner)),
        (at(30, 10, 30), lambda: services.reply(conversation=a, author=agent, text="And the label.")),
        (at(30, 11), lambda: services.set_status(conversation=a, status="resolved", actor=agent)),
        (at(30, 12), lambda: customer_writes(store, b, text="It did not arrive.")),
        (at(30, 13), lambda: services.set_status(conversation=b, status="resolved", actor=owner)),
    ]
    for moment, step in steps:
        with travel(moment):
            b.refresh_from_db()
            step()
    invitations = {i.customer_id: i for i in Invitation.objects.filter(store=store, survey=csat)}
    answer(invitations[ania.pk], 5, at(30, 14))
    answer(invitations[bartek.pk], 2, at(30, 15))
    return {"a": a, "b": b, "c": c, "returns": returns}


def period(store, since=date(2026, 11, 23), until=date(2026, 11, 30), **filters) -> ReportPeriod:
    return ReportPeriod(store=store, since=since, until=until, **filters)


def report_of(store, **kwargs):
    per = kwargs.pop("per", "week")
    return build_report(period(store, **kwargs), per=per, now=at(1, 12, month=12))


# Business time and percentiles


def test_a_clock_answers_like_business_time_between_across_weekends_and_daylight_saving():
    hours = BusinessHours.from_json(
        {"zone": "Europe/Warsaw", "week": WEEKDAYS_9_TO_5, "holidays": ["2026-10-26"]}
    )
    start, end = at(1, 0, month=10), at(1, 0, month=12)
    clock = BusinessClock(hours, start, end)
    pairs = [
        (at(23, 16, month=10), at(27, 10, month=10)),  # over a weekend, the clocks going back, a holiday
        (at(27, 16), at(30, 10)),
        (at(28, 10), at(29, 12)),  # wholly in a weekend
        (at(2, 8, month=10), at(2, 8, 30, month=10)),  # before opening
    ]
    for a, b in pairs:
        assert clock.seconds_between(a, b) == business_time_between(hours, a, b).total_seconds()
    assert clock.seconds_between(at(27, 16), at(30, 10)) == 2 * 3600
    assert clock.seconds_between(at(28, 10), at(29, 12)) == 0


def test_p90_is_the_nearest_rank_and_the_median_the_middle():
    assert percentile(list(range(1, 11)), 0.9) == 9
    assert percentile(list(range(1, 21)), 0.9) == 18
    assert percentile([5], 0.9) == 5
    assert percentile([], 0.9) is None


# The figures of one week


def test_first_response_and_resolution_times_count_business_hours_only(store, week):
    summary = report_of(store).summary

    # First responses: A 2 h (Fri 16-17, Mon 9-10), B 30 min, C 0 (a weekend reply).
    assert summary.first_response.total == 3
    assert summary.first_response.median == 30 * 60
    assert summary.first_response.p90 == 2 * 3600
    # Resolutions: A 3 h, B 4 h (to its latest resolution), C 45 min.
    assert summary.resolution.median == 3 * 3600
    assert summary.resolution.p90 == 4 * 3600
    assert not summary.first_response.is_sampled


def test_replies_per_resolution_and_the_reopen_rate(store, week):
    summary = report_of(store).summary

    assert summary.resolved == 3
    assert summary.replies_per_resolution == pytest.approx(4 / 3)
    assert (summary.resolutions_counted, summary.reopened) == (3, 1)
    assert summary.reopen_rate == pytest.approx(100 / 3)


def test_volume_by_channel_tag_and_store_local_hour_of_the_week(store, week):
    report = report_of(store)

    assert report.channels == [("email", 2), ("form", 1)]
    assert report.tags == [("refund", 2), ("vip", 1)]
    # Friday 16:00, Monday 09:00 and Saturday 10:00 on Warsaw clocks (UTC is an hour behind).
    assert report.by_hour == {(5, 16): 1, (1, 9): 1, (6, 10): 1}


def test_the_backlog_is_what_was_still_open_at_the_end_of_each_day(store, week):
    backlog = dict(report_of(store).backlog)

    assert [backlog[date(2026, 11, d)] for d in range(23, 31)] == [0, 0, 0, 0, 1, 2, 2, 0]


def test_agent_performance_per_week_and_per_day(store, week, owner, agent):
    rows = {(r.bucket, r.agent_id): r for r in report_of(store).agents}

    this_week, last_week = date(2026, 11, 30), date(2026, 11, 23)
    mine = rows[(this_week, agent.pk)]
    assert (mine.replies, mine.resolved, mine.median_first_response) == (2, 1, 2 * 3600)
    owners = rows[(this_week, owner.pk)]
    assert (owners.replies, owners.resolved, owners.median_first_response) == (1, 2, 30 * 60)
    sunday = rows[(last_week, owner.pk)]
    assert (sunday.replies, sunday.resolved, sunday.median_first_response) == (1, 0, 0)

    by_day = {(r.bucket, r.agent_id) for r in report_of(store, per="day").agents}
    assert by_day == {
        (date(2026, 11, 30), agent.pk),
        (date(2026, 11, 30), owner.pk),
        (date(2026, 11, 29), owner.pk),
    }
    assert {r.bucket for r in report_of(store, per="month").agents} == {date(2026, 11, 1)}


def test_csat_is_the_share_of_satisfied_answers_per_assignee_and_team(store, week, owner, agent):
    report = report_of(store)

    agents = {row.key: (row.answers, row.satisfied, row.share) for row in report.csat_agents}
    assert agents == {agent.pk: (1, 1, 100.0), owner.pk: (1, 0, 0.0)}
    teams = {row.name: (row.answers, row.satisfied) for row in report.csat_teams}
    assert teams == {"Returns": (1, 1), "": (1, 0)}


def test_filters_narrow_every_figure_to_a_team_or_a_channel(store, week):
    returns = report_of(store, team_id=week["returns"].pk)
    assert returns.summary.created == 1 and returns.summary.first_response.median == 2 * 3600
    assert [row.name for row in returns.csat_teams] == ["Returns"]

    form = report_of(store, channel="form")
    assert form.channels == [("form", 1)] and form.summary.resolution.median == 45 * 60
    assert form.csat_agents == []


def test_sla_attainment_says_there_are_no_policies_yet(store, week):
    assert report_of(store).sla is None


def test_sla_attainment_counts_the_decided_clocks_met_in_business_time(store, owner):
    # given one policy (first reply within an hour, resolution within ten, in business hours)
    set_up_store(store)
    SlaPolicy.objects.create(store=store, name="All", first_response_minutes=60, resolution_minutes=600)
    with travel(at(27, 16)):
        a, _m = open_conversation(store, from_email="a@example.pl")  # Friday 16:00
    with travel(at(30, 9)):
        b, _m = open_conversation(store, from_email="b@example.pl")  # Monday 09:00
    with travel(at(30, 9, 30)):
        services.reply(conversation=b, author=owner, text="On it.")  # met: 30 minutes
    with travel(at(30, 10)):
        services.reply(conversation=a, author=owner, text="Sorry.")  # missed: 2 business hours
    with travel(at(30, 11)):
        services.set_status(conversation=a, status="resolved", actor=owner)  # met: 3 business hours
    with travel(at(30, 12)):
        open_conversation(store, from_email="c@example.pl")  # never answered; resolution still running
    sla_services.record_breaches(now=at(1, 12, month=12))  # b's resolution ran out Tuesday 11:00

    # when
    rows = {row.name: (row.due, row.met) for row in report_of(store).sla}

    # then
    assert rows == {"first_response": (3, 1), "resolution": (2, 1)}


# What happened after


def test_orders_after_a_resolved_conversation_against_the_baseline_counting_complete_windows_only(
    store, owner
):
    set_up_store(store)
    with travel(at(1, 9, month=7)):
        ordered, silent, late = (make_customer(store, email=f"{n}@example.pl") for n in ("o", "s", "l"))
        base = [make_customer(store, email=f"base{n}@example.pl") for n in range(3)]
    for customer, resolved_on in (
        (ordered, at(3, 10, month=8)),
        (silent, at(4, 10, month=8)),
        (late, at(20, 10, month=9)),
    ):
        with travel(resolved_on):
            conversation, _m = open_conversation(store, from_email=customer.email)
            services.set_status(conversation=conversation, status="resolved", actor=owner)
    place_order(store, ordered, at(1, 12, month=9))
    place_order(store, silent, at(1, 12, month=9), cancelled=True)  # a cancelled order is no order
    place_order(store, base[0], at(15, 12, month=10))
    place_order(store, base[1], at(15, 12, month=11))  # after the baseline's 90 days

    outcome = build_report(
        period(store, since=date(2026, 8, 1), until=date(2026, 9, 30)), now=at(1, 12, month=12)
    ).outcomes

    after = outcome.after_conversation
    assert (after.windows, after.complete, after.ordered, after.share) == (3, 2, 1, 50.0)
    baseline = outcome.baseline
    assert (baseline.windows, baseline.complete, baseline.ordered) == (3, 3, 1)


def test_detractors_contacted_by_the_help_desk_and_their_reorders(store, owner):
    set_up_store(store)
    nps = make_survey(store, kind="nps")
    with travel(at(1, 9, month=8)):
        dora, dawid, pola = (make_customer(store, email=f"{n}@example.pl") for n in ("dora", "dawid", "pola"))
        invitations = [survey_services.invite_customer(survey=nps, customer=c) for c in (dora, dawid, pola)]
    answer(invitations[0], 3, at(10, 10, month=8))
    answer(invitations[1], 5, at(11, 10, month=8))
    answer(invitations[2], 9, at(11, 10, month=8))  # a promoter: not counted
    with travel(at(12, 10, month=8)):
        conversation, _m = open_conversation(store, from_email=dora.email)
        services.reply(conversation=conversation, author=owner, text="Sorry about that.")
    place_order(store, dora, at(1, 12, month=9))

    outcome = build_report(
        period(store, since=date(2026, 8, 1), until=date(2026, 8, 31)), now=at(1, 12, month=12)
    ).outcomes

    contacted, not_contacted = outcome.detractors_contacted, outcome.detractors_not_contacted
    assert (contacted.windows, contacted.complete, contacted.ordered) == (1, 1, 1)
    assert (not_contacted.windows, not_contacted.complete, not_contacted.ordered) == (1, 1, 0)


def test_a_window_that_has_not_ended_is_not_counted(store, owner):
    set_up_store(store)
    with travel(at(1, 9, month=11)):
        customer = make_customer(store, email="new@example.pl")
        conversation, _m = open_conversation(store, from_email=customer.email)
        services.set_status(conversation=conversation, status="resolved", actor=owner)
    place_order(store, customer, at(2, 9, month=11))

    outcome = report_of(store, since=date(2026, 11, 1), until=date(2026, 11, 30)).outcomes

    assert (outcome.after_conversation.windows, outcome.after_conversation.complete) == (1, 0)
    assert outcome.after_conversation.share is None
    assert outcome.baseline.complete == 0


# Tenancy


def test_another_stores_conversations_and_answers_are_never_counted(store, other_store, week):
    other_owner = make_staff(other_store, email="owner@other.test")
    set_up_store(other_store)
    make_survey(other_store, kind="csat", trigger="helpdesk_resolved")
    make_customer(other_store, email="ania@example.pl")
    with travel(at(30, 10)):
        theirs, _m = open_conversation(other_store, from_email="ania@example.pl")
        services.set_tags(conversation=theirs, names=["refund"], actor=other_owner)
        services.reply(conversation=theirs, author=other_owner, text="Hello")
        services.set_status(conversation=theirs, status="resolved", actor=other_owner)
    invitation = Invitation.objects.get(store=other_store)
    answer(invitation, 1, at(30, 16))

    report = report_of(store)

    assert report.summary.created == 3 and report.summary.resolved == 3
    assert report.tags == [("refund", 2), ("vip", 1)]
    assert sum(row.answers for row in report.csat_agents) == 2
    assert other_owner.pk not in {row.agent_id for row in report.agents}


# The page and its CSV


def page(client, **params):
    return client.get(reverse("helpdesk:reports"), params)


def test_agents_can_read_the_reports_and_download_their_tables(store, week, agent_client):
    with travel(at(1, 12, month=12)):
        response = page(agent_client, since="2026-11-23", until="2026-11-30")
        download = agent_client.get(
            reverse("helpdesk:report-csv", args=["channels"]), {"since": "2026-11-23", "until": "2026-11-30"}
        )

    assert response.status_code == 200
    text = response.content.decode()
    assert "Agent performance" in text and "No SLA policies." in text
    assert download.status_code == 200
    assert (
        download["Content-Disposition"]
        == 'attachment; filename="helpdesk-channels-2026-11-23-2026-11-30.csv"'
    )
    body = b"".join(download.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows == [["Channel", "Conversations"], ["Email", "2"], ["Contact form", "1"]]


def test_the_agents_csv_has_a_row_per_agent_and_period_with_minutes(store, week, agent):
    report = report_of(store)
    head, rows = build_table(report, "agents")

    assert head[0] == "Period starting" and len(head) == 5
    assert ["2026-11-30", agent.email, 2, 1, 120.0] in rows
    summary = dict((row[0], row[1]) for row in build_table(report, "summary")[1])
    assert summary["Median first response (business minutes)"] == 30.0
    assert summary["Reopen rate (%)"] == 33.3


def test_a_store_without_conversations_sees_an_empty_state(store, staff_client):
    response = page(staff_client, days="7")

    assert response.status_code == 200
    text = response.content.decode()
    assert "No conversations in these days" in text
    assert "No SLA policies." in text


def test_another_stores_team_and_unknown_tables_are_refused(store, other_store, staff_client):
    theirs = Team.objects.create(store=other_store, name="Theirs")

    assert page(staff_client, team=str(theirs.pk)).status_code == 400
    assert staff_client.get(reverse("helpdesk:report-csv", args=["secrets"])).status_code == 404
    assert page(staff_client, since="2026-11-30", until="2026-11-01").status_code == 400


def test_the_reports_need_a_member_of_the_store(store):
    response = Client().get(reverse("helpdesk:reports"))
    assert response.status_code == 302


def test_durations_read_in_the_page_language_with_persian_digits():
    assert duration_text(45 * 60) == "45 min"
    assert duration_text(5400) == "1.5 h"
    with translation.override("fa"):
        assert "۴۵" in duration_text(45 * 60)
    assert duration_text(None) == "—"


def test_a_big_period_measures_an_even_sample_and_says_so(store, week, staff_client, monkeypatch):
    from cxloop.helpdesk.reports import figures

    monkeypatch.setattr(figures, "SAMPLE_CAP", 2)
    summary = report_of(store).summary

    assert summary.first_response.total == 3
    assert 0 < summary.first_response.measured < 3 and summary.first_response.is_sampled
    with travel(at(1, 12, month=12)):
        text = page(staff_client, since="2026-11-23", until="2026-11-30").content.decode()
    assert "computed on an even sample of" in text


def test_a_conversation_the_customer_reopened_stays_in_the_backlog(store, week):
    with travel(at(1, 9, month=12)):
        customer_writes(store, week["a"], text="One more thing.")

    backlog = build_report(period(store, until=date(2026, 12, 1)), now=at(1, 12, month=12)).backlog

    assert backlog[-1] == (date(2026, 12, 1), 1)


def test_a_conversation_opened_years_before_it_was_resolved_is_still_measured_exactly():
    hours = BusinessHours.from_json({"zone": "Europe/Warsaw", "week": WEEKDAYS_9_TO_5})
    old, recent = (at(2, 9, month=1) - timedelta(days=4 * 365), at(2, 12, month=1)), (at(27, 16), at(30, 10))
    clock = clock_for(hours, [old, recent])

    assert clock.seconds_between(*recent) == 2 * 3600
    assert clock.seconds_between(*old) == business_time_between(hours, *old).total_seconds()


def test_a_tag_that_looks_like_a_formula_stays_text_in_the_csv(store, week, owner, staff_client):
    services.set_tags(conversation=week["c"], names=['=HYPERLINK("http://x")'], actor=owner)

    with travel(at(1, 12, month=12)):
        download = staff_client.get(
            reverse("helpdesk:report-csv", args=["tags"]), {"since": "2026-11-23", "until": "2026-11-30"}
        )

    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode("utf-8-sig"))))
    assert ['\'=HYPERLINK("http://x")', "1"] in rows
