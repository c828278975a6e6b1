"""Store actions from a conversation's sidebar, and the owners' page of who may take them.

Every form posts its idempotency key (made when the form was drawn): sent
twice, it acts once. The order or customer named in the form is looked up in
the request's store (another store's id is a 404) and must be the
conversation's customer's; a code, gift card or draft order also names the
platform chosen when the store is connected to several. A refusal (role, limit, the platform's words) is
shown on the page, with the form still open and its key kept; nothing is
written on the conversation.
"""

from decimal import Decimal, InvalidOperation

from django.contrib import messages as flash
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cxloop.commerce import queries as commerce_queries
from cxloop.commerce.actions import CustomLine
from cxloop.core import audit
from cxloop.core.errors import DomainError, InvalidInput
from cxloop.core.inputs import parse_int, parse_text
from cxloop.web.access import admin_required

from . import action_policies
from .actions_panel import build_actions_panel, remember_result
from .services import store_actions as services
from .views import _conversation_context, conversation_view

MAX_TEXT = 500
DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩٫", "01234567890123456789.")


def parse_amount(raw, *, field: str, required: bool = False) -> Decimal | None:
    """A form's amount ("49.50", "۴۹٫۵"), or None when empty; InvalidInput in words otherwise."""
    text = parse_text(raw, max_length=30).translate(DIGITS).replace(",", ".")
    if not text:
        if required:
            raise InvalidInput(_("Give an amount."), field=field)
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InvalidInput(_("Give the amount as a number, like 12.50."), field=field) from None
    if not value.is_finite():
        raise InvalidInput(_("Give the amount as a number, like 12.50."), field=field)
    return value


def _flag(post, name: str) -> bool:
    return post.get(name) in ("1", "on", "true")


def _key(post) -> str:
    return parse_text(post.get("idempotency_key"), max_length=200)


def _platform(post) -> str:
    """The platform chosen for an action without an order (empty when the form offered no choice)."""
    return parse_text(post.get("platform"), max_length=40)


def _act(request, conversation, form: str, perform):
    """Run one action; on success remember its result and go back, else show why with the form open."""
    key = _key(request.POST)
    try:
        if not key:
            raise InvalidInput(_("This form is out of date: reload the page and try again."))
        result = perform(key)
    except DomainError as error:
        flash.error(request, error.message)
        panel = build_actions_panel(request, conversation, keep=(form, key))
        context = _conversation_context(request, conversation, actions_panel=panel)
        return render(request, "helpdesk/conversation.html", context, status=error.status)
    remember_result(request, conversation, result)
    flash.success(request, result.summary)
    return redirect("helpdesk:conversation", conversation_id=conversation.pk)


@conversation_view("POST")
def post_refund(request, conversation):
    """Refund some lines (quantities `line-<id>`, or `whole` for all) and/or an amount of an order."""
    post = request.POST
    order = commerce_queries.get_order(request.store, post.get("order"))

    def perform(key):
        lines = []
        for line in order.line_items.order_by("id"):
            if _flag(post, "whole"):
                lines.append((line, line.quantity))
                continue
            quantity = parse_int(post.get(f"line-{line.pk}"), minimum=0, maximum=10_000)
            if quantity is None and post.get(f"line-{line.pk}", "").strip():
                raise InvalidInput(_("A quantity is a whole number from 0."), field=f"line-{line.pk}")
            if quantity:
                lines.append((line, quantity))
        return services.refund_order(
            conversation=conversation, membership=request.membership, order=order, lines=lines,
            amount=parse_amount(post.get("amount"), field="amount"),
            reason=parse_text(post.get("reason"), max_length=MAX_TEXT), notify=_flag(post, "notify"),
            idempotency_key=key,
        )  # fmt: skip

    return _act(request, conversation, f"refund-{order.pk}", perform)


@conversation_view("POST")
def post_cancel(request, conversation):
    post = request.POST
    order = commerce_queries.get_order(request.store, post.get("order"))

    def perform(key):
        return services.cancel_order(
            conversation=conversation, membership=request.membership, order=order,
            reason=parse_text(post.get("reason"), max_length=20) or "customer", refund=_flag(post, "refund"),
            restock=_flag(post, "restock"), notify=_flag(post, "notify"), idempotency_key=key,
        )  # fmt: skip

    return _act(request, conversation, f"cancel-{order.pk}", perform)


@conversation_view("POST")
def post_discount(request, conversation):
    post = request.POST
    customer = commerce_queries.get_customer(request.store, post.get("customer"))

    def perform(key):
        kind = parse_text(post.get("kind"), max_length=20)
        value = None
        if kind != "free_shipping":
            value = parse_amount(post.get("value"), field="value", required=True)
        return services.create_discount_code(
            conversation=conversation, membership=request.membership, customer=customer, kind=kind,
            value=value, idempotency_key=key, platform=_platform(post),
        )  # fmt: skip

    return _act(request, conversation, "discount", perform)


@conversation_view("POST")
def post_gift_card(request, conversation):
    post = request.POST
    customer = commerce_queries.get_customer(request.store, post.get("customer"))

    def perform(key):
        return services.issue_gift_card(
            conversation=conversation, membership=request.membership, customer=customer,
            amount=parse_amount(post.get("amount"), field="amount", required=True),
            note=parse_text(post.get("note"), max_length=MAX_TEXT), idempotency_key=key,
            platform=_platform(post),
        )  # fmt: skip

    return _act(request, conversation, "gift_card", perform)


@conversation_view("POST")
def post_draft_order(request, conversation):
    """A draft order of one custom line (title, unit price, quantity), its invoice sent if asked."""
    post = request.POST
    customer = commerce_queries.get_customer(request.store, post.get("customer"))

    def perform(key):
        title = parse_text(post.get("title"), max_length=255)
        price = parse_amount(post.get("price"), field="price", required=True)
        quantity = parse_int(post.get("quantity") or "1", minimum=1, maximum=10_000)
        if quantity is None:
            raise InvalidInput(_("A quantity is a whole number from 1."), field="quantity")
        return services.create_draft_order(
            conversation=conversation, membership=request.membership, customer=customer,
            lines=[(CustomLine(title=title, price=price), quantity)],
            send_invoice=_flag(post, "send_invoice"),
            note=parse_text(post.get("note"), max_length=MAX_TEXT), idempotency_key=key,
            platform=_platform(post),
        )  # fmt: skip

    return _act(request, conversation, "draft_order", perform)


# The owners' page --------------------------------------------------------------------------------


def _posted_policies(post) -> dict[str, dict]:
    values = {}
    for kind in action_policies.KINDS:
        given = {name: _flag(post, f"{kind}-{name}") for name in ("admins_may", "agents_may")}
        for name in ("max_amount", "max_amount_per_day", "max_percent"):
            given[name] = parse_amount(post.get(f"{kind}-{name}"), field=f"{kind}-{name}")
        values[kind] = given
    return values


@admin_required
def action_settings(request):
    """Who may refund, cancel, give codes and gift cards, make draft orders, and up to what amount."""
    status = 200
    if request.method == "POST":
        try:
            values = _posted_policies(request.POST)
            actor = audit.Actor.from_request(request)
            services.set_action_policies(store=request.store, values=values, actor=actor)
        except DomainError as error:
            flash.error(request, error.message)
            status = 422
        else:
            flash.success(request, _("Saved."))
            return redirect("helpdesk:action-settings")
    policies = action_policies.list_action_policies(request.store)
    rows = [
        (
            policy,
            action_policies.Kind(kind).label,
            kind in action_policies.LIMITED_KINDS,
            kind == action_policies.Kind.DISCOUNT_CODE,
        )
        for kind, policy in policies.items()
    ]
    return render(
        request, "helpdesk/action_settings.html", {"section": "helpdesk", "rows": rows}, status=status
    )
