"""Reads of SLA state for the pages: policies, a conversation's clocks, inbox rows and the SLA filter.

The inbox filters by the fields ``services.sla.update_sla`` keeps on the
conversation (indexed ``store, sla_breached, sla_due_at``):

    breached     a target ran out: sla_breached, or sla_due_at already passed
                 (before the periodic sweep has recorded it)
    due_soon     the next deadline is within an hour (soonest first)
    on_track     a policy applies and nothing is due within an hour
    none         no policy applies
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cxloop.core.inputs import parse_db_id

from . import sla as clocks
from .hours import business_time_between
from .models import Conversation, SlaPolicy
from .services.desk import business_hours
from .services.sla import PAUSING, build_clocks

DUE_SOON = timedelta(hours=1)
SLA_STATES = {
    "breached": _("Breached"),
    "due_soon": _("Due within an hour"),
    "on_track": _("On track"),
    "none": _("No SLA"),
}


def list_policies(store) -> QuerySet[SlaPolicy]:
    """The store's policies in the order they are tried."""
    return SlaPolicy.objects.filter(store=store).order_by("position", "pk")


def get_policy(store, policy_id) -> SlaPolicy:
    """One policy of the store; Http404 for another store's id."""
    pk = parse_db_id(str(policy_id))
    policy = SlaPolicy.objects.filter(store=store, pk=pk).select_related("store").first() if pk else None
    if policy is None:
        raise Http404("No such SLA policy")
    return policy


def filter_by_sla_state(conversations: QuerySet, state: str, *, now: datetime | None = None) -> QuerySet:
    """Keep the conversations in one SLA state (see the module docstring); an unknown state keeps all.

    The inbox page states the same conditions in SQL (`inbox_queries.SLA_CONDITIONS`; a test
    compares the two)."""
    if state not in SLA_STATES:
        return conversations
    now = now or timezone.now()
    breached = Q(sla_breached=True) | Q(sla_due_at__lte=now)
    if state == "breached":
        return conversations.filter(breached)
    if state == "due_soon":
        due_soon = conversations.filter(
            sla_breached=False, sla_due_at__gt=now, sla_due_at__lte=now + DUE_SOON
        )

        return due_soon.order_by("sla_due_at", "pk")  # the most urgent first
    if state == "on_track":
        return (
            conversations.filter(sla_policy__isnull=False)
            .exclude(breached)
            .exclude(sla_due_at__lte=now + DUE_SOON)
        )
    return conversations.filter(sla_policy__isnull=True)


@dataclass(frozen=True)
class ClockRow:
    """One target of the conversation page's SLA box."""

    label: str
    due_at: datetime | None
    remaining: timedelta | None  # business time; negative once breached
    breached: bool
    met: bool
    paused: bool


def list_clock_rows(conversation: Conversation, *, now: datetime | None = None) -> list[ClockRow]:
    """The conversation's SLA targets as the page shows them; empty without a policy."""
    if conversation.sla_policy_id is None:
        return []
    policy = SlaPolicy.objects.filter(pk=conversation.sla_policy_id).first()
    if policy is None:
        return []
    rows = []
    for clock in build_clocks(conversation, policy, now=now):
        if clock.due_at is None and clock.remaining is None:
            continue  # a next response with nothing waiting
        rows.append(
            ClockRow(
                label=str(clocks.TARGET_LABELS[clock.target]),
                due_at=clock.due_at,
                remaining=clock.remaining,
                breached=clock.breached,
                met=clock.met_at is not None,
                paused=clock.paused,
            )
        )
    return rows


def label_inbox_rows(store, conversations: list[Conversation], *, now: datetime | None = None) -> None:
    """Give each inbox row ``sla_label``: "breached", "paused", "due" (with ``sla_left``) or ""."""
    now = now or timezone.now()
    hours = None
    for conversation in conversations:
        conversation.sla_left = None
        if conversation.sla_breached or (conversation.sla_due_at and conversation.sla_due_at <= now):
            conversation.sla_label = "breached"
        elif conversation.sla_due_at:
            hours = hours or business_hours(store)
            conversation.sla_label = "due"
            conversation.sla_left = business_time_between(hours, now, conversation.sla_due_at)
        elif conversation.sla_policy_id and conversation.status in PAUSING:
            conversation.sla_label = "paused"
        else:
            conversation.sla_label = ""
