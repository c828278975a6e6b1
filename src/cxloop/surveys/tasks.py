"""Background entry points of surveys: load by id, call one service. Each is safe to run twice."""

import logging
import smtplib
from collections import Counter
from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from cxloop.core import workers
from cxloop.core.models import Store

from . import services
from .models import Response

logger = logging.getLogger(__name__)


@task()
def send_invitation_task(invitation_id: int) -> str:
    """Email one invitation (skipped if already sent or no longer queued).

    Run again after its worker was lost mid-send, it sends the interrupted
    invitation again (at least once: see services.delivery).
    """
    take_over = workers.resumed_after_lost_worker()
    return services.deliver_invitation(invitation_id=invitation_id, take_over=take_over)


@task()
def send_invitations_task(invitation_ids: list[int]) -> dict[str, int]:
    """Email a batch of invitations (services.batches); returns how many ended in each status.

    Safe to run twice and on two workers at once: each invitation is sent by
    one run only. Run again after its worker was lost mid-send, it sends the
    interrupted invitations again (at least once).
    """
    take_over = workers.resumed_after_lost_worker()
    statuses = services.deliver_invitations(invitation_ids=invitation_ids, take_over=take_over)
    return dict(Counter(statuses.values()))


@task()
def schedule_order_invitations_task() -> int:
    """Periodic: invite customers whose order was placed or fulfilled a survey's delay ago."""
    return sum(services.schedule_order_invitations(store=store) for store in Store.objects.all())


@task()
def requeue_stranded_sends_task() -> int:
    """Periodic: queue the invitations, manual sends, low-score follow-ups, comment analyses no task will do.

    (A process died between committing the work and enqueuing its task.)
    """
    from .services.followup import requeue_stranded_low_scores, requeue_unanalysed_comments
    from .services.sends import resume_stranded_sends

    return (
        services.requeue_stranded_invitations()
        + resume_stranded_sends()
        + requeue_stranded_low_scores()
        + requeue_unanalysed_comments()
    )


@task()
def handle_low_score_task(response_id: int) -> bool:
    """Apply the survey's low-score rule to a response (once)."""
    response = (
        Response.objects.select_related("survey", "survey__store", "customer").filter(pk=response_id).first()
    )
    if response is None:
        return False
    return services.follow_up_low_score(response=response)


@task()
def analyse_comment_task(response_id: int) -> str:
    """Detect the language of a response's comment."""
    from cxloop.core.language_detection import detect_language

    response = Response.objects.filter(pk=response_id).first()
    if response is None or not response.comment:
        return ""
    language = detect_language(response.comment, hint=response.language)
    Response.objects.filter(pk=response_id, comment=response.comment).update(comment_language=language)
    return language


@task()
def notify_staff_of_low_score_task(response_id: int, attempt: int = 1) -> int:
    """Email the staff the survey names about a low score; returns how many were told.

    When the SMTP server fails, the task comes back later (`services.delivery.RETRY_DELAYS`)
    for the people not told yet.
    """
    response = (
        Response.objects.select_related("survey", "survey__store", "customer").filter(pk=response_id).first()
    )
    if response is None:
        return 0
    try:
        return services.delivery.notify_staff_of_low_score(response=response)
    except (smtplib.SMTPException, OSError) as error:
        delays = services.delivery.RETRY_DELAYS
        if attempt > len(delays):
            logger.error(
                "Low-score alert for response %s not sent after %s tries: %s", response_id, attempt, error
            )
            return 0
        logger.warning("Low-score alert for response %s failed (try %s): %s", response_id, attempt, error)
        run_after = timezone.now() + timedelta(seconds=delays[attempt - 1])
        notify_staff_of_low_score_task.using(run_after=run_after).enqueue(response_id, attempt + 1)
        return 0


@task()
def run_manual_send_task(send_id: int) -> int:
    """Invite the customers of a staff member's send (resumes where a previous run stopped)."""
    from .services.sends import run_manual_send

    send = run_manual_send(send_id=send_id)
    return send.processed if send is not None else 0
