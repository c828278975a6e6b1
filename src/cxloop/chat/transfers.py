"""What the chat adds to a help-desk transfer (helpdesk.services.transfer): the live side.

    announce_transfer(conversation, user_ids=[5], actor=ania, team=None)   # after the transfer commits

The visitor's open widgets get a neutral line in the visitor's language ("You are being
transferred to a colleague": no names, whoever takes the chat introduces themselves by replying),
and the agents' sockets of the receiving users (the agent, or the team's members when it waits
in a team's queue) get a "transfer" event; the other agents' sockets drop it (consumers). Both
are wake-ups only: the transfer itself is in the database and on the conversation page.
"""

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from . import realtime
from .models import Visitor


def transfer_notice() -> str:
    return _("You are being transferred to a colleague.")


def announce_transfer(conversation, *, user_ids: list[int], actor, team) -> None:
    visitors = Visitor.objects.filter(store_id=conversation.store_id, conversation_id=conversation.pk)
    for visitor_id, language in visitors.values_list("pk", "language"):
        with translation.override(language or conversation.store.default_language or "en"):
            text = transfer_notice()
        realtime.publish(realtime.visitor_group(visitor_id), {"type": "notice", "text": text})
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
