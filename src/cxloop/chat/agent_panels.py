"""The chat's parts of the help desk's pages (registered through helpdesk.live_channels).

On a chat's conversation page: who the visitor is as far as the storefront
told (their current page, what they put in the cart: the storefront's
unverified words, shown as text), a "typing" line, the control that transfers
the chat to a colleague or a team (helpdesk.services.transfer), and the script
that keeps the thread live. On the inbox: the script that refreshes the list when a chat
message comes, with a sound and a browser notification.
"""

from datetime import timedelta

from django.template.loader import render_to_string
from django.utils import timezone

from cxloop.commerce.models import Event
from cxloop.helpdesk.queries_teams import list_transfer_targets

from .models import Visitor

CART_EVENTS = ("add_to_cart",)
CART_WINDOW = timedelta(days=1)
CART_LINES = 10


def visitor_panel(request, conversation) -> str:
    visitor = Visitor.objects.filter(store_id=conversation.store_id, conversation=conversation).first()
    agents, teams = list_transfer_targets(
        request.store, leaving_out=[request.user.pk, conversation.assignee_id]
    )  # oneself and whoever has the chat now are refused anyway (helpdesk.services.transfer)
    context = {
        "visitor": visitor, "cart": _cart(visitor), "conversation": conversation, "store": request.store,
        "transfer_agents": agents, "transfer_teams": teams,
    }  # fmt: skip
    return render_to_string("chat/_agent_panel.html", context, request=request)


def live_inbox_script(request) -> str:
    return render_to_string("chat/_agent_inbox.html", {"store": request.store}, request=request)


def _cart(visitor) -> list[dict]:
    if visitor is None or not visitor.anonymous_id:
        return []
    since = timezone.now() - CART_WINDOW
    events = (
        Event.objects.filter(
            store_id=visitor.store_id, anonymous_id=visitor.anonymous_id, type__in=CART_EVENTS,
            occurred_at__gte=since,
        )
        .order_by("-occurred_at")
        .values_list("properties", flat=True)[:CART_LINES]
    )  # fmt: skip
    lines = []
    for properties in events:
        properties = properties if isinstance(properties, dict) else {}
        title = str(properties.get("title") or properties.get("name") or properties.get("product_id") or "")[
            :200
        ]
        quantity = properties.get("quantity") or 1
        lines.append({"title": title, "quantity": quantity if isinstance(quantity, int) else 1})
    return lines
