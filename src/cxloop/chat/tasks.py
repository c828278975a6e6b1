"""Background entry points of the chat: load by id, call one service."""

from django_tasks import task

from . import verification


@task()
def send_verification_task(visitor_id: int, nonce: str) -> bool:
    """Email a visitor the link that confirms their address (nothing once the link is stale)."""
    return verification.send_verification(visitor_id=visitor_id, nonce=nonce)
