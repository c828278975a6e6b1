"""What the chat adds to a help-desk transfer (helpdesk.services.transfer): the visitor's line, the live side.

    record_transfer(conversation)                                          # in the transfer's transaction
    announce_transfer(conversation, user_ids=[5], actor=ania, team=None)   # after the transfer commits

The visitor gets a neutral line in their language ("You are being transferred to a colleague": no
names, whoever takes the chat introduces themselves by replying). It is stored (chat.notices), so a
widget on long polling, or one reopened or reloaded later, shows it too, once; open sockets get it
pushed. The agents' sockets of the receiving users (the agent, or the team's members when it waits
in a team's queue) get a "transfer" event; the other agents' sockets drop it (consumers). That one
is a wake-up only: the transfer itself is in the database and on the conversation page.
"""

from django.urls import reverse

from . import notices, realtime
from .models import Notice


def transfer_notice() -> str:
    return notices.text(Notice.Kind.TRANSFER)


def record_transfer(conversation) -> None:
    notices.record(conversation, Notice.Kind.TRANSFER)


def announce_transfer(conversation, *, user_ids: list[int], actor, team) -> None:
    if user_ids:
        realtime.publish(
            realtime.store_group(conversation.store_id),
            {
                "type": "transfer",
                "conversation_id": conversation.pk,
                "number": conversation.number,
                "user_ids": list(user_ids),
                "team": team is not None,
                "url": reverse("helpdesk:conversation", args=[conversation.pk]),
            },
        )
