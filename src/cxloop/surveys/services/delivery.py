"""Send an invitation email: once, retried only when the SMTP server refused it.

The send is claimed first (status queued -> sending, in one UPDATE), so two
workers running the same task cannot both send. An SMTP error (connection
refused, 4xx/5xx answer) means the server did not take the message: the
invitation goes back to queued and the task runs again later, up to
`RETRY_DELAYS`; after the last try it fails and its contact is released, so
the policy does not count a message that never left. A worker killed between
handing over the message and recording it leaves the invitation "sending":
it is never sent again automatically (a second copy would be worse than a
missing one); `fail_interrupted_sends` marks it failed after an hour.
"""

import logging
import smtplib
from datetime import timedelta
from email.utils import formataddr, make_msgid, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cxloop.flows import services as flows_services
from cxloop.flows.models import Contact
from cxloop.flows.queries import is_suppressed

from ..emails import build_invitation_email
from ..models import Invitation

logger = logging.getLogger(__name__)

RETRY_DELAYS = (60, 300, 1800, 7200)  # seconds after the 1st, 2nd, 3rd and 4th failure
INTERRUPTED_AFTER = timedelta(hours=1)


def deliver_invitation(*, invitation_id: int) -> str:
    """Send one queued invitation; return its new status. Safe to call twice."""
    now = timezone.now()
    claimed = Invitation.objects.filter(pk=invitation_id, status=Invitation.Status.QUEUED).update(
        status=Invitation.Status.SENDING, attempts=F("attempts") + 1, claimed_at=now
    )
    invitation = Invitation.objects.select_related("survey", "survey__store", "customer").get(
        pk=invitation_id
    )
    if not claimed:
        return invitation.status
    if reason := _reason_not_to_send(invitation, now):
        return _give_up(invitation, Invitation.Status.SKIPPED, reason)
    contact = Contact.objects.filter(
        store=invitation.store_id, reference=f"survey-invitation:{invitation.nonce}"
    ).first()
    message = build_invitation_email(invitation, contact)
    message.extra_headers["Message-ID"] = invitation.message_id or _message_id()
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as error:
        return _after_failure(invitation, error)
    Invitation.objects.filter(pk=invitation.pk).update(
        status=Invitation.Status.SENT, sent_at=timezone.now(), message_id=message.extra_headers["Message-ID"],
        last_error="",
    )  # fmt: skip
    return Invitation.Status.SENT


def _reason_not_to_send(invitation: Invitation, now) -> str:
    if not invitation.survey.is_open:
        return "survey_closed"
    if invitation.expires_at <= now:
        return "expired"
    if not invitation.email:
        return "no_email"
    if is_suppressed(invitation.survey.store, invitation.email.strip().lower()):
        return "suppressed"
    return ""


def _message_id() -> str:
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    return make_msgid(idstring="survey", domain=domain)


def _after_failure(invitation: Invitation, error: Exception) -> str:
    text = f"{type(error).__name__}: {error}"[:500]
    logger.warning("Survey invitation %s not sent (attempt %s): %s", invitation.pk, invitation.attempts, text)
    if invitation.attempts > len(RETRY_DELAYS):
        Invitation.objects.filter(pk=invitation.pk).update(last_error=text)
        return _give_up(invitation, Invitation.Status.FAILED, "smtp_error")
    Invitation.objects.filter(pk=invitation.pk).update(status=Invitation.Status.QUEUED, last_error=text)
    from ..tasks import send_invitation_task

    delay = RETRY_DELAYS[invitation.attempts - 1]
    send_invitation_task.using(run_after=timezone.now() + timedelta(seconds=delay)).enqueue(invitation.pk)
    return Invitation.Status.QUEUED


@transaction.atomic
def _give_up(invitation: Invitation, status: str, reason: str) -> str:
    Invitation.objects.filter(pk=invitation.pk).update(status=status, skip_reason=reason)
    flows_services.release_contact(
        store=invitation.survey.store, reference=f"survey-invitation:{invitation.nonce}"
    )
    return status


def fail_interrupted_sends(*, now=None) -> int:
    """Mark invitations stuck in "sending" for an hour as failed (their worker died mid-send)."""
    now = now or timezone.now()
    return Invitation.objects.filter(
        status=Invitation.Status.SENDING, claimed_at__lt=now - INTERRUPTED_AFTER
    ).update(status=Invitation.Status.FAILED, skip_reason="interrupted")


def sender_address(store_name: str) -> str:
    """From: the store's name with the installation's sending address."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "noreply@localhost"
    return formataddr((store_name.replace("\r", " ").replace("\n", " "), address))


def build_message(*, subject, text, html, to, store_name, headers) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=subject.replace("\r", " ").replace("\n", " "),
        body=text,
        from_email=sender_address(store_name),
        to=[to],
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    return message
