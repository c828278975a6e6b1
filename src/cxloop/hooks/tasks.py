"""Background entry points of outgoing webhooks: load by id, call one service. Each is safe to run twice."""

from django_tasks import task

from cxloop.core import workers

from . import services


@task()
def deliver_webhook_task(delivery_id: int) -> str:
    """Attempt one delivery; a failed attempt queues the next one at its time.

    Run again after its worker was lost mid-request, it sends the same
    delivery again (at least once, same X-Cxloop-Delivery).
    """
    take_over = workers.resumed_after_lost_worker()
    return services.deliver(delivery_id=delivery_id, take_over=take_over)


@task()
def requeue_stranded_deliveries_task() -> int:
    """Periodic: queue deliveries that are due but have no task."""
    return services.requeue_stranded_deliveries()


@task()
def prune_deliveries_task() -> int:
    """Periodic: delete finished deliveries past their keeping time."""
    return services.prune_deliveries()
