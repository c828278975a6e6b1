"""Background entry points of the store mirror: load by id, call the verb."""

from django_tasks import task

from .integrations import ecwid


@task()
def fetch_ecwid_event_task(delivery_id: int) -> None:
    """Fetch the order or customer a pending Ecwid event points at, and apply it.

    Safe to run twice: a delivery that is no longer pending is left alone.
    """
    ecwid.process_event(delivery_id)
