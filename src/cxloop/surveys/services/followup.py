"""After an answer: close the loop on a low score (tag the customer, emit an event, tell the
chosen staff), and sweep up the follow-up tasks that never reached the queue."""

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from django.db import transaction
from django.utils import timezone

from cxloop.commerce import services as commerce_services
from cxloop.core import workers

from ..models import Response
from ..scoring import Band

LOW_SCORE_EVENT = "survey_low_score"
STRANDED_WINDOW = timedelta(days=2)  # older low scores are not followed up late: the moment has passed

_low_score_listeners: list[Callable[[int], object]] = []


def register_low_score_listener(listener: Callable[[int], object]) -> None:
    """Call `listener(response_id)` after commit each time a low score is followed up (once per answer).

    Other apps register in their `AppConfig.ready()` (the help desk runs its
    "low survey score" rules); a listener that raises is logged, never undoes the follow-up.
    """
    if listener not in _low_score_listeners:
        _low_score_listeners.append(listener)


@transaction.atomic
def follow_up_low_score(*, response: Response) -> bool:
    """Apply the survey's low-score rule to a response once; return whether it ran now.

    Runs at most once per response even if the task runs twice or the
    customer changes a low score to another low score: the first run stamps
    `low_score_handled_at`. The `survey_low_score` event (id
    `survey-low-score-<response id>`) is what the help desk and flows listen to.
    """
    now = timezone.now()
    claimed = Response.objects.filter(
        pk=response.pk, band=Band.LOW, low_score_handled_at__isnull=True
    ).update(low_score_handled_at=now)
    if not claimed:
        return False
    response.low_score_handled_at = now
    survey = response.survey
    customer = response.customer
    if customer is not None and survey.low_score_tag:
        commerce_services.tag_customer(customer=customer, tag=survey.low_score_tag)
    commerce_services.record_system_event(
        store=survey.store,
        customer=customer,
        type=LOW_SCORE_EVENT,
        event_id=f"survey-low-score-{response.pk}",
        properties={
            "survey_id": survey.pk,
            "response_id": response.pk,
            "kind": survey.kind,
            "score": response.score,
        },
        occurred_at=now,
    )
    for listener in _low_score_listeners:
        transaction.on_commit(partial(listener, response.pk), robust=True)
    if survey.notify_user_ids:
        from ..tasks import notify_staff_of_low_score_task

        response_id = response.pk
        transaction.on_commit(lambda: notify_staff_of_low_score_task.enqueue(response_id))
    return True


def requeue_stranded_low_scores(*, now: datetime | None = None) -> int:
    """Queue the low-score follow-ups and staff alerts whose task never reached the queue.

    A low score recorded (or followed up) by a process that died before
    enqueuing the next task has no copy of that task in the queue's table at
    all: it gets one. Only scores of the last STRANDED_WINDOW count, and only
    once they have waited settings.CXLOOP_STRANDED_AFTER_SECONDS. Safe to run
    twice: the follow-up runs once per response, and an alert goes only to
    the people not told yet.
    """
    from ..tasks import handle_low_score_task, notify_staff_of_low_score_task

    now = now or timezone.now()
    before, since = workers.stranded_before(now), now - STRANDED_WINDOW
    handled = workers.enqueued_task_args(handle_low_score_task)
    alerted = workers.enqueued_task_args(notify_staff_of_low_score_task)
    unhandled = Response.objects.filter(
        band=Band.LOW,
        survey__low_score_rule=True,
        low_score_handled_at__isnull=True,
        updated_at__lt=before,
        updated_at__gte=since,
    ).exclude(pk__in=handled)
    unalerted = (
        Response.objects.filter(low_score_handled_at__lt=before, low_score_handled_at__gte=since)
        .exclude(survey__notify_user_ids=[])
        .exclude(pk__in=alerted)
    )
    count = 0
    for response_id in unhandled.values_list("pk", flat=True):
        handle_low_score_task.enqueue(response_id)
        count += 1
    for response_id in unalerted.values_list("pk", flat=True):
        notify_staff_of_low_score_task.enqueue(response_id)
        count += 1
    return count


def requeue_unanalysed_comments(*, now: datetime | None = None) -> int:
    """Queue the comment analysis (language detection) of comments whose task never reached the queue.

    A comment committed by a process that died before enqueuing its analysis
    keeps no language for ever. A comment of the last STRANDED_WINDOW, with no
    language, waiting settings.CXLOOP_STRANDED_AFTER_SECONDS since it was last
    written, and with no analysis task enqueued since then (a comment whose
    language could not be told has one, finished), gets a task. Safe to run
    twice: the analysis only writes the language of the comment it read.
    """
    from django_tasks_db.models import DBTaskResult

    from ..tasks import analyse_comment_task

    now = now or timezone.now()
    before, since = workers.stranded_before(now), now - STRANDED_WINDOW
    candidates = Response.objects.filter(
        updated_at__lt=before, updated_at__gte=since, comment_language=""
    ).exclude(comment="")
    last_enqueued: dict = {}
    rows = DBTaskResult.objects.filter(task_path=analyse_comment_task.module_path, enqueued_at__gte=since)
    for args, enqueued_at in rows.values_list("args_kwargs", "enqueued_at"):
        if args.get("args"):
            response_id = args["args"][0]
            last_enqueued[response_id] = max(enqueued_at, last_enqueued.get(response_id, enqueued_at))
    count = 0
    for response_id, updated_at in candidates.values_list("pk", "updated_at"):
        enqueued_at = last_enqueued.get(response_id)
        if enqueued_at is not None and enqueued_at >= updated_at:
            continue  # queued, running or done for this version of the comment
        analyse_comment_task.enqueue(response_id)
        count += 1
    return count
