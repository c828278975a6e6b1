"""A comment whose analysis task was lost (worker killed, or never enqueued) is analysed by the sweep."""

from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cxloop.surveys import services, tasks

from .factories import make_customer, make_survey

POLISH = "Paczka przyszła szybko, wszystko dobrze zapakowane, dziękuję bardzo za miłą obsługę."


def answer(task_worker, survey, customer, *, comment: str):
    """Invite the customer (the invitation is sent) and record their answer; its tasks wait in the queue."""
    with task_worker.committing():
        invitation = services.invite_customer(survey=survey, customer=customer)
    task_worker.run_ready()
    with task_worker.committing():
        return services.record_invitation_answer(
            invitation=invitation, answer=services.clean_answer(survey, score=9, comment=comment)
        )


def test_a_comment_whose_analysis_task_was_lost_is_analysed_by_the_sweep(store, task_worker, time_machine):
    # given a committed comment whose analysis task is gone from the queue
    time_machine.move_to(timezone.now(), tick=False)
    response = answer(task_worker, make_survey(store), make_customer(store), comment=POLISH)
    lost = DBTaskResult.objects.filter(task_path=tasks.analyse_comment_task.module_path)
    assert lost.count() == 1
    lost.delete()

    # when the sweep runs at once, then a minute later, its task runs, and the sweep runs again
    early = tasks.requeue_stranded_sends_task.call()
    time_machine.shift(61)
    found = tasks.requeue_stranded_sends_task.call()
    task_worker.run_ready()
    again = tasks.requeue_stranded_sends_task.call()

    # then the comment was analysed, queued once, and only after the grace period
    response.refresh_from_db()
    assert response.comment_language == "pl"
    assert (early, found, again) == (0, 1, 0)


def test_a_comment_whose_language_cannot_be_told_is_analysed_once(store, task_worker, time_machine):
    # given a comment with no language to detect, analysed as usual
    time_machine.move_to(timezone.now(), tick=False)
    response = answer(task_worker, make_survey(store), make_customer(store), comment="👍👍👍 !!!")
    task_worker.run_ready()

    # when the sweep runs a minute later
    time_machine.shift(61)
    found = tasks.requeue_stranded_sends_task.call()

    # then nothing is queued again: the analysis ran for this comment
    response.refresh_from_db()
    assert (response.comment_language, found) == ("", 0)


def test_an_edited_comment_whose_analysis_task_was_lost_is_analysed_again(store, task_worker, time_machine):
    # given a comment analysed once, then changed by the customer, whose new analysis task is lost
    time_machine.move_to(timezone.now(), tick=False)
    survey = make_survey(store)
    with task_worker.committing():
        invitation = services.invite_customer(survey=survey, customer=make_customer(store))
        english = services.clean_answer(survey, score=9, comment="The parcel arrived crushed and late again.")
        response = services.record_invitation_answer(invitation=invitation, answer=english)
    task_worker.run_ready()
    time_machine.shift(5)
    with task_worker.committing():
        polish = services.clean_answer(survey, score=9, comment=POLISH)
        services.record_invitation_answer(invitation=invitation, answer=polish)
    DBTaskResult.objects.filter(task_path=tasks.analyse_comment_task.module_path, status="READY").delete()

    # when the sweep runs a minute later and its task runs
    time_machine.shift(61)
    found = tasks.requeue_stranded_sends_task.call()
    task_worker.run_ready()

    # then the new comment's language is recorded
    response.refresh_from_db()
    assert (found, response.comment_language) == (1, "pl")
