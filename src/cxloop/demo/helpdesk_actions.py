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
from cxloop.helpdesk import sla as clocks
from cxloop.helpdesk.models import Activity, Conversation
from cxloop.helpdesk.services.desk import business_hours
from cxloop.helpdesk.services.sla import (
    PAUSING,
    list_enabled_policies,
    matching_policy,
    targets_of,
    update_sla,
)

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


def compute_sla(store, written, *, now) -> int:
    """Apply the SLA policies to each (conversation, plan) at `now`; return how many have a breach.

    `services.sla.update_sla` does it for every conversation still open and for every resolved one
    that was late (it records the breaches); a resolved conversation that met every target only gets
    its policy, which is all `update_sla` would write for it, in one update per policy. Which
    resolved ones were late is counted with the same clocks (`helpdesk.sla`), from the plan's steps
    rather than one query per conversation, so thousands of conversations stay fast.
    """
    policies = list_enabled_policies(store)
    hours = business_hours(store)
    met: dict[int, list[int]] = {}
    breached = 0
    for conversation, plan in written:
        policy = matching_policy(conversation, policies)
        if policy is None:
            continue
        resolved = conversation.status == Conversation.Status.RESOLVED
        if not resolved or _late(conversation, plan, policy, hours, now):
            update_sla(conversation, now=now, policies=policies)
            breached += conversation.sla_breached
        else:
            met.setdefault(policy.pk, []).append(conversation.pk)
    for policy_id, ids in met.items():
        for start in range(0, len(ids), 500):
            Conversation.objects.filter(pk__in=ids[start : start + 500]).update(sla_policy_id=policy_id)
    return breached


def _late(conversation, plan, policy, hours, now) -> bool:
    """Whether a resolved conversation missed a target of `policy` (as services.sla.build_clocks counts)."""
    answered = max(t for t in (conversation.first_response_at, conversation.last_agent_reply_at) if t)
    waiting = min((s.at for s in plan.steps if s.kind == "in" and s.at > answered), default=None)
    found = clocks.sla_clocks(
        hours, targets_of(policy), created_at=conversation.created_at,
        first_response_at=conversation.first_response_at,
        last_customer_message_at=conversation.last_customer_message_at,
        last_agent_reply_at=conversation.last_agent_reply_at, resolved_at=conversation.resolved_at,
        paused_intervals=_pauses(plan), now=now, next_response_from=waiting,
    )  # fmt: skip
    return any(clock.breached for clock in found)


def _pauses(plan) -> list[tuple]:
    """When the plan's conversation was pending or snoozed (services.sla.paused_intervals, from steps)."""
    pauses, started = [], None
    for step in plan.steps:
        if step.kind != Activity.Kind.STATUS:
            continue
        if step.data["to"] in PAUSING and started is None:
            started = step.at
        elif step.data["to"] not in PAUSING and started is not None:
            pauses.append((started, step.at))
            started = None
    if started is not None:
        pauses.append((started, None))
    return pauses


__all__ = ["GIFT_CARD_NOTE", "compute_sla", "write_store_action"]
