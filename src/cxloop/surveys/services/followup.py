"""Closing the loop on a low score: tag the customer, emit an event, tell the chosen staff."""

from django.db import transaction
from django.utils import timezone

from cxloop.commerce import services as commerce_services

from ..models import Response
from ..scoring import Band

LOW_SCORE_EVENT = "survey_low_score"


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
    if survey.notify_user_ids:
        from ..tasks import notify_staff_of_low_score_task

        response_id = response.pk
        transaction.on_commit(lambda: notify_staff_of_low_score_task.enqueue(response_id))
    return True
