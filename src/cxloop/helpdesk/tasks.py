"""Background entry points of the help desk: load by id, call one service. Each is safe to run twice."""

from django_tasks import task

from cxloop.core import workers

from .services import notifications, sending


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
def requeue_stranded_replies_task() -> int:
    """Periodic: queue the replies whose task never reached the queue or lost its worker."""
    return sending.requeue_stranded_replies()


@task()
def wake_snoozed_conversations_task() -> int:
    """Periodic: reopen the conversations whose snooze has ended."""
    from .services.conversations import wake_snoozed

    return wake_snoozed()
