"""Outgoing webhooks: endpoints, publishing events, and delivering them.

    publish(store, "conversation.created", {"conversation_id": 42})

records one delivery per active endpoint of the store subscribed to the
event, in the caller's transaction; the delivery task is queued on commit,
so an event of a change rolled back is never sent. A delivery is attempted
at least once per schedule step until the receiver answers 2xx, with the
same id (X-Cxloop-Delivery) every time, so receivers deduplicate.
"""

import json
import random
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cxloop.core import store_config, workers
from cxloop.core.errors import Conflict, InvalidInput
from cxloop.core.models import Store
from cxloop.core.textchecks import find_forbidden_character

from . import events as registry
from . import queries, sending
from .addresses import url_problem
from .models import WebhookDelivery, WebhookEndpoint, new_secret

# Waits before the 2nd, 3rd, ... attempt (seconds); after the last, the delivery has failed.
RETRY_DELAYS = (60, 5 * 60, 30 * 60, 2 * 3600, 6 * 3600, 12 * 3600, 24 * 3600)
JITTER = 0.1  # each wait is stretched or shrunk by up to 10%, so failed receivers are not hit in waves
MAX_ENDPOINTS = 20
MAX_DESCRIPTION = 200
# A delivery left "delivering" this long with no task on it lost its task; it is queued again.
DELIVERING_STALE_AFTER = timedelta(minutes=15)
Status = WebhookDelivery.Status


def _enqueue(delivery_id: int, run_after: datetime | None = None) -> None:
    from .tasks import deliver_webhook_task

    task = deliver_webhook_task.using(run_after=run_after) if run_after else deliver_webhook_task
    task.enqueue(delivery_id)


def _enqueue_on_commit(delivery_id: int, run_after: datetime | None = None) -> None:
    # robust: a queue that is down must not undo the caller's change; the sweep queues it later.
    transaction.on_commit(partial(_enqueue, delivery_id, run_after), robust=True)


def check_events(events: list[str]) -> list[str]:
    """The event names, deduplicated and sorted; raises InvalidInput for an unknown or missing one."""
    names = sorted(set(events))
    if not names:
        raise InvalidInput(_("Choose at least one event."), field="events")
    for name in names:
        if not registry.is_registered(name):
            raise InvalidInput(_("There is no event %(name)s.") % {"name": name}, field="events")
    return names


@transaction.atomic
def create_endpoint(*, store: Store, url: str, events: list[str], description: str = "") -> WebhookEndpoint:
    """Add an endpoint with a new secret.

    Raises InvalidInput naming the field at fault, or Conflict past MAX_ENDPOINTS.
    """
    url = url.strip()
    problem = url_problem(url)
    if problem:
        raise InvalidInput(problem, field="url")
    names = check_events(events)
    description = description.strip()
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput(
            _("The description is longer than %(max)s characters.") % {"max": MAX_DESCRIPTION},
            field="description",
        )
    forbidden = find_forbidden_character(description)
    if forbidden:
        raise InvalidInput(_("The description holds a %(what)s.") % {"what": forbidden}, field="description")
    if WebhookEndpoint.objects.select_for_update().filter(store=store).count() >= MAX_ENDPOINTS:
        raise Conflict(_("A store can have at most %(max)s webhook endpoints.") % {"max": MAX_ENDPOINTS})
    return WebhookEndpoint.objects.create(store=store, url=url, events=names, description=description)


def rotate_secret(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Give the endpoint a new secret; the old one signs nothing from now on (queued retries included)."""
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret"])
    return endpoint


def set_active(*, endpoint: WebhookEndpoint, active: bool) -> WebhookEndpoint:
    """Enable or disable an endpoint; a disabled one receives nothing, and its queued deliveries fail."""
    endpoint.active = active
    endpoint.save(update_fields=["active"])
    return endpoint


def delete_endpoint(*, endpoint: WebhookEndpoint) -> None:
    """Delete an endpoint and its delivery log."""
    endpoint.delete()


def _payload(data: dict) -> dict:
    # Dates, decimals and UUIDs become the strings the receiver reads; the same as stored.
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def publish_all(store: Store, events: list[tuple[str, dict]]) -> list[WebhookDelivery]:
    """`publish` each (event, data) in order, asking once whether the store has any endpoint."""
    checked = []
    for event, data in events:
        registry.get_event(event)  # UnknownEvent before anything is written
        checked.append((event, _payload(data)))
    if not checked:
        return []
    endpoints = _active_endpoints(store)
    if not endpoints:
        return []
    with transaction.atomic(savepoint=False):
        deliveries = []
        for event, payload in checked:
            deliveries += _record(store, [e for e in endpoints if e.wants(event)], event, payload)
        return deliveries


def publish(store: Store, event: str, data: dict) -> list[WebhookDelivery]:
    """Record the event for every active endpoint of the store that wants it; send after commit.

    Call it inside the transaction of the change the event tells of. Raises
    UnknownEvent for a name no app registered, TypeError for data that is not JSON,
    before anything is written. A store without endpoints (most) costs one prepared lookup.
    """
    registry.get_event(event)
    payload = _payload(data)
    endpoints = [e for e in _active_endpoints(store) if e.wants(event)]
    if not endpoints:
        return []
    with transaction.atomic(savepoint=False):  # inserts only: their failure is the caller's failure
        return _record(store, endpoints, event, payload)


def _active_endpoints(store: Store) -> list[WebhookEndpoint]:
    """The store's enabled endpoints, read once while the store's configuration is unchanged
    (core.store_config); for a store with none (most), one prepared lookup."""
    return store_config.cached(
        store.pk,
        "hooks.endpoints",
        lambda: (
            list(WebhookEndpoint.objects.filter(store=store, active=True))
            if queries.has_active_endpoints(store.pk)
            else []
        ),
    )


def _record(store: Store, endpoints, event: str, payload: dict) -> list[WebhookDelivery]:
    now = timezone.now()
    deliveries = [
        WebhookDelivery.objects.create(
            store=store, endpoint=endpoint, event=event, payload=payload, next_attempt_at=now
        )
        for endpoint in endpoints
    ]
    for delivery in deliveries:
        _enqueue_on_commit(delivery.pk)
    return deliveries


@transaction.atomic
def send_test_event(*, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Send a `ping` event to this endpoint alone, whatever it subscribed to."""
    payload = {"message": "This is a test event from cxloop.", "endpoint_url": endpoint.url}
    [delivery] = _record(endpoint.store, [endpoint], registry.PING, payload)
    return delivery


@transaction.atomic
def redeliver(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again now, with the same id, and a fresh schedule of retries.

    Raises Conflict while it is being delivered, or when its endpoint is disabled.
    """
    if not delivery.endpoint.active:
        raise Conflict(_("The endpoint is disabled: enable it first."))
    changed = WebhookDelivery.objects.filter(pk=delivery.pk).exclude(status=Status.DELIVERING)
    if not changed.update(
        status=Status.PENDING, attempts=0, next_attempt_at=timezone.now(), delivered_at=None
    ):
        raise Conflict(_("This delivery is being sent right now."))
    _enqueue_on_commit(delivery.pk)
    delivery.refresh_from_db()
    return delivery


def retry_delay(attempts: int, retry_after: float | None = None) -> timedelta | None:
    """The wait after `attempts` failed attempts, or None when the delivery has failed for good.

    A Retry-After the receiver sent is honoured: never sooner than it asked.
    """
    if attempts > len(RETRY_DELAYS):
        return None
    seconds = RETRY_DELAYS[attempts - 1] * random.uniform(1 - JITTER, 1 + JITTER)
    return timedelta(seconds=max(seconds, retry_after or 0))


def deliver(*, delivery_id: int, take_over: bool = False) -> str:
    """Attempt a due delivery once; return its status afterwards ("skipped" if not due or taken).

    Safe to run twice: the attempt is claimed by a compare-and-set, so two
    runs never send at once. With `take_over` (the task ran again after its
    worker died mid-attempt) a delivery left "delivering" is attempted again.
    """
    now = timezone.now()
    claimable = Q(status=Status.PENDING, next_attempt_at__lte=now)
    if take_over:
        claimable |= Q(status=Status.DELIVERING)
    claimed = WebhookDelivery.objects.filter(claimable, pk=delivery_id).update(
        status=Status.DELIVERING, attempts=F("attempts") + 1, claimed_at=now
    )
    if not claimed:
        return "skipped"
    delivery = WebhookDelivery.objects.select_related("endpoint", "store").filter(pk=delivery_id).first()
    if delivery is None:
        return "skipped"  # its endpoint was deleted in between
    if not delivery.endpoint.active:
        outcome = sending.Outcome(delivered=False, error=_("The endpoint is disabled."))
        return _finish(delivery, outcome, final=True)
    return _finish(delivery, sending.post(delivery, secret=delivery.endpoint.secret))


@transaction.atomic
def _finish(delivery: WebhookDelivery, outcome: sending.Outcome, *, final: bool = False) -> str:
    now = timezone.now()
    fields = {
        "last_status_code": outcome.status_code,
        "last_error": outcome.error[:500],
        "response_excerpt": outcome.excerpt,
        "claimed_at": None,
    }
    delay = None if (final or outcome.delivered) else retry_delay(delivery.attempts, outcome.retry_after)
    if outcome.delivered:
        fields.update(status=Status.DELIVERED, delivered_at=now, next_attempt_at=None)
    elif delay is None:
        fields.update(status=Status.FAILED, next_attempt_at=None)
    else:
        fields.update(status=Status.PENDING, next_attempt_at=now + delay)
    # Only the run that claimed it records: a run cut off and taken over writes nothing.
    mine = WebhookDelivery.objects.filter(
        pk=delivery.pk, status=Status.DELIVERING, claimed_at=delivery.claimed_at
    )
    if not mine.update(**fields):
        return "skipped"
    if fields["status"] == Status.PENDING:
        _enqueue_on_commit(delivery.pk, fields["next_attempt_at"])
    return fields["status"]


def requeue_stranded_deliveries(*, now: datetime | None = None) -> int:
    """Queue the deliveries that are due but have no task (their process died before enqueuing it).

    Also takes back a delivery left "delivering" for DELIVERING_STALE_AFTER by a task
    that is no longer queued or running. Returns how many were queued.
    """
    from .tasks import deliver_webhook_task

    now = now or timezone.now()
    queued = workers.pending_task_args(deliver_webhook_task)
    due = WebhookDelivery.objects.filter(
        status=Status.PENDING, next_attempt_at__lte=workers.stranded_before(now)
    )
    stale = WebhookDelivery.objects.filter(
        status=Status.DELIVERING, claimed_at__lt=now - DELIVERING_STALE_AFTER
    )
    count = 0
    for delivery_id in due.exclude(pk__in=queued).values_list("pk", flat=True):
        _enqueue(delivery_id)
        count += 1
    for delivery_id in stale.exclude(pk__in=queued).values_list("pk", flat=True):
        if WebhookDelivery.objects.filter(pk=delivery_id, status=Status.DELIVERING).update(
            status=Status.PENDING, next_attempt_at=now, claimed_at=None
        ):
            _enqueue(delivery_id)
            count += 1
    return count


def prune_deliveries(*, now: datetime | None = None, batch: int = 2000) -> int:
    """Delete delivered and failed deliveries older than CXLOOP_WEBHOOK_DELIVERIES_KEEP_DAYS; return how many.

    Deletes in batches, so SQLite's write lock is never held for long.
    """
    now = now or timezone.now()
    keep = timedelta(days=settings.CXLOOP_WEBHOOK_DELIVERIES_KEEP_DAYS)
    old = WebhookDelivery.objects.filter(
        status__in=[Status.DELIVERED, Status.FAILED], created_at__lt=now - keep
    )
    deleted = 0
    while ids := list(old.values_list("pk", flat=True)[:batch]):
        deleted += WebhookDelivery.objects.filter(pk__in=ids).delete()[0]
    return deleted
