"""What the sidebar's store-action forms need: orders and lines, what the member may do, fresh keys,
and the platforms a code, gift card or draft order can go to.

Each form gets its own idempotency key when the page is drawn, so a double
click (or a form sent again) acts once. After a refusal the form keeps the
key it was sent with, so trying again after an unknown outcome asks the
platform under the same key.

An order's forms act on the platform the order came from, and are offered
only when the store is connected to it. A store connected to both Shopify
and WooCommerce chooses the platform of a code (gift cards and draft orders:
Shopify only), defaulting to that of the customer's latest order.
"""

import uuid
from dataclasses import dataclass, field

from django.db.models import Prefetch

from cxloop.commerce import actions
from cxloop.commerce import queries as commerce_queries
from cxloop.commerce.models import LineItem, StoreAction
from cxloop.core.models import Membership, Platform

from .action_policies import can_act, list_action_policies
from .models import Conversation

Kind = StoreAction.Kind
RESULT_SESSION_KEY = "helpdesk:action-result:{}"
ORDERS_SHOWN = 5
FORM_KINDS = {"discount": Kind.DISCOUNT_CODE, "gift_card": Kind.GIFT_CARD, "draft_order": Kind.DRAFT_ORDER}


@dataclass(frozen=True)
class PlatformChoice:
    value: str
    label: str
    selected: bool


@dataclass
class ActionsPanel:
    connected: bool
    may: dict[str, bool]  # kind -> whether this member may take it
    policies: dict
    customer: object | None = None
    orders: list = field(default_factory=list)
    keys: dict[str, str] = field(default_factory=dict)  # form name -> idempotency key
    result: dict | None = None  # the last action's summary and what can go into the reply
    open_form: str = ""
    # form name -> the platforms to choose from; empty (no choice shown) when there are not several
    platforms: dict[str, list[PlatformChoice]] = field(default_factory=dict)
    limited: bool = True  # the member's actions are held to the policies' limits (not an owner)

    @property
    def may_any(self) -> bool:
        return any(self.may.values())


def new_key() -> str:
    return uuid.uuid4().hex


def build_actions_panel(request, conversation: Conversation, *, keep: tuple[str, str] | None = None):
    """The panel for this member and conversation; `keep` = (form name, key) to redraw a refused form."""
    store = request.store
    policies = list_action_policies(store)
    membership = getattr(request, "membership", None)
    connected = set(actions.list_connections(store))
    may = {kind: can_act(membership, policy) for kind, policy in policies.items()}
    choices = {form: actions.platforms_for(kind, connected) for form, kind in FORM_KINDS.items()}
    for form, kind in FORM_KINDS.items():
        if connected and not choices[form]:
            may[kind] = False  # (WooCommerce has no gift cards nor draft orders): no form that can only fail
    panel = ActionsPanel(
        connected=bool(connected),
        may=may,
        policies=policies,
        customer=conversation.customer,
        limited=getattr(membership, "role", "") != Membership.Role.OWNER,
        result=request.session.pop(RESULT_SESSION_KEY.format(conversation.pk), None),
    )
    if conversation.customer_id is not None:
        lines = Prefetch("line_items", queryset=LineItem.objects.order_by("id"))
        orders = commerce_queries.list_orders(store, customer_id=conversation.customer_id)
        panel.orders = list(orders.prefetch_related(lines)[:ORDERS_SHOWN])
    for order in panel.orders:
        order.refund_key, order.cancel_key = new_key(), new_key()
        order.actionable = order.platform in connected
    latest = panel.orders[0].platform if panel.orders else ""
    for form, platforms in choices.items():
        if len(platforms) > 1:
            wanted = request.POST.get("platform", "") if keep and keep[0] == form else ""
            chosen = next((p for p in (wanted, latest) if p in platforms), platforms[0])
            panel.platforms[form] = [
                PlatformChoice(value=p, label=Platform(p).label, selected=p == chosen) for p in platforms
            ]
    for name in ("discount", "gift_card", "draft_order"):
        panel.keys[name] = new_key()
    if keep is not None:
        form, key = keep
        panel.open_form = form
        kind, _sep, order_id = form.partition("-")
        for order in panel.orders:
            if str(order.pk) == order_id:
                setattr(order, f"{kind}_key", key)
        if not order_id:
            panel.keys[kind] = key
    for order in panel.orders:
        order.open_refund = panel.open_form == f"refund-{order.pk}"
        order.open_cancel = panel.open_form == f"cancel-{order.pk}"
    return panel


def remember_result(request, conversation: Conversation, result) -> None:
    """Keep the action's summary (and a code or link to put in the reply) for the next page view."""
    insert = result.code if result.kind in (Kind.DISCOUNT_CODE, Kind.GIFT_CARD) else result.invoice_url
    if result.kind == Kind.GIFT_CARD and result.replayed:
        insert = ""  # the ledger keeps only the card's last characters
    request.session[RESULT_SESSION_KEY.format(conversation.pk)] = {
        "summary": result.summary,
        "insert": insert or "",
        "kind": result.kind,
    }
