"""Send a survey by hand: to the customers matching a filter, or to an uploaded list.

A send is a `ManualSend` row that counts what happened (queued, skipped per
reason). Small sends run in the request; larger ones in the background
(`run_manual_send_task`). Customers are invited in id order, and each
invitation moves the send's bookmark in the same transaction, so a send
stopped by a restart resumes after the last customer it invited. Emails go
out SEND_BATCH at a time (`send_invitations_task`); a resumed run first
queues the invitations its cut-off run left without a task. A send
whose task was lost (the process died before enqueuing it, or the worker
was killed and its task failed for good) is queued again by
`resume_stranded_sends`, which the worker runs every minute.
"""

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from cxloop.commerce import queries as commerce_queries
from cxloop.commerce.models import Customer
from cxloop.core import workers
from cxloop.core.errors import InvalidInput

from ..errors import SurveyClosed
from ..models import Channel, Invitation, ManualSend, Survey
from .batches import SEND_BATCH, enqueue_batch
from .delivery import pending_invitation_ids
from .invitations import check_open, invite_customer, is_sent_by_task

INLINE_LIMIT = 200  # sends up to this many customers finish before the page answers
BATCH = 500
MAX_UPLOAD_CUSTOMERS = 10_000
FILTER_KEYS = ("search", "consent", "has_orders", "segment")


def list_filter_customers(survey: Survey, filters: dict) -> QuerySet[Customer]:
    """The customers a filter send reaches, in id order (the order a send walks them).

    `segment` (a saved segment's id) narrows to its members as each batch is read: its member rows
    (kept current by the worker), or its query's matches while the rows catch up with an edit; a
    segment deleted meanwhile reaches nobody more (never everybody).
    """
    filters = {key: str(filters.get(key) or "") for key in FILTER_KEYS}
    segment_id = filters.pop("segment")
    customers = commerce_queries.list_customers(survey.store, **filters).order_by("pk")
    if segment_id:
        from cxloop.segments.models import Segment
        from cxloop.segments.queries import segment_member_ids

        segment = (
            Segment.objects.filter(store=survey.store, pk=int(segment_id)).first()
            if segment_id.isdigit()
            else None
        )
        if segment is None:
            return customers.none()
        customers = customers.filter(pk__in=segment_member_ids(segment))
    return customers


def start_manual_send(
    *,
    survey: Survey,
    filters: dict | None = None,
    customer_ids: list[int] | None = None,
    unknown_emails: list[str] | None = None,
    actor=None,
    inline_limit: int | None = None,
) -> ManualSend:
    """Start sending a survey to a filtered list (`filters`) or to matched uploaded customers.

    Raises SurveyClosed for a survey that is not active, InvalidInput for an
    empty or oversized list. Small lists are invited before this returns.
    """
    check_open(survey)
    if (filters is None) == (customer_ids is None):
        raise InvalidInput("Send either to a filter or to a list of customers.")
    if customer_ids is not None:
        ids = sorted({int(i) for i in customer_ids})
        if len(ids) > MAX_UPLOAD_CUSTOMERS:
            raise InvalidInput(f"At most {MAX_UPLOAD_CUSTOMERS:,} customers at once.", field="file")
        send = ManualSend(source=ManualSend.Source.UPLOAD, customer_ids=ids, total=len(ids))
        send.unknown_emails = list(unknown_emails or [])[:MAX_UPLOAD_CUSTOMERS]
    else:
        clean = {key: str(filters.get(key) or "") for key in FILTER_KEYS}
        send = ManualSend(source=ManualSend.Source.FILTER, filters=clean)
        send.total = list_filter_customers(survey, clean).count()
    if not send.total:
        raise InvalidInput("No customers to send to.", field="customers")
    send.store = survey.store
    send.survey = survey
    send.created_by = actor
    send.save()
    if send.total <= (INLINE_LIMIT if inline_limit is None else inline_limit):
        return run_manual_send(send_id=send.pk)
    _enqueue(send.pk)
    return send


def _enqueue(send_id: int) -> None:
    from ..tasks import run_manual_send_task

    transaction.on_commit(lambda: run_manual_send_task.enqueue(send_id))


def _next_customers(send: ManualSend) -> list[Customer]:
    if send.source == ManualSend.Source.UPLOAD:
        ids = [i for i in send.customer_ids if i > send.last_customer_id][:BATCH]
        return list(Customer.objects.filter(store=send.store, pk__in=ids).order_by("pk"))
    customers = list_filter_customers(send.survey, send.filters)
    return list(customers.filter(pk__gt=send.last_customer_id)[:BATCH])


def run_manual_send(*, send_id: int) -> ManualSend | None:
    """Invite the customers of a send not invited yet; safe to run twice or after a crash.

    None if the send is gone (its survey was deleted meanwhile).
    """
    send = ManualSend.objects.select_related("survey", "survey__store", "store").filter(pk=send_id).first()
    if send is None:
        return None
    if send.status in (ManualSend.Status.DONE, ManualSend.Status.FAILED):
        return send
    if send.status == ManualSend.Status.RUNNING:
        _requeue_unsent(send)  # a run cut off may have left its last invitations without a task
    ManualSend.objects.filter(pk=send.pk).update(status=ManualSend.Status.RUNNING)
    waiting: list[int] = []  # queued invitations whose send task is not enqueued yet
    try:
        while batch := _next_customers(send):
            survey = Survey.objects.select_related("store").get(pk=send.survey_id)  # closed meanwhile?
            for customer in batch:
                try:
                    invitation = _invite_one(send, survey, customer)
                except SurveyClosed:
                    return _finish(send, ManualSend.Status.FAILED, "The survey was closed during the send.")
                if invitation is not None and is_sent_by_task(invitation):
                    waiting.append(invitation.pk)
                if len(waiting) >= SEND_BATCH:
                    enqueue_batch(waiting)
                    waiting = []
            send.refresh_from_db(fields=["last_customer_id"])
    finally:
        enqueue_batch(waiting)
    return _finish(send, ManualSend.Status.DONE)


def _requeue_unsent(send: ManualSend) -> None:
    """Queue the send's survey's invitations that wait with no task (their run was cut off)."""
    unsent = (
        Invitation.objects.filter(
            survey=send.survey_id, status=Invitation.Status.QUEUED, channel=Channel.EMAIL
        )
        .exclude(pk__in=pending_invitation_ids())
        .values_list("pk", flat=True)
    )
    enqueue_batch(list(unsent))


@transaction.atomic
def _invite_one(send: ManualSend, survey: Survey, customer: Customer) -> Invitation | None:
    locked = ManualSend.objects.select_for_update().get(pk=send.pk)
    if customer.pk <= locked.last_customer_id:
        return None  # another worker already invited this one
    invitation = invite_customer(survey=survey, customer=customer, enqueue=False)
    locked.processed += 1
    if invitation.skip_reason:
        locked.skipped[invitation.skip_reason] = locked.skipped.get(invitation.skip_reason, 0) + 1
    else:
        locked.queued += 1
    locked.last_customer_id = customer.pk
    locked.save(update_fields=["processed", "queued", "skipped", "last_customer_id"])
    return invitation


def _finish(send: ManualSend, status: str, error: str = "") -> ManualSend:
    ManualSend.objects.filter(pk=send.pk).update(status=status, error=error, finished_at=timezone.now())
    send.refresh_from_db()
    return send


def resume_stranded_sends(*, now=None) -> int:
    """Queue again the sends that stopped with no task to finish them; return how many.

    A send waiting or running for longer than settings.CXLOOP_STRANDED_AFTER_SECONDS
    with no waiting or running `run_manual_send_task` for it is stranded. Safe
    to run twice, and safe beside a live run: each invitation is taken under
    the send's row lock and moves its bookmark, so nobody is invited twice.
    """
    from ..tasks import run_manual_send_task

    pending = workers.pending_task_args(run_manual_send_task)
    stranded = ManualSend.objects.filter(
        status__in=[ManualSend.Status.PENDING, ManualSend.Status.RUNNING],
        created_at__lt=workers.stranded_before(now),
    ).exclude(pk__in=pending)
    ids = list(stranded.order_by("pk").values_list("pk", flat=True))
    for send_id in ids:
        run_manual_send_task.enqueue(send_id)
    return len(ids)
