"""Background entry points of segments: load by id, call the verb."""

from django_tasks import task

from cxloop.core.models import Store

from .services import predictions


@task()
def refresh_predictions_task(store_id: int) -> str:
    """Refit one store's models and rewrite its customers' predictions; the run's status."""
    store = Store.objects.filter(pk=store_id).first()
    if store is None:
        return "no such store"
    return predictions.refresh_predictions(store).status


@task()
def refresh_all_predictions_task() -> int:
    """Periodic: queue a refresh for every store; how many were queued."""
    ids = list(Store.objects.values_list("pk", flat=True))
    for store_id in ids:
        refresh_predictions_task.enqueue(store_id)
    return len(ids)


@task()
def count_segments_task(store_id: int) -> int:
    """Count one store's segments (member_count and today's history row); how many were counted."""
    from .services.segments import count_all_segments

    store = Store.objects.filter(pk=store_id).first()
    return 0 if store is None else count_all_segments(store)


@task()
def count_all_segments_task() -> int:
    """Periodic: queue the daily count of every store's segments; how many stores were queued."""
    from .models import Segment

    ids = list(Segment.objects.values_list("store_id", flat=True).distinct())
    for store_id in ids:
        count_segments_task.enqueue(store_id)
    return len(ids)
