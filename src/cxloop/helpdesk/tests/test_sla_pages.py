"""The help-desk settings and SLA policy pages (admins only), and SLA state on the conversation and inbox."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from cxloop.helpdesk.models import Conversation, DeskSettings, SlaPolicy
from cxloop.helpdesk.services import conversations as services
from cxloop.helpdesk.services import desk

from .factories import open_conversation

pytestmark = pytest.mark.django_db

SETTINGS = reverse("helpdesk:settings")
POLICIES = reverse("helpdesk:sla-policy-list")


def hours_form(**changes):
    days = {"mon": "09:00-12:00, 13:00-17:00", "tue": "09:00-17:00", "wed": "", "thu": "",
            "fri": "09:00-15:00", "sat": "", "sun": ""}  # fmt: skip
    return {**days, "holidays": "2026-12-25\n2026-12-26", "attachment_retention_months": "", **changes}


def policy_form(**changes):
    return {"name": "Urgent", "priority": "urgent", "channel": "", "first_response_minutes": "30",
            "next_response_minutes": "", "resolution_minutes": "480", "position": "1", "enabled": "1",
            **changes}  # fmt: skip


# Settings


def test_an_owner_sets_several_intervals_a_day_holidays_and_retention(store, staff_client):
    response = staff_client.post(SETTINGS, hours_form(attachment_retention_months="12"))

    assert response.status_code == 302
    settings = DeskSettings.objects.get(store=store)
    assert settings.business_hours == {
        "week": {"mon": [["09:00", "12:00"], ["13:00", "17:00"]], "tue": [["09:00", "17:00"]],
                 "fri": [["09:00", "15:00"]]},
        "holidays": ["2026-12-25", "2026-12-26"],
    }  # fmt: skip
    assert settings.attachment_retention_months == 12
    page = staff_client.get(SETTINGS).content.decode()
    assert 'value="09:00-12:00, 13:00-17:00"' in page


def test_persian_digits_are_read_and_every_day_empty_means_always_open(store, staff_client):
    staff_client.post(SETTINGS, hours_form(mon="۰۹:۰۰–۱۷:۰۰", attachment_retention_months="۶"))
    settings = DeskSettings.objects.get(store=store)
    assert settings.business_hours["week"]["mon"] == [["09:00", "17:00"]]
    assert settings.attachment_retention_months == 6

    empty = {day: "" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    staff_client.post(SETTINGS, hours_form(**empty, holidays=""))

    settings.refresh_from_db()
    assert (settings.business_hours, settings.attachment_retention_months) == ({}, None)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"mon": "09:00-25:00"}, "hours-mon", "&#x27;25:00&#x27; is not a time like 09:30"),
        ({"tue": "17:00-09:00"}, "hours-tue", "ends at 09:00:00, not after it starts at 17:00:00"),
        ({"fri": "09:00-12:00, 11:00-15:00"}, "hours-fri", "overlaps another interval of the same day"),
        ({"wed": "nine to five"}, "hours-wed", "write each interval like 09:00-17:00"),
        ({"holidays": "2026-12-25\nChristmas"}, "hours-holidays", "is not a date like 2026-12-25"),
        ({"attachment_retention_months": "-3"}, "retention", "Enter a number of months from 1 to 1200"),
    ],
)
def test_bad_settings_are_refused_with_the_error_next_to_the_field(
    store, staff_client, changes, field, message
):
    response = staff_client.post(SETTINGS, hours_form(**changes))

    assert response.status_code == 422
    page = response.content.decode()
    assert f'<p class="field__error" id="{field}-error">' in page
    error = page.split(f'id="{field}-error">')[1].split("</p>")[0]
    assert message in error
    assert DeskSettings.objects.filter(store=store).exclude(business_hours={}).count() == 0


def test_agents_cannot_open_the_settings_or_policy_pages(store, agent_client):
    policy = SlaPolicy.objects.create(store=store, name="Any", first_response_minutes=60)
    for url in (SETTINGS, POLICIES, reverse("helpdesk:sla-policy-detail", args=[policy.pk])):
        assert agent_client.get(url).status_code == 403
        assert agent_client.post(url, policy_form()).status_code == 403
    assert agent_client.post(reverse("helpdesk:sla-policy-delete", args=[policy.pk])).status_code == 403
    assert SlaPolicy.objects.filter(store=store).count() == 1


# Policies


def test_an_admin_adds_changes_and_deletes_a_policy(store, staff_client):
    response = staff_client.post(POLICIES, policy_form())
    assert response.status_code == 302
    policy = SlaPolicy.objects.get(store=store)
    assert (policy.priority, policy.channel, policy.first_response_minutes, policy.next_response_minutes) == (
        "urgent", "", 30, None,
    )  # fmt: skip
    assert "Urgent" in staff_client.get(POLICIES).content.decode()

    detail = reverse("helpdesk:sla-policy-detail", args=[policy.pk])
    staff_client.post(detail, policy_form(name="Urgent chat", channel="chat", enabled=""))
    policy.refresh_from_db()
    assert (policy.name, policy.channel, policy.enabled) == ("Urgent chat", "chat", False)

    staff_client.post(reverse("helpdesk:sla-policy-delete", args=[policy.pk]))
    assert not SlaPolicy.objects.filter(store=store).exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": " "}, "name"),
        ({"priority": "critical"}, "priority"),
        ({"first_response_minutes": "soon"}, "first_response_minutes"),
        ({"resolution_minutes": "0"}, "resolution_minutes"),
        ({"first_response_minutes": "", "resolution_minutes": ""}, "first_response_minutes"),
    ],
)
def test_a_bad_policy_is_refused_naming_the_field(store, staff_client, changes, field):
    response = staff_client.post(POLICIES, policy_form(**changes))

    assert response.status_code == 422
    assert response.context["errors"].keys() == {field}
    assert not SlaPolicy.objects.filter(store=store).exists()


def test_another_stores_policy_is_not_found(store, other_store, staff_client):
    theirs = SlaPolicy.objects.create(store=other_store, name="Theirs", first_response_minutes=60)
    detail = reverse("helpdesk:sla-policy-detail", args=[theirs.pk])

    assert staff_client.get(detail).status_code == 404
    assert staff_client.post(detail, policy_form()).status_code == 404
    assert staff_client.get(reverse("helpdesk:sla-policy-delete", args=[theirs.pk])).status_code == 404
    assert SlaPolicy.objects.get(pk=theirs.pk).name == "Theirs"


# The conversation page and the inbox


@pytest.fixture
def warsaw_hours(store):
    store.timezone = "Europe/Warsaw"
    store.save(update_fields=["timezone"])
    desk.save_desk_settings(
        store=store,
        hours={"week": {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}},
        attachment_retention_months="",
    )
    return store


def test_the_conversation_page_shows_each_target_due_in_the_stores_time_with_business_time_left(
    warsaw_hours, agent_client, time_machine
):
    SlaPolicy.objects.create(
        store=warsaw_hours, name="Standard", first_response_minutes=240, resolution_minutes=960
    )
    time_machine.move_to(datetime(2026, 12, 4, 14, tzinfo=UTC), tick=False)  # Friday 15:00 in Warsaw
    conversation, _m = open_conversation(warsaw_hours)
    time_machine.move_to(datetime(2026, 12, 5, 10, tzinfo=UTC), tick=False)  # Saturday

    response = agent_client.get(reverse("helpdesk:conversation", args=[conversation.pk]))

    rows = response.context["sla_clocks"]
    assert [(row.label, row.remaining.total_seconds() / 3600) for row in rows] == [
        ("First response", 2.0), ("Resolution", 14.0),
    ]  # fmt: skip
    page = response.content.decode()
    assert '<time class="nowrap" datetime="2026-12-07T11:00:00+01:00">Dec 7, 2026, 11:00' in page  # Monday
    assert "2 hr of business time left" in page


def test_in_persian_the_due_time_reads_in_the_jalali_calendar_with_persian_digits(
    warsaw_hours, agent_client, time_machine
):
    SlaPolicy.objects.create(store=warsaw_hours, name="Standard", first_response_minutes=240)
    time_machine.move_to(datetime(2026, 12, 4, 14, tzinfo=UTC), tick=False)
    conversation, _m = open_conversation(warsaw_hours)

    page = agent_client.get(
        reverse("helpdesk:conversation", args=[conversation.pk]), HTTP_ACCEPT_LANGUAGE="fa"
    ).content.decode()

    assert "۱۶ آذر ۱۴۰۵" in page  # 7 December 2026
    assert "۱۱:۰۰" in page


def test_a_breached_target_is_marked_and_a_pending_one_paused(store, owner, agent_client, time_machine):
    SlaPolicy.objects.create(store=store, name="Fast", first_response_minutes=30, resolution_minutes=600)
    time_machine.move_to(datetime(2026, 12, 7, 8, tzinfo=UTC), tick=False)
    conversation, _m = open_conversation(store)
    time_machine.move_to(datetime(2026, 12, 7, 9, tzinfo=UTC), tick=False)
    services.set_status(conversation=conversation, status="pending", actor=owner)

    page = agent_client.get(reverse("helpdesk:conversation", args=[conversation.pk])).content.decode()

    assert 'data-sla-state="breached"' in page and 'data-sla-state="paused"' in page
    assert "9 hr of business time left when it resumes" in page
    assert "SLA target missed: First response" in page  # in the timeline


def numbers(response) -> list[int]:
    return [conversation.number for conversation in response.context["page"].items]


def test_the_inbox_filters_by_sla_state_most_urgent_first_and_says_how_long_is_left(
    store, owner, agent_client, time_machine
):
    SlaPolicy.objects.create(store=store, name="Email", channel="email", first_response_minutes=120)
    time_machine.move_to(datetime(2026, 12, 7, 8, tzinfo=UTC), tick=False)
    late, _m = open_conversation(store, subject="Late")
    time_machine.move_to(datetime(2026, 12, 7, 9, tzinfo=UTC), tick=False)
    soonest, _m = open_conversation(store, subject="Soonest")
    time_machine.move_to(datetime(2026, 12, 7, 9, 30, tzinfo=UTC), tick=False)
    soon, _m = open_conversation(store, subject="Soon")
    time_machine.move_to(datetime(2026, 12, 7, 10, 45, tzinfo=UTC), tick=False)
    fresh, _m = open_conversation(store, subject="Fresh")
    none, _m = open_conversation(store, subject="No policy")
    Conversation.objects.filter(pk=none.pk).update(
        sla_policy=None, sla_due_at=None, first_response_due_at=None
    )
    time_machine.move_to(datetime(2026, 12, 7, 10, 50, tzinfo=UTC), tick=False)
    inbox = reverse("helpdesk:inbox")

    assert numbers(agent_client.get(inbox, {"sla": "breached"})) == [late.number]  # before the sweep ran
    assert numbers(agent_client.get(inbox, {"sla": "due_soon"})) == [soonest.number, soon.number]
    assert numbers(agent_client.get(inbox, {"sla": "on_track"})) == [fresh.number]
    assert numbers(agent_client.get(inbox, {"sla": "none"})) == [none.number]
    page = agent_client.get(inbox).content.decode()
    assert "10 min left" in page and "40 min left" in page and "2 hr left" in page and "breached" in page
