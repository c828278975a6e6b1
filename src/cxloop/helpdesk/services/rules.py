"""Automation rules: "when this happens, if these hold, then do that", written by a store's admins.

    save_rule(store=store, actor=owner, fields={
        "name": "Refunds to the returns team", "trigger": "created",
        "conditions": [{"kind": "text_contains", "value": "refund, zwrot"}],
        "actions": [{"kind": "assign_team", "value": "Returns"}],
    })
    run_rules(conversation, Rule.Trigger.SLA_BREACHING, context={"target": "first_response"})

`run_rules` is the one door: intake (created, the customer writes again),
conversations.set_status (status changed), the idle sweep, the surveys'
low-score follow-up, and any module that fires a trigger (the SLA timer) call
it. It runs the store's enabled rules of that trigger in position order,
outside the caller's transaction when there is none: each rule's actions
commit together or not at all (a savepoint), and a failing rule is written on
the conversation (Activity "rule_failed") while the next rules still run.

No loops: while rules run, a change they make (a status a rule sets) does not
fire rules again; the run is one level deep, whatever the rules say.
"""

import logging
from contextvars import ContextVar
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cxloop.core import store_config
from cxloop.core.errors import DomainError, InvalidInput
from cxloop.core.models import Store
from cxloop.hooks import services as hooks
from cxloop.surveys import services as surveys_services

from .. import rulebook
from ..events import RULE_FIRED
from ..models import Activity, CannedReply, Conversation, Message, Rule, RuleRun, Team
from . import conversations
from .intake import conversation_payload

logger = logging.getLogger(__name__)

MAX_RULES = 200
MAX_IDLE_HOURS = 24 * 90
IDLE_BATCH = 500  # conversations per store and sweep; the next sweep takes the rest
UNRESOLVED = (Conversation.Status.OPEN, Conversation.Status.PENDING, Conversation.Status.SNOOZED)
TRIGGERS = frozenset(Rule.Trigger.values)  # (an enum's `values` builds its list again on every use)

_running: ContextVar[bool] = ContextVar("helpdesk_rules_running", default=False)


# --- writing rules --------------------------------------------------------------------------------


def _clean_name(store, name, rule: Rule | None) -> str:
    name = " ".join(str(name or "").replace("\x00", "").split())
    if not name:
        raise InvalidInput(_("Give the rule a name."), field="name")
    if len(name) > 200:
        raise InvalidInput(_("The name is too long."), field="name")
    same = Rule.objects.filter(store=store, name__iexact=name).exclude(pk=rule.pk if rule else None)
    if same.exists():
        raise InvalidInput(_("Another rule has this name."), field="name")
    return name


def _clean_idle_hours(trigger: str, value) -> int | None:
    if trigger != Rule.Trigger.IDLE:
        return None
    try:
        hours = int(str(value).strip())
    except ValueError:
        hours = 0
    if not 1 <= hours <= MAX_IDLE_HOURS:
        words = _("Write a number of hours from 1 to %(max)s.") % {"max": MAX_IDLE_HOURS}
        raise InvalidInput(words, field="idle_hours")
    return hours


def clean_rule(*, store, fields: dict, rule: Rule | None = None) -> dict:
    """The rule's fields as stored; raises InvalidInput naming the first field at fault."""
    trigger = str(fields.get("trigger") or "")
    if trigger not in Rule.Trigger.values:
        raise InvalidInput(_("Choose when the rule runs."), field="trigger")
    return {
        "name": _clean_name(store, fields.get("name"), rule),
        "trigger": trigger,
        "idle_hours": _clean_idle_hours(trigger, fields.get("idle_hours")),
        "enabled": bool(fields.get("enabled", True)),
        "conditions": rulebook.clean_conditions(store, fields.get("conditions", [])),
        "actions": rulebook.clean_actions(store, fields.get("actions", [])),
    }


@transaction.atomic
def save_rule(*, store, fields: dict, actor, rule: Rule | None = None) -> Rule:
    """Create a rule (run last) or change one; every field is checked first (InvalidInput names it)."""
    values = clean_rule(store=store, fields=fields, rule=rule)
    if rule is None:
        rules = Rule.objects.select_for_update().filter(store=store)
        if rules.count() >= MAX_RULES:
            raise InvalidInput(_("A store can have at most %(max)s rules.") % {"max": MAX_RULES})
        last = rules.aggregate(last=Max("position"))["last"]
        rule = Rule(store=store, created_by=actor, position=0 if last is None else last + 1)
    for name, value in values.items():
        setattr(rule, name, value)
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError:  # the same name saved at the same moment
        raise InvalidInput(_("Another rule has this name."), field="name") from None
    return rule


@transaction.atomic
def move_rule(*, rule: Rule, up: bool) -> None:
    """Run the rule one place earlier (up) or later; the first stays first, the last last."""
    rules = list(Rule.objects.select_for_update().filter(store_id=rule.store_id).order_by("position", "pk"))
    index = next(i for i, other in enumerate(rules) if other.pk == rule.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(rules):
        return
    rules[index], rules[other] = rules[other], rules[index]
    for position, each in enumerate(rules):
        if each.position != position:
            Rule.objects.filter(pk=each.pk).update(position=position)
    store_config.changed(rule.store_id)  # updates send no signal


def set_rule_enabled(*, rule: Rule, enabled: bool) -> Rule:
    """Turn a rule on or off; an off rule never runs."""
    rule.enabled = enabled
    rule.save(update_fields=["enabled", "updated_at"])
    return rule


def delete_rule(*, rule: Rule) -> None:
    """Delete a rule and its log; what it did stays written on the conversations."""
    rule.delete()


# --- running rules --------------------------------------------------------------------------------


def run_rules(conversation: Conversation, trigger: str, *, context: dict | None = None) -> list[RuleRun]:
    """Run the store's enabled rules of `trigger` on the conversation, in order; return those that fired.

    `context` may hold "message" (the message that fired it), "now", and
    "once_key" (a rule fires at most once per conversation and key). Called
    while rules run (a rule's own change), it does nothing. Never raises for
    a failing rule: the failure is written on the conversation.
    """
    if _running.get() or trigger not in TRIGGERS:
        return []
    rules = store_config.cached(  # read once while the store's configuration is unchanged
        conversation.store_id,
        ("helpdesk.rules", trigger),
        lambda: list(
            Rule.objects.filter(store_id=conversation.store_id, trigger=trigger, enabled=True).order_by(
                "position", "pk"
            )
        ),
    )
    if not rules:
        return []
    context = dict(context or {})
    now = context.get("now") or timezone.now()
    facts = rulebook.Facts(conversation, context.get("message"), now)
    token = _running.set(True)
    try:
        return [run for rule in rules if (run := _run_rule(rule, conversation, facts, context)) is not None]
    finally:
        _running.reset(token)


def _run_rule(rule: Rule, conversation: Conversation, facts, context: dict) -> RuleRun | None:
    try:
        if rule.trigger == Rule.Trigger.IDLE and not _idle_long_enough(rule, conversation, facts.now):
            return None
        if not rulebook.conditions_hold(rule.conditions, facts):
            return None
    except Exception as error:  # a broken condition is this rule's failure, not the others'
        return _failed(rule, conversation, facts.now, error, RuleRun(trigger=rule.trigger))
    run = _claim(rule, conversation, _once_key(rule, conversation, context), facts.now)
    if run is None:
        return None
    try:
        with transaction.atomic():
            for action in rule.actions:
                _do(action, rule, conversation, context, facts.now)
    except Exception as error:  # each rule stands alone: the next rules still run
        conversation.refresh_from_db()
        return _failed(rule, conversation, facts.now, error, run)
    Rule.objects.filter(pk=rule.pk).update(fired_count=F("fired_count") + 1, last_fired_at=facts.now)
    return run


def _once_key(rule: Rule, conversation: Conversation, context: dict) -> str:
    if rule.trigger == Rule.Trigger.IDLE:
        return f"idle:{conversation.last_message_at.isoformat()}"  # once per quiet spell
    return str(context.get("once_key") or "")[:100]


def _idle_long_enough(rule: Rule, conversation: Conversation, now: datetime) -> bool:
    quiet_since = now - timedelta(hours=rule.idle_hours or 0)
    return bool(rule.idle_hours) and conversation.last_message_at <= quiet_since


def _claim(rule: Rule, conversation: Conversation, once_key: str, now: datetime) -> RuleRun | None:
    """The log row of this firing; None if the rule already fired for this once_key."""
    try:
        with transaction.atomic():
            return RuleRun.objects.create(
                store_id=conversation.store_id, rule=rule, conversation=conversation,
                trigger=rule.trigger, once_key=once_key, created_at=now,
            )  # fmt: skip
    except IntegrityError:
        return None


def _failed(rule: Rule, conversation: Conversation, now: datetime, error: Exception, run: RuleRun):
    if isinstance(error, DomainError):
        words = error.message
    else:
        logger.exception("Rule %s failed on conversation %s", rule.pk, conversation.pk)
        words = _("Unexpected error (%(kind)s).") % {"kind": type(error).__name__}
    run.failed, run.error = True, str(words)[:500]
    if run.pk:
        run.save(update_fields=["failed", "error"])
    else:
        run.store_id, run.rule, run.conversation, run.created_at = (
            conversation.store_id,
            rule,
            conversation,
            now,
        )
        run.save()
    conversations._log(conversation, Activity.Kind.RULE_FAILED, None, now, rule.name, error=run.error)
    Rule.objects.filter(pk=rule.pk).update(fired_count=F("fired_count") + 1, last_fired_at=now)
    return run


def _is_automatic(message: Message | None) -> bool:
    return message is not None and (message.auto_submitted or message.bounce)


def _do(action: dict, rule: Rule, conversation: Conversation, context: dict, now: datetime) -> None:
    kind, value, name = action.get("kind"), action.get("value"), rule.name
    known = rulebook.ACTIONS.get(kind)
    if known is None:
        raise DomainError(_("This rule has an action that is no longer available."), code="unknown_action")
    if known.to_customer and _is_automatic(context.get("message")):
        return  # never answer an auto-reply or a bounce: that is how mail loops start
    if kind == "assign_agent":
        user = get_user_model().objects.filter(pk=value).first()
        conversations.assign(conversation=conversation, assignee=user, actor=None, rule_name=name)
    elif kind == "assign_team":
        team = Team.objects.filter(store_id=conversation.store_id, pk=value).first()
        if team is None:
            raise DomainError(_("The team this rule assigns to no longer exists."), code="no_team")
        conversations.set_team(conversation=conversation, team=team, actor=None, rule_name=name)
    elif kind == "assign_skill":
        from .routing import agent_with_skill

        agent = agent_with_skill(conversation.store, value, conversation.language)
        if agent is not None:  # nobody with the skill has room: the conversation stays where it is
            conversations.assign(conversation=conversation, assignee=agent, actor=None, rule_name=name)
    elif kind == "add_tags":
        names = [*conversation.tags.values_list("name", flat=True), *value]
        conversations.set_tags(conversation=conversation, names=names, actor=None, rule_name=name)
    elif kind == "set_priority":
        conversations.set_priority(conversation=conversation, priority=value, actor=None, rule_name=name)
    elif kind in ("set_status", "snooze_hours"):
        status = value if kind == "set_status" else Conversation.Status.SNOOZED
        until = now + timedelta(hours=value) if kind == "snooze_hours" else None
        conversations.set_status(
            conversation=conversation, status=status, snoozed_until=until, actor=None, rule_name=name
        )
    elif kind == "reply_canned":
        _reply_canned(conversation, value, name, now)
    elif kind == "send_survey":
        _send_survey(conversation, name, now)
    elif kind == "webhook":
        _publish(conversation, rule, now)


def _reply_canned(conversation: Conversation, canned_id: int, rule_name: str, now: datetime) -> None:
    """Send the canned reply, filled in for this conversation; refuse it with a variable left empty.

    A person sees the empty variable and decides; a rule cannot, so the rule fails (and says why on
    the conversation) rather than send "Hello ," to the customer.
    """
    from .canned import render_canned

    canned = CannedReply.objects.filter(store_id=conversation.store_id, pk=canned_id).first()
    if canned is None:
        raise DomainError(_("The canned reply this rule sends no longer exists."), code="no_canned_reply")
    text, missing = render_canned(canned, conversation, None)
    if missing:
        names = ", ".join(f"{{{{ {name} }}}}" for name in missing)
        raise DomainError(
            _("The canned reply has no value for %(names)s here, so it was not sent.") % {"names": names},
            code="canned_reply_incomplete",
        )
    message = conversations.reply(conversation=conversation, author=None, text=text)
    conversations._log(
        conversation, Activity.Kind.RULE, None, now, rule_name,
        action="reply_canned", canned=canned.title, message_id=message.pk,
    )  # fmt: skip


def _send_survey(conversation: Conversation, rule_name: str, now: datetime) -> None:
    """The "after a help-desk conversation" surveys, as resolving would send them (once per conversation)."""
    if conversation.customer_id is None:
        invited = 0
    else:
        invited = len(
            surveys_services.invite_after_conversation(
                store=conversation.store,
                customer=conversation.customer,
                conversation_reference=f"helpdesk-conversation:{conversation.pk}",
                now=now,
            )
        )
    conversations._log(
        conversation, Activity.Kind.RULE, None, now, rule_name, action="send_survey", invited=invited
    )


def _publish(conversation: Conversation, rule: Rule, now: datetime) -> None:
    payload = {
        "rule": {"id": rule.pk, "name": rule.name, "trigger": rule.trigger},
        "conversation": conversation_payload(conversation),
    }
    deliveries = hooks.publish(conversation.store, RULE_FIRED, payload)
    data = {"action": "webhook", "deliveries": len(deliveries)}
    conversations._log(conversation, Activity.Kind.RULE, None, now, rule.name, **data)


# --- triggers fired from elsewhere ----------------------------------------------------------------


def fire_idle_rules(*, now: datetime | None = None) -> int:
    """Run the "no new message for N hours" rules on open and pending conversations; return firings.

    A rule fires once per quiet spell of a conversation (a new message starts
    a new one). Safe to run twice and from two workers: the once_key decides.
    """
    now = now or timezone.now()
    shortest: dict[int, int] = {}
    idle_rules = Rule.objects.filter(trigger=Rule.Trigger.IDLE, enabled=True, idle_hours__isnull=False)
    for store_id, hours in idle_rules.values_list("store_id", "idle_hours"):
        shortest[store_id] = min(hours, shortest.get(store_id, hours))
    fired = 0
    for store_id, hours in shortest.items():
        quiet = Conversation.objects.filter(
            store_id=store_id,
            status__in=[Conversation.Status.OPEN, Conversation.Status.PENDING],
            merged_into__isnull=True,
            last_message_at__lte=now - timedelta(hours=hours),
        )
        for conversation in quiet.select_related("store", "customer").order_by("last_message_at")[
            :IDLE_BATCH
        ]:
            fired += len(run_rules(conversation, Rule.Trigger.IDLE, context={"now": now}))
    return fired


SLA_WARNING = timedelta(minutes=30)  # "about to breach": the next SLA target is due within this


def fire_sla_rules(*, now: datetime | None = None) -> int:
    """Run the "SLA target about to be missed" rules on conversations due within SLA_WARNING; return firings.

    A rule fires once per due time of a conversation (`once_key` "sla:<due time>"): a reply that
    moves the next deadline arms it again. Safe to run twice and from two workers.
    """
    from .sla import conversations_about_to_breach

    now = now or timezone.now()
    stores = Rule.objects.filter(trigger=Rule.Trigger.SLA_BREACHING, enabled=True).values_list(
        "store", flat=True
    )
    fired = 0
    for store in Store.objects.filter(pk__in=set(stores)):
        due = conversations_about_to_breach(store, SLA_WARNING, now=now).filter(merged_into__isnull=True)
        for conversation in due.select_related("store", "customer")[:IDLE_BATCH]:
            context = {"now": now, "once_key": f"sla:{conversation.sla_due_at.isoformat()}"}
            fired += len(run_rules(conversation, Rule.Trigger.SLA_BREACHING, context=context))
    return fired


def conversation_for_response(response) -> Conversation | None:
    """The conversation a survey answer speaks of: the one it was sent after, or else the customer's
    latest unresolved conversation; None when the customer has no conversation open."""
    invitation = response.invitation
    reference = invitation.reference if invitation is not None else ""
    if reference.startswith("helpdesk-conversation:"):
        pk = reference.partition(":")[2]
        found = Conversation.objects.filter(store_id=response.store_id, pk=int(pk) if pk.isdecimal() else 0)
        if (conversation := found.first()) is not None:
            return conversation
    if response.customer_id is None:
        return None
    unresolved = Conversation.objects.filter(
        store_id=response.store_id, customer_id=response.customer_id, status__in=UNRESOLVED
    )
    return unresolved.order_by("-last_message_at", "-pk").first()


def run_low_score_rules(response_id: int) -> list[RuleRun]:
    """Run the "low survey score" rules for a low answer, once per answer (called by the surveys)."""
    from cxloop.surveys.models import Response

    response = Response.objects.select_related("invitation").filter(pk=response_id).first()
    if response is None:
        return []
    conversation = conversation_for_response(response)
    if conversation is None:
        return []
    context = {"once_key": f"low_score:{response.pk}", "response": response}
    return run_rules(conversation, Rule.Trigger.SURVEY_LOW_SCORE, context=context)
