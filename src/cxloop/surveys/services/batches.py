"""Send queued invitations in batches: one claim, one SMTP connection, one transaction to record.

    deliver_invitations(invitation_ids=[3, 4, 5])   # {3: "sent", 4: "skipped", 5: "queued"}

A batch (up to SEND_BATCH invitations, the unit of `send_invitations_task`)
costs about what one invitation cost when each was its own task:

1. Claim: one UPDATE ... RETURNING moves every due, queued invitation of
   the batch to "sending" (attempts + 1) and names the rows it moved. Two
   workers running the same batch claim disjoint sets: a row moves once,
   and for the other worker `status = 'queued'` no longer holds (SQLite
   has one writer at a time; PostgreSQL skips the rows another claim holds).
2. Check: the send-time reasons not to send (`delivery.reason_not_to_send`)
   with the batch's suppressions, contact policies and contact-ledger
   entries read in one query each.
3. Build every message, then hand them one after another to the worker's
   one SMTP connection (`core.mailer`). A refusal (a recipient refused, a
   4xx after DATA, a dropped connection) concerns only its own invitation.
4. Record: one transaction marks the sent ones sent with their Message-IDs,
   applies the retry rule to the refused ones and gives up on the skipped.

Crash: whatever a kill -9 leaves "sending" is sent again with the same
Message-ID (see services.delivery). Killed during step 3, the messages of
the batch already handed over are sent again too: a batch widens the
at-least-once window from one message to at most SEND_BATCH, each copy
recognisably the same message answering the same invitation. Killed in
steps 1, 2 or 4, nothing is sent twice. Two live workers never send one
invitation twice.
"""

import logging
import smtplib
from collections import defaultdict
from datetime import datetime
from functools import partial

from django.db import connection, transaction
from django.db.models import Case, CharField, Value, When
from django.utils import timezone

from cxloop.core import mailer
from cxloop.flows import queries as flows_queries
from cxloop.flows.models import Contact, Suppression

from ..emails import build_invitation_email
from ..models import Invitation
from .delivery import (
    _after_failure,
    _enqueue,
    _give_up,
    contact_reference,
    reason_not_to_send,
    resume_interrupted_send,
)

logger = logging.getLogger(__name__)

SEND_BATCH = 50  # invitations per task: 50 messages at a time cost one claim and one commit


class SendFacts:
    """What the send-time checks read from other apps, read once for a batch of invitations."""

    def __init__(self, invitations: list[Invitation]):
        stores = {invitation.survey.store_id: invitation.survey.store for invitation in invitations}
        digests = {Suppression.digest(invitation.email) for invitation in invitations if invitation.email}
        # One query for the batch instead of flows.queries.is_suppressed per address (the same rule).
        self.suppressed = set(
            Suppression.objects.filter(store_id__in=stores, email_digest__in=digests).values_list(
                "store_id", "email_digest"
            )
        )
        self._stores = stores
        self._policies: dict = {}
        references = [contact_reference(invitation) for invitation in invitations]
        self.contacts = {
            (contact.store_id, contact.reference): contact
            for contact in Contact.objects.filter(store_id__in=stores, reference__in=references)
        }

    def is_suppressed(self, store, email: str) -> bool:
        return (store.pk, Suppression.digest(email)) in self.suppressed

    def policy(self, store):
        if store.pk not in self._policies:
            self._policies[store.pk] = flows_queries.get_contact_policy(store)
        return self._policies[store.pk]

    def contact(self, invitation: Invitation) -> Contact | None:
        return self.contacts.get((invitation.store_id, contact_reference(invitation)))


def deliver_invitations(*, invitation_ids: list[int], take_over: bool = False) -> dict[int, str]:
    """Send the queued invitations of a batch whose time has come; return each one's status.

    Safe to call twice and from two workers at once: an invitation is
    claimed by one call only, and one not due yet is queued for its time.
    `take_over`: this task's previous run lost its worker, so the batch's
    invitations left "sending" are interrupted sends, tried again.
    """
    ids = sorted({int(pk) for pk in invitation_ids})
    if not ids:
        return {}
    now = timezone.now()
    if take_over:
        for pk in Invitation.objects.filter(pk__in=ids, status=Invitation.Status.SENDING).values_list(
            "pk", flat=True
        ):
            resume_interrupted_send(invitation_id=pk, now=now, enqueue=False)
    claimed = claim_invitations(ids, now)
    statuses = _not_claimed(sorted(set(ids) - set(claimed)), now)
    if not claimed:
        return statuses
    invitations = list(
        Invitation.objects.select_related("survey", "survey__store", "customer")
        .filter(pk__in=claimed)
        .order_by("pk")
    )
    ready, given_up = _build_messages(invitations, now)
    sent, refused = _send_all(ready)
    statuses.update(_record(sent, refused, given_up))
    return statuses


def claim_invitations(ids: list[int], now: datetime) -> list[int]:
    """Move the due, queued invitations among `ids` to "sending" in one statement; return their ids.

    On PostgreSQL the rows are picked in id order with FOR UPDATE SKIP
    LOCKED: two workers claiming overlapping batches neither wait for nor
    deadlock on each other, and a row being claimed by one is left to it.
    """
    table, quote = Invitation._meta.db_table, connection.ops.quote_name
    status, attempts, claimed_at, send_after, pk = (
        quote(Invitation._meta.get_field(name).column)
        for name in ("status", "attempts", "claimed_at", "send_after", "id")
    )
    at = connection.ops.adapt_datetimefield_value(now)
    due = f"{pk} IN ({', '.join(['%s'] * len(ids))}) AND {status} = %s AND {send_after} <= %s"
    due_params = [*ids, Invitation.Status.QUEUED, at]
    if connection.vendor == "postgresql":
        due = f"{pk} IN (SELECT {pk} FROM {quote(table)} WHERE {due} ORDER BY {pk} FOR UPDATE SKIP LOCKED)"
    sql = (
        f"UPDATE {quote(table)} SET {status} = %s, {attempts} = {attempts} + 1, {claimed_at} = %s"
        f" WHERE {due} RETURNING {pk}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [Invitation.Status.SENDING, at, *due_params])
        return [row[0] for row in cursor.fetchall()]


def _not_claimed(ids: list[int], now: datetime) -> dict[int, str]:
    """Statuses of the invitations another call took or that are done; queue those not due for then."""
    statuses, early = {}, defaultdict(list)
    for pk, status, send_after in Invitation.objects.filter(pk__in=ids).values_list(
        "pk", "status", "send_after"
    ):
        statuses[pk] = status
        if status == Invitation.Status.QUEUED and send_after > now:
            early[send_after].append(pk)  # run before its time: come back then
    for run_after, batch in early.items():
        if len(batch) == 1:
            _enqueue(batch[0], run_after=run_after)  # a single retry stays a single task
        else:
            enqueue_batch(batch, run_after=run_after)
    return statuses


def _build_messages(invitations: list[Invitation], now: datetime) -> tuple[list, list]:
    facts = SendFacts(invitations)
    ready, given_up = [], []
    for invitation in invitations:
        if reason := reason_not_to_send(invitation, now, facts=facts):
            given_up.append((invitation, Invitation.Status.SKIPPED, reason))
            continue
        try:
            ready.append((invitation, build_invitation_email(invitation, facts.contact(invitation))))
        except Exception:
            logger.exception("Survey invitation %s could not be built", invitation.pk)
            given_up.append((invitation, Invitation.Status.FAILED, "message_error"))
    return ready, given_up


def _send_all(ready: list) -> tuple[list, list]:
    sent, refused = [], []
    for invitation, message in ready:
        try:
            mailer.send(message)
        except (smtplib.SMTPException, OSError) as error:
            refused.append((invitation, error))
            continue
        sent.append((invitation, message.extra_headers["Message-ID"]))
    return sent, refused


@transaction.atomic
def _record(sent: list, refused: list, given_up: list) -> dict[int, str]:
    statuses = {}
    if sent:
        message_ids = Case(
            *[When(pk=invitation.pk, then=Value(message_id)) for invitation, message_id in sent],
            output_field=CharField(),
        )
        Invitation.objects.filter(
            pk__in=[invitation.pk for invitation, _ in sent], status=Invitation.Status.SENDING
        ).update(status=Invitation.Status.SENT, sent_at=timezone.now(), message_id=message_ids, last_error="")
        statuses.update({invitation.pk: Invitation.Status.SENT for invitation, _ in sent})
    for invitation, status, reason in given_up:
        statuses[invitation.pk] = _give_up(invitation, status, reason)
    for invitation, error in refused:
        statuses[invitation.pk] = _after_failure(invitation, error)
    return statuses


def enqueue_batch(invitation_ids: list[int], *, run_after: datetime | None = None) -> None:
    """Queue `send_invitations_task` for these invitations, SEND_BATCH at a time, after commit."""
    from ..tasks import send_invitations_task

    ids = sorted(invitation_ids)
    task = send_invitations_task.using(run_after=run_after) if run_after else send_invitations_task
    for start in range(0, len(ids), SEND_BATCH):
        transaction.on_commit(partial(task.enqueue, ids[start : start + SEND_BATCH]))
