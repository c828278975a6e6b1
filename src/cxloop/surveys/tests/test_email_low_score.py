"""The staff's low-score alert, sent through a real SMTP server."""

import html

import pytest
from django.utils import timezone

from cxloop.core.models import Membership
from cxloop.surveys import services, tasks
from cxloop.surveys.models import Survey
from cxloop.testing.fixtures import make_staff

from .factories import make_customer, make_survey

COMMENT = 'Paczka przyszła zgnieciona <script>alert("x")</script> & <b>nikt</b> nie odpisał.\nDruga linia.'


@pytest.fixture(autouse=True)
def public_address(settings):
    settings.CXLOOP_PUBLIC_URL = "https://cx.example.com"


def answer(task_worker, survey, customer, *, score: int, comment: str = ""):
    """Invite the customer (the invitation is sent) and record their answer; its tasks wait in the queue."""
    with task_worker.committing():
        invitation = services.invite_customer(survey=survey, customer=customer)
    task_worker.run_ready()
    with task_worker.committing():
        return services.record_invitation_answer(
            invitation=invitation, answer=services.clean_answer(survey, score=score, comment=comment)
        )


def test_a_low_score_alerts_the_chosen_current_staff_with_the_comment_escaped_in_html(
    store, other_store, owner, agent, smtp_server, task_worker
):
    # given the survey names the owner, the agent, a member who has left, and (in the database) a stranger
    former = make_staff(store, Membership.Role.AGENT, email="former@sklep-ania.test")
    stranger = make_staff(other_store, email="boss@other-shop.test")
    survey = make_survey(store, notify_user_ids=[owner.pk, agent.pk, former.pk])
    Survey.objects.filter(pk=survey.pk).update(notify_user_ids=[owner.pk, agent.pk, former.pk, stranger.pk])
    survey.refresh_from_db()
    Membership.objects.filter(user=former, store=store).delete()
    customer = make_customer(store, first_name="Ania", last_name="Kowalska")
    response = answer(task_worker, survey, customer, score=3, comment=COMMENT)
    smtp_server.clear()  # the invitation

    # when the worker handles the answer
    task_worker.run_ready()

    # then each current member chosen gets one message of their own
    received = sorted(smtp_server.received, key=lambda item: item.rcpt_tos)
    assert [item.rcpt_tos for item in received] == [["agent@sklep-ania.test"], ["owner@sklep-ania.test"]]
    customer_url = f"https://cx.example.com/customers/{customer.pk}/"
    for item in received:
        message = item.message
        assert message["To"] == item.rcpt_tos[0]
        assert message["Subject"] == 'Low score 3 on "NPS survey"'
        assert message["Message-ID"].startswith(f"<low-score.{response.pk}.")
        text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
        body = message.get_body(("html",)).get_content().replace("\r\n", "\n")
        # the plain part has the comment as written; the HTML part has it escaped, inert
        for expected in ("NPS survey", "Ania Kowalska", "3 / 10", COMMENT, customer_url):
            assert expected in text
        assert html.escape(COMMENT) in body
        assert "<script>" not in body and "<b>nikt</b>" not in body
        assert f'href="{customer_url}"' in body
        assert "Ania Kowalska" in body and "NPS survey" in body


def test_the_alert_is_not_sent_for_a_high_score_or_without_chosen_staff(
    store, owner, smtp_server, task_worker
):
    promoters = make_survey(store, notify_user_ids=[owner.pk])
    nobody_told = make_survey(store, kind="csat")
    answer(task_worker, promoters, make_customer(store, email="a@example.pl"), score=10)
    answer(task_worker, nobody_told, make_customer(store, email="b@example.pl"), score=1)
    smtp_server.clear()

    task_worker.run_ready()

    assert smtp_server.received == []


def test_an_anonymous_answer_links_to_the_survey(store, owner, smtp_server):
    survey = make_survey(store, notify_user_ids=[owner.pk])
    response = services.record_web_answer(
        survey=survey,
        submission_key="k" * 20,
        answer=services.clean_answer(survey, score=0, comment=""),
        language="en",
    )

    assert tasks.notify_staff_of_low_score_task.call(response.pk) == 1

    [message] = smtp_server.messages
    text = message.get_body(("plain",)).get_content()
    assert f"https://cx.example.com/surveys/{survey.pk}/" in text
    assert "Anonymous" in text and "(no comment)" in text


def test_the_alert_goes_once_to_each_person_even_when_the_task_runs_again_after_a_failure(
    store, owner, agent, smtp_server, task_worker, time_machine
):
    time_machine.move_to(timezone.now(), tick=False)
    # given two staff chosen, and a server that takes the first message and refuses the second
    survey = make_survey(store, notify_user_ids=[owner.pk, agent.pk])
    response = answer(task_worker, survey, make_customer(store), score=2)
    smtp_server.clear()
    smtp_server.refuse_next(1, code=451, text="4.3.0 Try again later", after=1)

    # when the worker handles the answer, then the retry a minute later, then the task once more
    task_worker.run_ready()
    first = [item.rcpt_tos for item in smtp_server.received]
    time_machine.shift(60)
    task_worker.run_ready()
    assert tasks.notify_staff_of_low_score_task.call(response.pk) == 0

    # then each person got exactly one message
    received = sorted(item.rcpt_tos[0] for item in smtp_server.received)
    assert len(first) == 1
    assert received == ["agent@sklep-ania.test", "owner@sklep-ania.test"]
    response.refresh_from_db()
    assert sorted(response.notified_user_ids) == sorted([owner.pk, agent.pk])


def test_a_low_score_whose_follow_up_never_reached_the_queue_alerts_the_staff_once(
    store, owner, smtp_server, task_worker, time_machine, django_capture_on_commit_callbacks
):
    from cxloop.surveys.services.followup import requeue_stranded_low_scores

    # given a low score recorded by a process that died before enqueuing its follow-up
    time_machine.move_to(timezone.now(), tick=False)
    survey = make_survey(store, notify_user_ids=[owner.pk])
    customer = make_customer(store)
    with task_worker.committing():
        invitation = services.invite_customer(survey=survey, customer=customer)
    task_worker.run_ready()
    with django_capture_on_commit_callbacks(execute=False):
        low_score = services.clean_answer(survey, score=2)
        services.record_invitation_answer(invitation=invitation, answer=low_score)
    smtp_server.clear()  # the invitation

    # when the sweep runs a minute later, its tasks run, and the sweep runs again
    time_machine.shift(61)
    first = requeue_stranded_low_scores()
    with task_worker.committing():
        task_worker.run_ready()  # the follow-up, which queues the alert on commit
    time_machine.shift(61)
    second = requeue_stranded_low_scores()

    # then the customer was followed up and the owner told, once
    assert (first, second) == (1, 0)
    assert [item.rcpt_tos for item in smtp_server.received] == [["owner@sklep-ania.test"]]


def test_an_alert_whose_task_never_reached_the_queue_is_sent_by_the_sweep(
    store, owner, smtp_server, task_worker, time_machine, django_capture_on_commit_callbacks
):
    from cxloop.surveys.services.followup import requeue_stranded_low_scores

    # given a follow-up that ran, but whose process died before enqueuing the staff alert
    time_machine.move_to(timezone.now(), tick=False)
    survey = make_survey(store, notify_user_ids=[owner.pk])
    response = answer(task_worker, survey, make_customer(store), score=1)
    with django_capture_on_commit_callbacks(execute=False):
        tasks.handle_low_score_task.call(response.pk)
    smtp_server.clear()

    # when the sweep runs a minute later, and again
    time_machine.shift(61)
    found = requeue_stranded_low_scores()
    task_worker.run_ready()
    again = requeue_stranded_low_scores()

    # then the owner is told once
    assert (found, again) == (1, 0)
    assert [item.rcpt_tos for item in smtp_server.received] == [["owner@sklep-ania.test"]]
