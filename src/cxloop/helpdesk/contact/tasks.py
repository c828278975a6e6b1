"""Background entry points of the contact form: load by id, call one service. Safe to run twice."""

from django_tasks import task

from . import services


@task()
def send_acknowledgement_task(message_id: int, language: str) -> str:
    """Email the acknowledgement of a contact-form message (once; see services.deliver_acknowledgement)."""
    return services.deliver_acknowledgement(message_id=message_id, language=language)
