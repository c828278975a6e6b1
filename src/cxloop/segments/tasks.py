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
def refresh_segment_members_task(segment_id: int) -> str:
    """Bring one segment's member rows up to date (queued when it is saved); what happened."""
    from .models import Segment
    from .query import SegmentQueryError
    from .services.members import refresh_members

    segment = Segment.objects.select_related("store").filter(pk=segment_id).first()
    if segment is None:
        return "no such segment"
    try:
        done = refresh_members(segment)
    except SegmentQueryError:
        return "the query no longer runs"
    if done.members is None:
        return "changed meanwhile"
    return f"{done.members} members, {done.entered} entered, {done.left} left"


@task()
def refresh_store_segment_members_task(store_id: int) -> int:
    """Bring every segment of one store up to date; how many were refreshed."""
    from .services.members import refresh_store_members

    store = Store.objects.filter(pk=store_id).first()
    return 0 if store is None else refresh_store_members(store)


@task()
def refresh_all_segment_members_task() -> int:
    """Periodic: queue the member refresh of every store with a segment, unless one is waiting or
    running already; how many were queued."""
    from cxloop.core import workers

    from .models import Segment

    queued = workers.pending_task_args(refresh_store_segment_members_task)
    ids = [
        store_id
        for store_id in Segment.objects.order_by("store_id").values_list("store_id", flat=True).distinct()
        if store_id not in queued
    ]
    for store_id in ids:
        refresh_store_segment_members_task.enqueue(store_id)
    return len(ids)


@task()
def prune_segment_changes_task() -> int:
    """Daily: entered/left changes older than CXLOOP_SEGMENT_CHANGES_KEEP_DAYS are deleted; how many."""
    from .services.members import prune_changes

    return prune_changes()


@task()
def count_segments_task(store_id: int) -> int:
    """Queued by versions that counted segments once a day: a copy left in the queue after an upgrade
    refreshes the store's member rows, which count them now."""
    return refresh_store_segment_members_task.call(store_id)


@task()
def count_all_segments_task() -> int:
    """The daily count of versions before the member rows: a copy left in the queue does the refresh."""
    return refresh_all_segment_members_task.call()
