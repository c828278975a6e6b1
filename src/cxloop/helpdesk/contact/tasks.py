"""Background entry points of the contact form: load by id, call one service. Safe to run twice."""

from django_tasks import task

from cxloop.core import workers

from . import services


@task()
def send_acknowledgement_task(message_id: int) -> str:
    """Email the acknowledgement of a contact-form message (once; see services.deliver_acknowledgement).

    Run again after its worker was lost mid-send, it sends the interrupted message again (at least once).
    """
    take_over = workers.resumed_after_lost_worker()
    return services.deliver_acknowledgement(message_id=message_id, take_over=take_over)


@task()
def requeue_stranded_acknowledgements_task() -> int:
    """Periodic: queue the acknowledgements no task will send (a process died before or while sending)."""
    return services.requeue_stranded_acknowledgements()
