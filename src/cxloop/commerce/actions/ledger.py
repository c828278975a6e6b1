"""The local record of actions (StoreAction): a double click refunds once.

    record, previous = claim(store, kind=..., key=..., request={...}, ...)
    ... call the platform, outside any transaction ...
    finish(record, result)        or        fail(record, error)

`claim` inserts the row (status pending) under the unique (store,
idempotency_key); a second call with the key finds it and, instead of a
record to work on, gets the first result (done), ActionInProgress
(pending), or the failed row back to try again. A row is only ever marked
done with the platform's answer in hand.
"""

import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import StoreAction
from .results import ActionError, ActionInProgress, ActionResult

logger = logging.getLogger(__name__)

# Set in a failed action's result when the platform may have done it after all.
UNKNOWN = "outcome_unknown"
# A pending action older than this was most likely cut off (a crash, a deploy).
STALE_AFTER = timedelta(minutes=10)


def claim(store, *, kind, platform, key, request, actor=None, order=None, customer=None):
    """Return (record to work on, None) or (None, the first ActionResult for this key)."""
    key = (key or "").strip()
    if not key or len(key) > 200:
        raise ActionError(_("An action needs an idempotency key of 1 to 200 characters."), code="invalid")
    try:
        with transaction.atomic():
            record = StoreAction.objects.create(
                store=store, kind=kind, platform=platform, idempotency_key=key, request=request,
                actor=actor if getattr(actor, "pk", None) else None, order=order, customer=customer,
                started_at=timezone.now(),
            )  # fmt: skip
        record.retrying = record.outcome_unknown = False
        return record, None
    except IntegrityError:
        pass
    existing = StoreAction.objects.get(store=store, idempotency_key=key)
    if existing.kind != kind or existing.request != request:
        raise ActionError(
            _("This idempotency key was already used for a different action. Use a new key."),
            code="key_reused",
        )
    if existing.status == StoreAction.Status.DONE:
        return None, ActionResult.from_json(existing.result, action_id=existing.pk, replayed=True)
    if existing.status == StoreAction.Status.PENDING:
        raise _in_progress(existing)
    return _reclaim_failed(existing), None


def _reclaim_failed(existing: StoreAction) -> StoreAction:
    """Take a failed action back to pending, once, whoever asks at the same moment."""
    claimed = StoreAction.objects.filter(pk=existing.pk, status=StoreAction.Status.FAILED).update(
        status=StoreAction.Status.PENDING, started_at=timezone.now(), finished_at=None
    )
    if not claimed:
        raise _in_progress(existing)
    existing.refresh_from_db()
    existing.retrying = True  # an earlier attempt may have done part of it: look before acting
    existing.outcome_unknown = bool(existing.result.get(UNKNOWN))
    return existing


def _in_progress(record: StoreAction) -> ActionInProgress:
    if record.started_at and timezone.now() - record.started_at > STALE_AFTER:
        return ActionInProgress(
            _("An earlier attempt of this action started and never finished, so it is not known "
              "whether the store did it. Check the store's admin before trying again with a new key."),
        )  # fmt: skip
    return ActionInProgress(_("This action is already under way. Wait a moment and look again."))


def finish(record: StoreAction, result: ActionResult, *, stored: dict | None = None) -> ActionResult:
    """Mark the action done with the platform's answer; `stored` replaces what is kept, if given."""
    record.status = StoreAction.Status.DONE
    record.result = stored if stored is not None else result.as_json()
    record.error = ""
    record.finished_at = timezone.now()
    record.save(update_fields=["status", "result", "error", "finished_at"])
    return result.with_action(record.pk)


def fail(record: StoreAction, error: ActionError) -> None:
    """Mark the action failed, keeping what was done (error.partial) for a retry to go on from.

    After a failure the platform certainly saw, the next attempt gets a new
    platform idempotency key (a platform refuses to retry a failed key);
    after an unknown outcome it keeps the same, so the platform can dedupe.
    """
    record.status = StoreAction.Status.FAILED
    record.error = error.message
    record.result = {**error.partial, **({} if error.definite else {UNKNOWN: True})}
    record.finished_at = timezone.now()
    if error.definite:
        record.platform_attempt += 1
    record.save(update_fields=["status", "error", "result", "finished_at", "platform_attempt"])
