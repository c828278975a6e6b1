"""Send an invitation email: once, retried only when the SMTP server did not take it.

The send is claimed first (status queued -> sending, in one UPDATE, only
once `send_after` has come), so two workers running the same task cannot
both send; a task run before `send_after` enqueues itself for then. Then,
in order:

- Reasons not to send any more (checked again at send time, since the
  invitation may have waited): the survey closed, the link expired, the
  address is missing or malformed, the address unsubscribed or the customer
  withdrew consent. The invitation is skipped with that reason and its
  contact released, so the policy does not count a message never sent.
- The SMTP server refuses (connection refused, a 4xx/5xx reply): the
  invitation goes back to queued with `last_error`, `send_after` moves to
  the next try and the task is enqueued for then (`RETRY_DELAYS`). After
  the last try it fails ("smtp_error") and its contact is released. A
  permanent refusal of the recipient (5xx at RCPT) fails at once
  ("recipient_refused"): the same address would be refused again. When the
  reply's enhanced status code says the address itself is bad (5.1.x: no
  such user, bad domain, bad syntax, moved; not 5.1.7/5.1.8, which are
  about the sender), the address is also suppressed as bounced, so no later
  mail of the store tries it. Other 5xx refusals (a
  relay or policy refusal, 5.7.x, or no enhanced code at all) may be the
  sending setup's fault and would suppress every address; they are not.
- The server took it: sent, with the Message-ID recorded.

The message goes over the worker's open SMTP connection (`core.mailer`),
reused from the previous invitation and checked with NOOP when it has been
idle, so a batch of invitations costs one TLS and AUTH handshake, not one
per message.

A worker killed mid-send (kill -9, out of memory, power loss) leaves the
invitation "sending", and SMTP gives no way to ask whether the server took
the message. The choice for a survey invitation is **at least once**: the
send is tried again, with the same Message-ID (emails.message_id), so a
second copy is recognisably the same message and its link answers the same
invitation. Killed at a random moment, a worker is far more likely to be
building the message, connecting or talking SMTP than in the instant
between the server's "250 OK" and the status update, so retrying turns a
likely lost survey into a rare duplicate. The interrupted try counts as an
attempt: after the last one the invitation fails ("interrupted") and its
contact is released, so the policy does not count a message never known to
have arrived. The same holds when the connection drops after the message
was handed over but before the server answered.

The interrupted send is taken up by the task itself when the worker sweep
queues it again (`core.workers`: the task knows its previous run lost its
worker) or, failing that, by `requeue_stranded_invitations`, the periodic
sweep that also queues invitations whose task never reached the queue.
"""

import logging
import re
import smtplib
from datetime import datetime, timedelta

from django.core.mail.message import sanitize_address
from django.db import transaction
from django.utils import timezone

from cxloop.core import mailer, workers
from cxloop.core.models import Membership
from cxloop.flows import services as flows_services

from ..emails import build_low_score_email
from ..models import Channel, Invitation, Response

logger = logging.getLogger(__name__)

RETRY_DELAYS = (60, 300, 1800, 7200)  # seconds after the 1st, 2nd, 3rd and 4th failure
STRANDED_BATCH = 1000
SENT_BY_TASK = (Channel.EMAIL, Channel.HELPDESK)


def deliver_invitation(*, invitation_id: int, take_over: bool = False) -> str:
    """Send one queued invitation whose time has come; return its status. Safe to call twice.

    A batch of one (services.batches). `take_over`: this task's previous run
    lost its worker, so an invitation it left "sending" is an interrupted
    send, tried again (see the module).
    """
    from .batches import deliver_invitations

    statuses = deliver_invitations(invitation_ids=[invitation_id], take_over=take_over)
    if invitation_id not in statuses:
        raise Invitation.DoesNotExist(f"Invitation {invitation_id} does not exist.")
    return statuses[invitation_id]


def contact_reference(invitation: Invitation) -> str:
    """The contact-ledger reference of an invitation (reserved when it was queued)."""
    return f"survey-invitation:{invitation.nonce}"


def reason_not_to_send(invitation: Invitation, now: datetime, *, facts=None) -> str:
    """Why a claimed invitation must not be emailed now ("" if it may).

    `facts` (batches.SendFacts) holds the suppressions and policies read
    once for a batch; without it they are read for this invitation.
    """
    if facts is None:
        from .batches import SendFacts

        facts = SendFacts([invitation])
    store = invitation.survey.store
    if not invitation.survey.is_open:
        return "survey_closed"
    if invitation.expires_at <= now:
        return "expired"
    if not invitation.email.strip():
        return "no_email"
    try:
        sanitize_address(invitation.email, "utf-8")
    except ValueError:
        return "invalid_email"
    if facts.is_suppressed(store, invitation.email):
        return "suppressed"
    customer = invitation.customer
    if customer is not None:
        if customer.erased_at is not None:
            return "erased"
        audience = facts.policy(store).survey_audience
        if customer.email_consent not in flows_services.ALLOWED_CONSENT[audience]:
            return "no_consent"
    return ""


def _after_failure(invitation: Invitation, error: Exception) -> str:
    text = f"{type(error).__name__}: {error}"[:500]
    logger.warning("Survey invitation %s not sent (attempt %s): %s", invitation.pk, invitation.attempts, text)
    Invitation.objects.filter(pk=invitation.pk).update(last_error=text)
    if _is_permanent_refusal(error):
        if _is_bad_address(error):
            flows_services.suppress_bounced(
                store=invitation.survey.store,
                email=invitation.email,
                source=f"survey-invitation:{invitation.pk}",
            )
        return _give_up(invitation, Invitation.Status.FAILED, "recipient_refused")
    if invitation.attempts > len(RETRY_DELAYS):
        return _give_up(invitation, Invitation.Status.FAILED, "smtp_error")
    retry_at = timezone.now() + timedelta(seconds=RETRY_DELAYS[invitation.attempts - 1])
    Invitation.objects.filter(pk=invitation.pk).update(status=Invitation.Status.QUEUED, send_after=retry_at)
    _enqueue(invitation.pk, run_after=retry_at)
    return Invitation.Status.QUEUED


def _enqueue(invitation_id: int, *, run_after: datetime) -> None:
    from ..tasks import send_invitation_task

    send_invitation_task.using(run_after=run_after).enqueue(invitation_id)


def _is_permanent_refusal(error: Exception) -> bool:
    """The server refused every recipient with a 5xx reply (retrying the same address cannot help)."""
    if not isinstance(error, smtplib.SMTPRecipientsRefused) or not error.recipients:
        return False
    return all(code >= 500 for code, _reply in error.recipients.values())


# RFC 3463 / 7505 statuses about the recipient's address (5.1.7 and 5.1.8 are the sender's).
BAD_ADDRESS = re.compile(rb"^\s*5\.1\.(0|1|2|3|4|6|10)\b")


def _is_bad_address(error: smtplib.SMTPRecipientsRefused) -> bool:
    """Every refusal carries an RFC 3463 status 5.1.x: the address, not the sender, is the problem."""
    return all(BAD_ADDRESS.match(reply) for _code, reply in error.recipients.values())


@transaction.atomic
def _give_up(invitation: Invitation, status: str, reason: str) -> str:
    Invitation.objects.filter(pk=invitation.pk).update(status=status, skip_reason=reason)
    flows_services.release_contact(store=invitation.survey.store, reference=contact_reference(invitation))
    return status


@transaction.atomic
def resume_interrupted_send(*, invitation_id: int, now: datetime | None = None, enqueue: bool = True) -> str:
    """Queue again an invitation left "sending" by a worker that died; return its status.

    The interrupted try counts as an attempt; after the last one the
    invitation fails ("interrupted") and its contact is released. Only an
    invitation still "sending" with the same claim is changed, so two
    sweepers cannot both resume it.
    """
    now = now or timezone.now()
    invitation = Invitation.objects.select_related("survey__store").filter(pk=invitation_id).first()
    if invitation is None or invitation.status != Invitation.Status.SENDING:
        return invitation.status if invitation else ""
    same_claim = Invitation.objects.filter(
        pk=invitation.pk, status=Invitation.Status.SENDING, claimed_at=invitation.claimed_at
    )
    if invitation.attempts > len(RETRY_DELAYS):
        if not same_claim.update(status=Invitation.Status.FAILED, skip_reason="interrupted"):
            return Invitation.objects.get(pk=invitation.pk).status
        flows_services.release_contact(store=invitation.survey.store, reference=contact_reference(invitation))
        return Invitation.Status.FAILED
    resumed = same_claim.update(
        status=Invitation.Status.QUEUED,
        send_after=now,
        last_error="Interrupted: the worker stopped mid-send.",
    )
    if resumed and enqueue:
        transaction.on_commit(lambda: _enqueue(invitation_id, run_after=now))
    return Invitation.Status.QUEUED if resumed else Invitation.objects.get(pk=invitation.pk).status


def requeue_stranded_invitations(*, now: datetime | None = None) -> int:
    """Queue the sends that no task will do: never enqueued, or cut off mid-send. Returns the count.

    An invitation queued (and due) or "sending" for longer than
    settings.CXLOOP_STRANDED_AFTER_SECONDS with no waiting or running
    `send_invitation_task` or `send_invitations_task` for it was stranded by
    a process that died between its commit and its enqueue, or during the
    send. Safe to run twice: what it queues has a waiting task the next time.
    """
    from .batches import enqueue_batch

    now = now or timezone.now()
    pending = pending_invitation_ids()  # read first: see the grace below
    before = workers.stranded_before(now)
    queued = Invitation.objects.filter(
        status=Invitation.Status.QUEUED, channel__in=SENT_BY_TASK, send_after__lt=before
    ).exclude(pk__in=pending)
    queued_ids = list(queued.order_by("pk").values_list("pk", flat=True)[:STRANDED_BATCH])
    enqueue_batch(queued_ids, run_after=now)
    count = len(queued_ids)
    sending = Invitation.objects.filter(status=Invitation.Status.SENDING, claimed_at__lt=before).exclude(
        pk__in=pending
    )
    for invitation_id in sending.order_by("pk").values_list("pk", flat=True)[:STRANDED_BATCH]:
        resume_interrupted_send(invitation_id=invitation_id, now=now)
        count += 1
    return count


def pending_invitation_ids() -> set[int]:
    """The invitations a waiting or running send task (one or a batch) will deliver."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from ..tasks import send_invitation_task, send_invitations_task

    batches = DBTaskResult.objects.filter(
        task_path=send_invitations_task.module_path,
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
    ).values_list("args_kwargs", flat=True)
    in_batches = {pk for args in batches if args.get("args") for pk in args["args"][0]}
    return workers.pending_task_args(send_invitation_task) | in_batches


def notify_staff_of_low_score(*, response: Response) -> int:
    """Email each staff member the survey names about a low score; return how many were emailed now.

    Only current members of the survey's store with an address are told (a
    user removed from the store since is not). One message per person, so
    nobody sees the others' addresses; its Message-ID is fixed per response
    and person. Each person is recorded on the response once their message
    is handed over, so running the task again (a retry after an SMTP
    failure part way through the list) emails only those not yet told.
    """
    survey = response.survey
    user_ids = [user_id for user_id in survey.notify_user_ids or [] if isinstance(user_id, int)]
    told = set(response.notified_user_ids or [])
    members = (
        Membership.objects.filter(store=survey.store, user_id__in=user_ids, user__is_active=True)
        .exclude(user__email="")
        .exclude(user_id__in=told)
        .values_list("user_id", "user__email")
        .order_by("user_id")
    )
    pending = [
        (user_id, build_low_score_email(response, to=email, user_id=user_id)) for user_id, email in members
    ]
    for user_id, message in pending:
        mailer.send(message)
        told.add(user_id)
        Response.objects.filter(pk=response.pk).update(notified_user_ids=sorted(told))
    return len(pending)
