"""The demo help desk's store actions and SLA clocks, written as the help desk's services leave them.

A store action in a demo conversation (a refund, a discount code, a gift
card) is what `helpdesk.services.store_actions` leaves after the platform
said yes: a `commerce.StoreAction` row, done, with the request and result the
platform verb stores (`commerce.actions`), and the conversation's ACTION
activity naming it. No platform is called: the demo store's orders come from
the "demo" platform, and the refunds are those the store mirror already
holds, so the order page, the customer's timeline and the conversation agree.

SLA: once the conversations are written, `services.sla.update_sla` runs on
each of them at the demo's "now": it sets the policy and due times of the
open ones and records, once each, the breaches of the late ones (resolved
too), with their SLA activities.
"""

import random
from datetime import timedelta
from decimal import Decimal

from django.utils.translation import gettext as _

from cxloop.commerce.actions import ActionResult
from cxloop.commerce.actions.shopify import discount_summary, money
from cxloop.commerce.models import StoreAction
from cxloop.core.models import Platform
from cxloop.helpdesk.models import Conversation
from cxloop.helpdesk.services.sla import list_enabled_policies, update_sla

GIFT_CARD_NOTE = "Sorry about the damaged parcel"


def write_store_action(store, conversation: Conversation, customer_id: int, step, rng: random.Random) -> dict:
    """Write the done StoreAction of an "action" step; return its conversation activity's data."""
    kind = step.data["kind"]
    order_id = None
    if kind == StoreAction.Kind.REFUND:
        request, result, order_id = _refund(step.data["refund"])
    elif kind == StoreAction.Kind.DISCOUNT_CODE:
        request, result = _discount_code(store, customer_id, step.data)
    else:
        request, result = _gift_card(store, customer_id, step.data)
    action = StoreAction.objects.create(
        store=store, kind=kind, platform=Platform.DEMO, idempotency_key=f"{rng.getrandbits(128):032x}",
        status=StoreAction.Status.DONE, request=request, result=result, actor=step.actor,
        order_id=order_id, customer_id=customer_id, started_at=step.at,
        finished_at=step.at + timedelta(seconds=rng.uniform(0.5, 3)),
    )  # fmt: skip
    # created_at is set on insert (auto_now_add); the demo's action happened in the past.
    StoreAction.objects.filter(pk=action.pk).update(created_at=step.at)
    return {
        "action": kind, "action_id": action.pk, "summary": result["summary"], "amount": result["amount"],
        "currency": result["currency"],
    }  # fmt: skip


def _refund(refund) -> tuple[dict, dict, int]:
    request = {"order": refund.order_id, "lines": [], "amount": str(refund.amount), "reason": refund.note,
               "notify": True}  # fmt: skip
    result = ActionResult(
        ok=True, kind=StoreAction.Kind.REFUND, platform=Platform.DEMO,
        summary=_("Refunded %(amount)s %(currency)s on order %(order)s.")
        % {"amount": money(refund.amount), "currency": refund.currency, "order": refund.order_number},
        platform_ids={"refund": refund.external_id, "order": refund.order_external_id},
        amount=refund.amount, currency=refund.currency,
    )  # fmt: skip
    return request, result.as_json(), refund.order_id


def _discount_code(store, customer_id: int, data: dict) -> tuple[dict, dict]:
    value = Decimal(data["value"])
    request = {"kind": "percentage", "value": str(value), "code": data["code"], "customer": customer_id}
    result = ActionResult(
        ok=True, kind=StoreAction.Kind.DISCOUNT_CODE, platform=Platform.DEMO,
        summary=discount_summary("percentage", value, data["code"], store.currency),
        platform_ids={"discount": f"demo-discount-{data['code'].lower()}"}, code=data["code"],
    )  # fmt: skip
    return request, result.as_json()


def _gift_card(store, customer_id: int, data: dict) -> tuple[dict, dict]:
    amount = Decimal(data["amount"])
    request = {"amount": str(amount), "currency": store.currency, "customer": customer_id,
               "note": data["note"]}  # fmt: skip
    result = ActionResult(
        ok=True, kind=StoreAction.Kind.GIFT_CARD, platform=Platform.DEMO,
        summary=_("Issued a gift card of %(amount)s %(currency)s, ending in %(last)s.")
        % {"amount": money(amount), "currency": store.currency, "last": data["last"]},
        platform_ids={"gift_card": f"demo-gift-card-{data['last'].lower()}"},
        amount=amount, currency=store.currency, code=data["last"],  # kept masked, as the ledger keeps it
    )  # fmt: skip
    return request, result.as_json()


def compute_sla(store, *, now) -> int:
    """Apply the SLA policies to every conversation at `now`; return how many have a breach recorded."""
    policies = list_enabled_policies(store)
    breached = 0
    for conversation in Conversation.objects.filter(store=store).select_related("store").order_by("pk"):
        update_sla(conversation, now=now, policies=policies)
        breached += conversation.sla_breached
    return breached


__all__ = ["GIFT_CARD_NOTE", "compute_sla", "write_store_action"]
