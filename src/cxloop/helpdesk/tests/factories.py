"""Help-desk rows for other apps' tests (the cross-store sweep)."""

from cxloop.helpdesk.models import Channel
from cxloop.helpdesk.services.intake import Incoming, take_message


def make_foreign_objects(store) -> dict:
    """A conversation with a customer's message: the ids a cross-store sweep tries."""
    conversation, _message, _created = take_message(
        store=store,
        channel=Channel.EMAIL,
        incoming=Incoming(text="Canary question", subject="Canary", from_email="canary-h@example.com"),
    )
    return {"conversation_id": conversation.pk}
