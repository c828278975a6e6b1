"""Background entry points of the help desk: load by id, call one service. Each is safe to run twice."""

import logging
import sys

from django.conf import settings
from django.utils.module_loading import import_string
from django_tasks import task

from cxloop.core import workers
from cxloop.core.errors import DomainError

from .models import Mailbox
from .services import mailboxes, notifications, sending

logger = logging.getLogger(__name__)


def deliver_to_inbox(mailbox: Mailbox) -> mailboxes.Deliver:
    """Store each email read from `mailbox` in the help desk (threaded, once per external id).

    A mail the help desk refuses (a domain error: a loop, a message it cannot take) is
    logged and passed over, so one bad message never holds up the mailbox behind it.
    """

    receive_email = import_string(settings.CXLOOP_HELPDESK_RECEIVE_EMAIL)

    def deliver(raw: bytes, external_id: str) -> None:
        try:
            receive_email(store=mailbox.store, raw=raw, external_id=external_id, recipient=mailbox.address)
        except DomainError as error:
            logger.warning("Mailbox %s: %s refused: %s", mailbox.pk, external_id, error)

    prepare_batch = getattr(sys.modules[receive_email.__module__], "prepare_batch", None)
    if prepare_batch is not None:  # a batch's lookups read for all its mails at once (services.inbound)
        deliver.prepare = lambda items: prepare_batch(mailbox.store, items)
    return deliver


@task()
def poll_mailboxes_task() -> dict[str, int]:
    """Read new mail from every enabled mailbox (periodic); a mailbox being read already is skipped."""
    return mailboxes.poll_enabled_mailboxes(deliver_to_inbox)


@task()
def send_reply_task(message_id: int) -> str:
    """Email one staff reply (nothing if it was already sent or is no longer queued)."""
    take_over = workers.resumed_after_lost_worker()
    return sending.deliver_reply(message_id=message_id, take_over=take_over)


@task()
def notify_mention_task(message_id: int, user_id: int) -> bool:
    """Tell a store member by email that a note mentions them."""
    return notifications.notify_mention(message_id=message_id, user_id=user_id)


@task()
def notify_transfer_task(
    conversation_id: int, user_id: int, actor_id: int | None, note_id: int | None, transfer_id: str
) -> bool:
    """Tell a store member by email that a conversation was transferred to them."""
    return notifications.notify_transfer(
        conversation_id=conversation_id, user_id=user_id, actor_id=actor_id, note_id=note_id,
        transfer_id=transfer_id,
    )  # fmt: skip


@task()
def requeue_stranded_replies_task() -> int:
    """Periodic: queue the replies whose task never reached the queue or lost its worker."""
    return sending.requeue_stranded_replies()


@task()
def wake_snoozed_conversations_task() -> int:
    """Periodic: reopen the conversations whose snooze has ended."""
    from .services.conversations import wake_snoozed

    return wake_snoozed()


@task()
def fire_sla_rules_task() -> int:
    """Periodic: run the "SLA target about to be missed" rules on conversations due soon."""
    from .services.rules import fire_sla_rules

    return fire_sla_rules()


@task()
def fire_idle_rules_task() -> int:
    """Periodic: run the "no new message for N hours" rules on the conversations gone quiet."""
    from .services.rules import fire_idle_rules

    return fire_idle_rules()


@task()
def record_sla_breaches_task() -> int:
    """Periodic: record the SLA targets whose due time has passed (each breach once)."""
    from .services.sla import record_breaches

    return record_breaches()


@task()
def recompute_sla_task(store_id: int) -> int:
    """Recompute the SLA due times of a store's open conversations (after a policy or hours change)."""
    from cxloop.core.models import Store

    from .services.sla import recompute_open

    store = Store.objects.filter(pk=store_id).first()
    return recompute_open(store) if store is not None else 0


@task()
def purge_expired_attachments_task() -> int:
    """Periodic: delete attachments of conversations resolved longer ago than the store's retention."""
    from .services.attachments import purge_expired_attachments

    return purge_expired_attachments(batch_size=settings.CXLOOP_HELPDESK_PURGE_BATCH)


@task()
def sweep_orphan_files_task() -> int:
    """Periodic: delete attachment files left in storage without a row (a rollback or a crash left them)."""
    from .services.orphan_files import sweep_orphan_files

    return sweep_orphan_files()
