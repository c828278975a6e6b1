"""A Persian reader types the reports' days and a snooze time in Solar Hijri; the rest stays Gregorian."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from cxloop.helpdesk.models import Conversation

from .factories import open_conversation

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)  # 00:30 on 30 Aban 1405 (21 November) in Tehran
PAGE = reverse("helpdesk:reports")
PARTIAL = {"HX-Request": "true", "HX-Target": "report-results"}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def tehran(store):
    store.timezone = "Asia/Tehran"
    store.save(update_fields=["timezone"])
    return store


def persian(client):
    client.cookies["django_language"] = "fa"
    return client


def test_typed_solar_hijri_days_are_the_report_of_the_same_iso_days(tehran, agent_client):
    # given one conversation just before and one just after midnight in Tehran
    with time_machine.travel(datetime(2026, 11, 20, 20, 15, tzinfo=UTC), tick=False):
        open_conversation(tehran)  # 23:45 on 29 Aban
    open_conversation(tehran)  # 00:30 on 30 Aban
    persian(agent_client)

    # when the reader types 30 Aban for both days, with the form's other fields
    query = {"jsince": "۱۴۰۵/۰۸/۳۰", "juntil": "1405-8-30", "team": "", "channel": "", "per": "week"}
    answer = agent_client.get(PAGE, query)

    # then the address asks for the same days as ISO days, and keeps the other fields
    assert answer.status_code == 302
    assert answer["Location"] == f"{PAGE}?team=&channel=&per=week&since=2026-11-21&until=2026-11-21"
    typed = agent_client.get(answer["Location"], headers=PARTIAL).content.decode()
    same = {"team": "", "channel": "", "per": "week", "since": "2026-11-21", "until": "2026-11-21"}
    iso = agent_client.get(PAGE, same, headers=PARTIAL)
    assert typed == iso.content.decode()
    assert "۳۰ آبان ۱۴۰۵ – ۳۰ آبان ۱۴۰۵ (Asia/Tehran)" in typed


def test_the_report_form_shows_its_days_in_solar_hijri_with_an_example(tehran, agent_client):
    html = persian(agent_client).get(PAGE, {"since": "2026-11-08", "until": "2026-11-21"}).content.decode()

    assert 'id="report-since" name="jsince" value="۱۴۰۵/۰۸/۱۷" placeholder="۱۴۰۵/۰۸/۳۰" dir="ltr"' in html
    assert 'name="juntil" value="۱۴۰۵/۰۸/۳۰"' in html and 'type="date"' not in html
    assert 'aria-describedby="report-days-hint"' in html
    assert '<span id="report-days-hint" class="visually-hidden">تاریخ هجری شمسی: سال/ماه/روز</span>' in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"jsince": "۱۴۰۵/۱۳/۰۱", "juntil": ""}, "«از»: تقویم هجری شمسی روز ۱۴۰۵/۱۳/۰۱ را ندارد."),
        ({"jsince": "1404/12/30", "juntil": "1405/01/10"}, "«از»: تقویم هجری شمسی روز ۱۴۰۴/۱۲/۳۰ را ندارد."),
        ({"jsince": "", "juntil": "آبان ۳۰"}, "«تا» را به شکل تاریخ هجری شمسی بنویسید، مانند ۱۴۰۵/۰۸/۳۰."),
    ],
)
def test_a_bad_solar_hijri_day_is_400_naming_the_field(tehran, agent_client, query, message):
    answer = persian(agent_client).get(PAGE, query)

    assert answer.status_code == 400
    html = answer.content.decode()
    assert f"<p>{message}</p>" in html
    typed = query["jsince"] or query["juntil"]
    assert f'value="{typed}"' in html  # shown as typed, to correct


def test_other_readers_keep_the_date_inputs(tehran, agent_client):
    english = agent_client.get(PAGE, {"since": "2026-11-08", "until": "2026-11-21"}).content.decode()
    persian(agent_client).cookies["cxloop_calendar"] = "gregorian"
    gregorian = agent_client.get(PAGE, {"since": "2026-11-08", "until": "2026-11-21"}).content.decode()

    for html in (english, gregorian):
        assert '<input type="date" id="report-since" name="since" value="2026-11-08">' in html
        assert "jsince" not in html


# Snoozing a conversation


def snooze(client, conversation, **fields):
    return client.post(reverse("helpdesk:status", args=[conversation.pk]), {"status": "snoozed", **fields})


def test_a_typed_solar_hijri_snooze_is_the_same_time_as_the_date_input_in_the_store_zone(
    tehran, agent_client
):
    typed, _message = open_conversation(tehran)
    iso, _message = open_conversation(tehran)

    answer = snooze(persian(agent_client), typed, jsnoozed_until="۱۴۰۵/۰۹/۰۱ ۰۰:۱۵")
    agent_client.cookies["django_language"] = "en"
    snooze(agent_client, iso, snoozed_until="2026-11-22T00:15")

    assert answer.status_code == 302
    typed.refresh_from_db()
    iso.refresh_from_db()
    assert typed.status == iso.status == Conversation.Status.SNOOZED
    assert (
        typed.snoozed_until
        == iso.snoozed_until
        == datetime(2026, 11, 22, 0, 15, tzinfo=ZoneInfo("Asia/Tehran"))
    )
    assert typed.snoozed_until == datetime(2026, 11, 21, 20, 45, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("۱۴۰۴/۱۲/۳۰ ۰۹:۰۰", "«تعویق تا»: تقویم هجری شمسی روز ۱۴۰۴/۱۲/۳۰ را ندارد."),
        (
            "۱۴۰۵/۰۹/۰۱ ۲۵:۰۰",
            "«تعویق تا» را به شکل تاریخ و ساعت هجری شمسی بنویسید، مانند ۱۴۰۵/۰۹/۰۱ ۰۹:۰۰.",
        ),
        ("۱۴۰۵/۰۹/۰۱", "«تعویق تا» را به شکل تاریخ و ساعت هجری شمسی بنویسید، مانند ۱۴۰۵/۰۹/۰۱ ۰۹:۰۰."),
    ],
)
def test_a_bad_solar_hijri_snooze_is_422_naming_the_field_and_changes_nothing(
    tehran, agent_client, typed, message
):
    conversation, _message = open_conversation(tehran)

    answer = snooze(persian(agent_client), conversation, jsnoozed_until=typed)

    assert answer.status_code == 422
    html = answer.content.decode()
    assert message in html
    # what was typed comes back in the field, marked, to be corrected rather than typed again
    assert 'name="jsnoozed_until" placeholder="۱۴۰۵/۰۹/۰۱ ۰۹:۰۰" dir="ltr" autocomplete="off" ' in html
    assert f'aria-describedby="snooze-hint" required value="{typed}" aria-invalid="true">' in html
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.OPEN and conversation.snoozed_until is None


def test_a_snooze_time_in_the_past_comes_back_as_typed_in_the_date_input(tehran, agent_client):
    conversation, _message = open_conversation(tehran)

    answer = snooze(agent_client, conversation, snoozed_until="2020-01-02T03:04")

    assert answer.status_code == 422
    html = answer.content.decode()
    assert "Choose a time in the future to snooze until." in html
    assert (
        '<input type="datetime-local" id="snooze-until" name="snoozed_until" required '
        'value="2020-01-02T03:04" aria-invalid="true">' in html
    )
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.OPEN and conversation.snoozed_until is None


def test_the_snooze_input_is_solar_hijri_text_for_a_persian_reader_only(tehran, agent_client):
    conversation, _message = open_conversation(tehran)
    url = reverse("helpdesk:conversation", args=[conversation.pk])

    english = agent_client.get(url).content.decode()
    html = persian(agent_client).get(url).content.decode()

    assert '<input type="datetime-local" id="snooze-until" name="snoozed_until" required>' in english
    assert "jsnoozed_until" not in english
    assert (
        'id="snooze-until" name="jsnoozed_until" placeholder="۱۴۰۵/۰۹/۰۱ ۰۹:۰۰" dir="ltr" autocomplete="off" '
        'aria-describedby="snooze-hint" required>' in html
    )
    assert "تاریخ و ساعت هجری شمسی: سال/ماه/روز ساعت:دقیقه" in html
