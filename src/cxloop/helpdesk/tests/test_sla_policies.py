"""SLA policies on conversations: which applies, when targets are due, pauses, breaches recorded once."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError

from cxloop.helpdesk import sla
from cxloop.helpdesk.models import Activity, Channel, Conversation, SlaBreach, SlaPolicy
from cxloop.helpdesk.services import conversations as services
from cxloop.helpdesk.services import desk
from cxloop.helpdesk.services.sla import (
    conversations_about_to_breach,
    matching_policy,
    record_breaches,
    save_policy,
    update_sla,
)
from cxloop.helpdesk.tasks import record_sla_breaches_task

from .factories import customer_writes, open_conversation

pytestmark = pytest.mark.django_db

WEEKDAYS_9_TO_5 = {"week": {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}}


def warsaw(*args) -> datetime:
    """A Warsaw wall-clock time, as an aware datetime."""
    from zoneinfo import ZoneInfo

    return datetime(*args, tzinfo=ZoneInfo("Europe/Warsaw"))


@pytest.fixture
def warsaw_store(store):
    store.timezone = "Europe/Warsaw"
    store.save(update_fields=["timezone"])
    settings = desk.settings_for(store)
    settings.business_hours = WEEKDAYS_9_TO_5
    settings.save()
    return store


def policy(store, name="Standard", **fields) -> SlaPolicy:
    return SlaPolicy.objects.create(store=store, name=name, **fields)


def opened_at(time_machine, store, moment, **fields) -> Conversation:
    time_machine.move_to(moment, tick=False)
    conversation, _message = open_conversation(store, **fields)
    return conversation


# Which policy applies


@pytest.mark.parametrize(
    ("priority", "channel", "expected"),
    [
        ("urgent", Channel.EMAIL, "Urgent email"),
        ("urgent", Channel.CHAT, "Urgent"),
        ("normal", Channel.EMAIL, "Everything else"),
        ("low", Channel.FORM, "Everything else"),
    ],
)
def test_the_first_enabled_policy_by_position_that_fits_applies(store, priority, channel, expected):
    policy(store, "Everything else", position=30, first_response_minutes=480)
    policy(store, "Urgent", position=20, priority="urgent", first_response_minutes=60)
    policy(store, "Urgent email", position=10, priority="urgent", channel="email", first_response_minutes=30)
    policy(store, "Switched off", position=0, enabled=False, first_response_minutes=5)

    conversation = Conversation(store=store, priority=priority, channel=channel)

    assert matching_policy(conversation).name == expected


def test_a_conversation_no_policy_fits_has_no_due_times(store):
    policy(store, "Urgent only", priority="urgent", first_response_minutes=60)

    conversation, _message = open_conversation(store)

    conversation.refresh_from_db()
    assert conversation.sla_policy is None
    assert (conversation.first_response_due_at, conversation.sla_due_at, conversation.sla_breached) == (
        None, None, False,
    )  # fmt: skip


def test_changing_the_priority_applies_the_policy_of_the_new_priority(store, owner, time_machine):
    policy(store, "Urgent", position=1, priority="urgent", first_response_minutes=30)
    policy(store, "Normal", position=2, first_response_minutes=600)
    conversation = opened_at(time_machine, store, datetime(2026, 12, 7, 8, tzinfo=UTC))
    assert conversation.sla_policy.name == "Normal"

    services.set_priority(conversation=conversation, priority="urgent", actor=owner)

    conversation.refresh_from_db()
    assert conversation.sla_policy.name == "Urgent"
    assert conversation.first_response_due_at == datetime(2026, 12, 7, 8, 30, tzinfo=UTC)


# Due times in business hours


def test_a_first_response_due_after_closing_on_friday_is_due_on_monday(warsaw_store, time_machine):
    policy(warsaw_store, first_response_minutes=4 * 60)

    conversation = opened_at(time_machine, warsaw_store, warsaw(2026, 12, 4, 15))  # Friday 15:00

    conversation.refresh_from_db()
    assert conversation.first_response_due_at == warsaw(2026, 12, 7, 11)  # Monday 11:00
    assert conversation.sla_due_at == warsaw(2026, 12, 7, 11)


def test_due_times_follow_the_clocks_going_back_over_the_weekend(warsaw_store, time_machine):
    policy(warsaw_store, first_response_minutes=4 * 60)

    # Friday 23 October 2026 15:00 CEST; Warsaw goes back to CET on Sunday the 25th.
    conversation = opened_at(time_machine, warsaw_store, warsaw(2026, 10, 23, 15))

    conversation.refresh_from_db()
    assert conversation.first_response_due_at == datetime(2026, 10, 26, 10, tzinfo=UTC)  # Monday 11:00 CET


def test_a_reply_meets_the_first_response_and_starts_nothing_until_the_customer_writes(
    warsaw_store, owner, time_machine
):
    policy(warsaw_store, first_response_minutes=120, next_response_minutes=60)
    conversation = opened_at(time_machine, warsaw_store, warsaw(2026, 12, 7, 9))
    time_machine.move_to(warsaw(2026, 12, 7, 10), tick=False)
    services.reply(conversation=conversation, author=owner, text="We are on it.")
    conversation.refresh_from_db()
    assert (conversation.first_response_due_at, conversation.next_response_due_at) == (None, None)
    assert conversation.sla_due_at is None

    time_machine.move_to(warsaw(2026, 12, 7, 16, 30), tick=False)
    customer_writes(warsaw_store, conversation, text="Any news?")
    time_machine.move_to(warsaw(2026, 12, 7, 16, 45), tick=False)
    customer_writes(warsaw_store, conversation, text="Hello?")

    conversation.refresh_from_db()
    # Counted from the first unanswered message: 30 minutes on Monday, 30 on Tuesday.
    assert conversation.next_response_due_at == warsaw(2026, 12, 8, 9, 30)
    assert conversation.sla_breached is False


# Pauses


def test_pending_pauses_the_resolution_clock_until_the_customer_writes_again(
    warsaw_store, owner, time_machine
):
    policy(warsaw_store, resolution_minutes=8 * 60)
    conversation = opened_at(time_machine, warsaw_store, warsaw(2026, 12, 7, 9))
    assert conversation.resolution_due_at == warsaw(2026, 12, 7, 17)

    time_machine.move_to(warsaw(2026, 12, 7, 11), tick=False)
    services.set_status(conversation=conversation, status="pending", actor=owner)
    conversation.refresh_from_db()
    assert (conversation.resolution_due_at, conversation.sla_due_at) == (None, None)

    time_machine.move_to(warsaw(2026, 12, 8, 10), tick=False)
    customer_writes(warsaw_store, conversation, text="Here is the photo.")

    conversation.refresh_from_db()
    assert conversation.status == "open"
    assert conversation.resolution_due_at == warsaw(2026, 12, 8, 16)  # 2 h used, 6 h left from 10:00


def test_snoozed_time_does_not_count_and_the_pauses_come_from_status_activities(
    warsaw_store, owner, time_machine
):
    policy(warsaw_store, resolution_minutes=4 * 60)
    conversation = opened_at(time_machine, warsaw_store, warsaw(2026, 12, 7, 9))
    time_machine.move_to(warsaw(2026, 12, 7, 10), tick=False)
    services.set_status(
        conversation=conversation, status="snoozed", actor=owner, snoozed_until=warsaw(2026, 12, 7, 14)
    )
    time_machine.move_to(warsaw(2026, 12, 7, 14), tick=False)
    assert services.wake_snoozed() == 1

    conversation.refresh_from_db()
    assert conversation.resolution_due_at == warsaw(2026, 12, 7, 17)  # 1 h before, 3 h from 14:00


# Breaches


def test_a_breach_is_recorded_once_even_when_the_sweep_runs_twice(warsaw_store, time_machine, task_worker):
    policy(warsaw_store, "Fast", first_response_minutes=60)
    conversation = opened_at(time_machine, warsaw_store, warsaw(2026, 12, 7, 9))
    time_machine.move_to(warsaw(2026, 12, 7, 10, 30), tick=False)

    record_sla_breaches_task.enqueue()
    task_worker.run_ready()
    record_sla_breaches_task.enqueue()
    task_worker.run_ready()

    breach = SlaBreach.objects.get(conversation=conversation)
    assert (breach.target, breach.due_at, breach.policy.name) == (
        sla.FIRST_RESPONSE, warsaw(2026, 12, 7, 10), "Fast",
    )  # fmt: skip
    activity = Activity.objects.get(conversation=conversation, kind=Activity.Kind.SLA)
    assert activity.data["target"] == sla.FIRST_RESPONSE
    conversation.refresh_from_db()
    assert conversation.sla_breached is True
    assert conversation.sla_due_at is None  # nothing else left to watch


def test_a_sweep_cut_off_after_recording_finishes_the_conversation_without_a_second_breach(
    warsaw_store, time_machine
):
    policy(warsaw_store, first_response_minutes=60)
    conversation = opened_at(time_machine, warsaw_store, warsaw(2026, 12, 7, 9))
    time_machine.move_to(warsaw(2026, 12, 7, 10, 30), tick=False)
    assert record_breaches() == 1
    # As if the conversation's fields had never been written.
    Conversation.objects.filter(pk=conversation.pk).update(
        sla_breached=False, sla_due_at=warsaw(2026, 12, 7, 10), first_response_due_at=warsaw(2026, 12, 7, 10)
    )

    assert record_breaches() == 1

    assert SlaBreach.objects.filter(conversation=conversation).count() == 1
    assert Activity.objects.filter(conversation=conversation, kind=Activity.Kind.SLA).count() == 1
    conversation.refresh_from_db()
    assert conversation.sla_breached is True


def test_the_database_refuses_a_second_breach_of_the_same_clock(warsaw_store, time_machine):
    policy(warsaw_store, first_response_minutes=60)
    conversation = opened_at(time_machine, warsaw_store, warsaw(2026, 12, 7, 9))
    time_machine.move_to(warsaw(2026, 12, 7, 10, 30), tick=False)
    record_breaches()
    breach = SlaBreach.objects.get(conversation=conversation)

    with pytest.raises(IntegrityError):
        SlaBreach.objects.create(
            store=warsaw_store, conversation=conversation, target=breach.target, started_at=breach.started_at,
            due_at=breach.due_at, recorded_at=breach.recorded_at,
        )  # fmt: skip


def test_a_late_reply_records_the_breach_when_it_is_sent(warsaw_store, owner, time_machine):
    policy(warsaw_store, first_response_minutes=60)
    conversation = opened_at(time_machine, warsaw_store, warsaw(2026, 12, 7, 9))
    time_machine.move_to(warsaw(2026, 12, 7, 11), tick=False)

    services.reply(conversation=conversation, author=owner, text="Sorry for the wait.")

    assert list(SlaBreach.objects.values_list("target", flat=True)) == [sla.FIRST_RESPONSE]
    conversation.refresh_from_db()
    assert conversation.sla_breached is True and conversation.first_response_due_at is None


def test_each_unanswered_message_gets_its_own_next_response_breach(warsaw_store, owner, time_machine):
    policy(warsaw_store, next_response_minutes=30)
    conversation = opened_at(time_machine, warsaw_store, warsaw(2026, 12, 7, 9))
    services.reply(conversation=conversation, author=owner, text="Hello")
    for hour in (10, 12):
        time_machine.move_to(warsaw(2026, 12, 7, hour), tick=False)
        customer_writes(warsaw_store, conversation, text="And?")
        time_machine.move_to(warsaw(2026, 12, 7, hour, 45), tick=False)
        record_breaches()
        record_breaches()
        services.reply(conversation=conversation, author=owner, text="Checking")

    assert sorted(SlaBreach.objects.values_list("due_at", flat=True)) == [
        warsaw(2026, 12, 7, 10, 30), warsaw(2026, 12, 7, 12, 30),
    ]  # fmt: skip


# Policy and hours changes, triggers


def test_a_new_policy_applies_to_open_conversations_in_the_background(store, time_machine, task_worker):
    conversation = opened_at(time_machine, store, datetime(2026, 12, 7, 8, tzinfo=UTC))
    resolved = opened_at(time_machine, store, datetime(2026, 12, 7, 8, tzinfo=UTC))
    Conversation.objects.filter(pk=resolved.pk).update(status="resolved", resolved_at=resolved.created_at)

    with task_worker.committing():
        save_policy(store=store, fields={"name": "All", "first_response_minutes": "90", "enabled": True})
    task_worker.run_ready()

    conversation.refresh_from_db()
    resolved.refresh_from_db()
    assert conversation.first_response_due_at == datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
    assert resolved.sla_policy is None


def test_changing_the_business_hours_moves_open_due_times(store, time_machine, task_worker):
    policy(store, first_response_minutes=60)
    conversation = opened_at(time_machine, store, datetime(2026, 12, 7, 8, tzinfo=UTC))  # Monday, UTC store

    with task_worker.committing():
        desk.save_desk_settings(
            store=store, hours={"week": {"tue": [["10:00", "12:00"]]}}, attachment_retention_months=""
        )
    task_worker.run_ready()

    conversation.refresh_from_db()
    assert conversation.first_response_due_at == datetime(2026, 12, 8, 11, tzinfo=UTC)


def test_conversations_about_to_breach_are_those_due_within_the_window(store, time_machine):
    policy(store, first_response_minutes=60)
    soon = opened_at(time_machine, store, datetime(2026, 12, 7, 8, tzinfo=UTC))
    later = opened_at(time_machine, store, datetime(2026, 12, 7, 8, 40, tzinfo=UTC))
    time_machine.move_to(datetime(2026, 12, 7, 8, 50, tzinfo=UTC), tick=False)

    assert list(conversations_about_to_breach(store, timedelta(minutes=15))) == [soon]
    assert list(conversations_about_to_breach(store, timedelta(hours=1))) == [soon, later]
    time_machine.move_to(datetime(2026, 12, 7, 9, 1, tzinfo=UTC), tick=False)
    assert list(conversations_about_to_breach(store, timedelta(hours=1))) == [later]


def test_resolving_stops_every_clock(store, owner, time_machine):
    policy(store, first_response_minutes=60, resolution_minutes=600)
    conversation = opened_at(time_machine, store, datetime(2026, 12, 7, 8, tzinfo=UTC))

    services.set_status(conversation=conversation, status="resolved", actor=owner)
    update_sla(conversation, now=datetime(2026, 12, 9, tzinfo=UTC))

    conversation.refresh_from_db()
    assert (conversation.sla_due_at, conversation.resolution_due_at, conversation.sla_breached) == (
        None, None, False,
    )  # fmt: skip
