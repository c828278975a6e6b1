"""SLA policies applied to conversations: which policy, when each target is due, which ran out.

    policy = save_policy(store=store, fields={"name": "Urgent", "priority": "urgent",
                                              "first_response_minutes": 60}, actor=admin)
    update_sla(conversation)          # after anything that moves a clock; records breaches once
    record_breaches()                 # periodic: conversations whose due time has passed

The clocks themselves are counted by the pure module ``helpdesk.sla`` in the
store's business hours (``services.desk.business_hours``). This module keeps
their result on the conversation, so the inbox filters and sorts by SLA state
with an index:

- ``sla_policy``: the first enabled policy, by position, whose priority and
  channel match (blank matches any); None when none does.
- ``first_response_due_at``, ``next_response_due_at``, ``resolution_due_at``:
  each target's due time while its clock runs (None once met, while the
  resolution clock is paused, or without such a target).
- ``sla_due_at``: the earliest of those not passed yet, the next deadline to
  watch; ``sla_breached``: whether any target of the policy ran out.

Pending and snoozed pause the resolution clock; the pauses come from the
conversation's status ``Activity`` rows. Each breach is one ``SlaBreach`` row
(unique per conversation, target and clock start) with an ``Activity`` of kind
SLA beside it, written in the same transaction, so a sweep cut off by a crash
and run again records nothing twice.
"""

from datetime import datetime, timedelta
from functools import partial

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cxloop.core import store_config
from cxloop.core.errors import InvalidInput

from .. import sla as clocks
from ..models import Activity, Channel, Conversation, Message, SlaBreach, SlaPolicy
from .desk import business_hours

PAUSING = {Conversation.Status.PENDING, Conversation.Status.SNOOZED}
MAX_TARGET_MINUTES = 366 * 24 * 60
SWEEP_BATCH = 500
DUE_FIELDS = {
    clocks.FIRST_RESPONSE: "first_response_due_at",
    clocks.NEXT_RESPONSE: "next_response_due_at",
    clocks.RESOLUTION: "resolution_due_at",
}
POLICY_FIELDS = (
    "name",
    "priority",
    "channel",
    "first_response_minutes",
    "next_response_minutes",
    "resolution_minutes",
    "position",
    "enabled",
)


# Which policy


def list_enabled_policies(store) -> list[SlaPolicy]:
    """The store's enabled policies by position (read once while the store's configuration is
    unchanged, core.store_config)."""
    return _enabled_policies(store.pk)


def _enabled_policies(store_id: int) -> list[SlaPolicy]:
    return store_config.cached(
        store_id,
        "helpdesk.sla_policies",
        lambda: list(SlaPolicy.objects.filter(store_id=store_id, enabled=True).order_by("position", "pk")),
    )


def matching_policy(conversation: Conversation, policies: list[SlaPolicy] | None = None) -> SlaPolicy | None:
    """The first enabled policy (by position) whose priority and channel fit the conversation."""
    if policies is None:
        policies = _enabled_policies(conversation.store_id)  # the store's row is not needed
    for policy in policies:
        if policy.priority in ("", conversation.priority) and policy.channel in ("", conversation.channel):
            return policy
    return None


def targets_of(policy: SlaPolicy) -> clocks.SlaTargets:
    def minutes(value):
        return None if value is None else timedelta(minutes=value)

    return clocks.SlaTargets(
        first_response=minutes(policy.first_response_minutes),
        next_response=minutes(policy.next_response_minutes),
        resolution=minutes(policy.resolution_minutes),
    )


# The clocks of one conversation


def paused_intervals(conversation: Conversation) -> list[tuple[datetime, datetime | None]]:
    """When the conversation was pending or snoozed, read from its status activities (None: still is)."""
    changes = Activity.objects.filter(conversation_id=conversation.pk, kind=Activity.Kind.STATUS).order_by(
        "created_at", "pk"
    )
    pauses, started = [], None
    for at, data in changes.values_list("created_at", "data"):
        to = (data or {}).get("to")
        if to in PAUSING and started is None:
            started = at
        elif to not in PAUSING and started is not None:
            pauses.append((started, at))
            started = None
    if started is not None:
        pauses.append((started, None))
    return pauses


def waiting_since(conversation: Conversation) -> datetime | None:
    """The oldest customer message not answered yet, after the first reply (a next response's start)."""
    answered = max(
        (t for t in (conversation.first_response_at, conversation.last_agent_reply_at) if t), default=None
    )
    if answered is None:
        return None
    oldest = (
        Message.objects.filter(
            conversation_id=conversation.pk,
            kind=Message.Kind.INCOMING,
            auto_submitted=False,
            bounce=False,
            created_at__gt=answered,
        )
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return oldest


def build_clocks(
    conversation: Conversation, policy: SlaPolicy, *, hours=None, now: datetime | None = None
) -> list[clocks.SlaClock]:
    """The conversation's clocks under `policy` at `now`, counted in the store's business hours."""
    now = now or timezone.now()
    pauses = paused_intervals(conversation)
    ended = [end for _start, end in pauses if end is not None]
    if conversation.status not in PAUSING and ended and max(ended) >= now:
        # sla.py takes a pause ending at `now` for one still going on; this one ended in this
        # very change (reopened now), so look a microsecond later.
        now = max(ended) + timedelta(microseconds=1)
    return clocks.sla_clocks(
        hours or business_hours(conversation.store),
        targets_of(policy),
        created_at=conversation.created_at,
        first_response_at=conversation.first_response_at,
        last_customer_message_at=conversation.last_customer_message_at,
        last_agent_reply_at=conversation.last_agent_reply_at,
        resolved_at=conversation.resolved_at if conversation.status == Conversation.Status.RESOLVED else None,
        paused_intervals=pauses,
        now=now,
        next_response_from=waiting_since(conversation),
    )


def _clock_start(conversation: Conversation, clock: clocks.SlaClock) -> datetime:
    """What tells one clock of a target from the next: a next response starts at each unanswered message."""
    if clock.target != clocks.NEXT_RESPONSE:
        return conversation.created_at
    start = waiting_since(conversation) or conversation.last_customer_message_at
    return max(start, conversation.first_response_at)


# Keeping the conversation's SLA fields


def update_sla(
    conversation: Conversation, *, now: datetime | None = None, policies: list[SlaPolicy] | None = None
) -> list[clocks.SlaClock]:
    """Apply the matching policy, store each target's due time, and record new breaches; return the clocks.

    Call it after anything that moves a clock (a message, a reply, a status,
    priority or channel change, a policy or hours change). Safe to call any
    number of times: a breach is recorded once per clock.
    """
    policy = matching_policy(conversation, policies)
    if policy is None and _has_no_sla(conversation):
        return []  # no policy before, none now: nothing to write (most stores, most mail)
    return _apply_policy(conversation, policy, now or timezone.now())


@transaction.atomic
def _apply_policy(conversation: Conversation, policy: SlaPolicy | None, now: datetime) -> list:
    fields = {"sla_policy": policy, "sla_due_at": None, "sla_breached": False}
    fields |= {name: None for name in DUE_FIELDS.values()}
    found = build_clocks(conversation, policy, now=now) if policy is not None else []
    for clock in found:
        running = clock.met_at is None and clock.due_at is not None
        fields[DUE_FIELDS[clock.target]] = clock.due_at if running else None
        if clock.breached:
            fields["sla_breached"] = True
            _record_breach(conversation, policy, clock, now)
        elif running and (fields["sla_due_at"] is None or clock.due_at < fields["sla_due_at"]):
            fields["sla_due_at"] = clock.due_at
    Conversation.objects.filter(pk=conversation.pk).update(**{k: v for k, v in fields.items()})
    for name, value in fields.items():
        setattr(conversation, name, value)
    return found


def _has_no_sla(conversation: Conversation) -> bool:
    return (
        conversation.sla_policy_id is None
        and not conversation.sla_breached
        and conversation.sla_due_at is None
        and all(getattr(conversation, name) is None for name in DUE_FIELDS.values())
    )


def _record_breach(conversation: Conversation, policy: SlaPolicy, clock: clocks.SlaClock, now) -> None:
    """One SlaBreach (and its Activity) per clock; a second call finds the row and writes nothing."""
    started_at = _clock_start(conversation, clock)
    if SlaBreach.objects.filter(
        conversation=conversation, target=clock.target, started_at=started_at
    ).exists():
        return
    try:
        with transaction.atomic():
            SlaBreach.objects.create(
                store_id=conversation.store_id,
                conversation=conversation,
                policy=policy,
                target=clock.target,
                started_at=started_at,
                due_at=clock.due_at,
                recorded_at=now,
            )
            Activity.objects.create(
                store_id=conversation.store_id,
                conversation=conversation,
                kind=Activity.Kind.SLA,
                rule_name=policy.name,
                data={"target": clock.target, "due_at": clock.due_at.isoformat(), "policy": policy.name},
                created_at=clock.due_at,
            )
    except IntegrityError:
        pass  # recorded meanwhile by another worker


def record_breaches(*, now: datetime | None = None) -> int:
    """Record every breach whose due time has passed (periodic); return how many conversations changed.

    Each conversation is updated in its own transaction, so a run cut off by a
    crash keeps what it did, and the next run records the rest once.
    """
    now = now or timezone.now()
    due = Conversation.objects.filter(sla_due_at__lte=now).order_by("sla_due_at")
    changed = 0
    for pk in list(due.values_list("pk", flat=True)[:SWEEP_BATCH]):
        conversation = Conversation.objects.select_related("store").filter(pk=pk).first()
        if conversation is None:
            continue
        before = conversation.sla_breached
        update_sla(conversation, now=now)
        changed += conversation.sla_breached and not before
    return changed


def recompute_open(store, *, now: datetime | None = None) -> int:
    """Recompute every conversation of the store that is not resolved (after a policy or hours change)."""
    now = now or timezone.now()
    policies = list_enabled_policies(store)
    count = 0
    open_ids = Conversation.objects.filter(store=store).exclude(status=Conversation.Status.RESOLVED)
    for pk in list(open_ids.values_list("pk", flat=True)):
        conversation = Conversation.objects.select_related("store").filter(pk=pk).first()
        if conversation is not None:
            update_sla(conversation, now=now, policies=policies)
            count += 1
    return count


def schedule_recompute(store) -> None:
    """Recompute the store's open conversations in the background, after this transaction commits."""
    from ..tasks import recompute_sla_task

    transaction.on_commit(partial(recompute_sla_task.enqueue, store.pk))


# Reads for triggers and pages


def conversations_about_to_breach(store, within: timedelta, *, now: datetime | None = None) -> QuerySet:
    """The store's conversations with a target due within `within` from now, not passed yet, soonest first.

    The "SLA about to breach" trigger of the rules engine reads this.
    """
    now = now or timezone.now()
    return Conversation.objects.filter(
        store=store, sla_due_at__gt=now, sla_due_at__lte=now + within
    ).order_by("sla_due_at", "pk")


# Policies


def _minutes(fields: dict, name: str) -> int | None:
    value = fields.get(name)
    if value in (None, ""):
        return None
    try:
        minutes = int(str(value).strip())
    except ValueError:
        raise InvalidInput(_("Enter a whole number of minutes."), field=name) from None
    if not 1 <= minutes <= MAX_TARGET_MINUTES:
        raise InvalidInput(_("Enter between 1 minute and a year of minutes."), field=name)
    return minutes


def clean_policy(fields: dict) -> dict:
    """The policy's fields checked and typed; raises InvalidInput naming the first bad field."""
    name = " ".join(str(fields.get("name") or "").split())[:100]
    if not name:
        raise InvalidInput(_("Give the policy a name."), field="name")
    priority = fields.get("priority") or ""
    if priority not in ("", *Conversation.Priority.values):
        raise InvalidInput(_("Unknown priority."), field="priority")
    channel = fields.get("channel") or ""
    if channel not in ("", *Channel.values):
        raise InvalidInput(_("Unknown channel."), field="channel")
    cleaned = {"name": name, "priority": priority, "channel": channel}
    for target in ("first_response_minutes", "next_response_minutes", "resolution_minutes"):
        cleaned[target] = _minutes(fields, target)
    if all(cleaned[target] is None for target in DUE_TARGET_FIELDS):
        raise InvalidInput(_("Set at least one target."), field="first_response_minutes")
    try:
        position = int(str(fields.get("position") or 0).strip())
    except ValueError:
        raise InvalidInput(_("Enter a whole number."), field="position") from None
    if not 0 <= position <= 10_000:
        raise InvalidInput(_("Enter a number from 0 to 10000."), field="position")
    cleaned["position"] = position
    cleaned["enabled"] = bool(fields.get("enabled"))
    return cleaned


DUE_TARGET_FIELDS = ("first_response_minutes", "next_response_minutes", "resolution_minutes")


@transaction.atomic
def save_policy(*, store, fields: dict, policy: SlaPolicy | None = None) -> SlaPolicy:
    """Create or change a policy; open conversations are recomputed in the background after commit.

    Raises InvalidInput naming the bad field.
    """
    cleaned = clean_policy(fields)
    if policy is None:
        policy = SlaPolicy.objects.create(store=store, **cleaned)
    else:
        for name, value in cleaned.items():
            setattr(policy, name, value)
        policy.save(update_fields=list(cleaned))
    schedule_recompute(store)
    return policy


@transaction.atomic
def delete_policy(*, policy: SlaPolicy) -> None:
    """Remove a policy; its conversations take the next matching policy (recomputed after commit)."""
    store = policy.store
    policy.delete()
    schedule_recompute(store)


__all__ = [
    "conversations_about_to_breach",
    "delete_policy",
    "matching_policy",
    "record_breaches",
    "recompute_open",
    "save_policy",
    "update_sla",
]
