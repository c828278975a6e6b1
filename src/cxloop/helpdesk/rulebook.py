"""What an automation rule can test and do: the conditions and actions, each checked when saved.

A rule stores its conditions and actions as lists of small objects:

    conditions = [{"kind": "channel_is", "value": "email"},
                  {"kind": "text_contains", "value": ["refund", "zwrot"]},
                  {"kind": "amount_spent_at_least", "value": "500"}]
    actions = [{"kind": "add_tags", "value": ["refund"]},
               {"kind": "assign_team", "value": 7}]           # the team's id

Each kind names a `Condition` (a test of the conversation, its message, the
customer and their latest order) or an `Action` (one of the verbs of
services.conversations, or the CSAT survey, or the `rule.fired` webhook
event). `clean_*` turns what a person typed into the stored value or raises
InvalidInput naming the field at fault (`conditions[1].value`).
`Facts` reads what conditions need, once per rule run.

The "reply with a canned reply" action (`reply_canned`) stores the canned
reply's id; the reply is filled in when the rule fires (services.canned) and
is not sent when a variable has no value (docs/helpdesk-rules.md).
"""

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import cached_property

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cxloop.commerce import queries as commerce_queries
from cxloop.commerce.models import Order
from cxloop.core.errors import InvalidInput
from cxloop.core.models import Membership

from . import hours
from .models import Channel, Conversation, Message, Team

MAX_CONDITIONS = 20
MAX_ACTIONS = 20
MAX_WORDS = 50
MAX_SNOOZE_HOURS = 24 * 90


# --- values: what a person types, checked and made canonical --------------------------------------


def _choice(choices) -> Callable:
    def clean(store, value, field):
        value = str(value or "").strip()
        if value not in dict(choices):
            raise InvalidInput(_("Choose one of the offered values."), field=field)
        return value

    return clean


def _words(store, value, field) -> list[str]:
    items = value if isinstance(value, list) else str(value or "").split(",")
    words = []
    for item in items:
        word = " ".join(str(item).replace("\x00", "").split())[:100]
        if word and word not in words:
            words.append(word)
    if not words:
        raise InvalidInput(_("Write at least one word."), field=field)
    if len(words) > MAX_WORDS:
        raise InvalidInput(_("Too many words (at most %(max)s).") % {"max": MAX_WORDS}, field=field)
    return words


def _text(store, value, field) -> str:
    text = " ".join(str(value or "").replace("\x00", "").split())[:100]
    if not text:
        raise InvalidInput(_("Write a value."), field=field)
    return text


def _language(store, value, field) -> str:
    code = str(value or "").strip().lower()
    if not code or len(code) > 16 or not all(part.isalpha() for part in code.split("-")):
        raise InvalidInput(_("Write a language code such as en or pl."), field=field)
    return code


def _money(store, value, field) -> str:
    try:
        amount = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite() or amount < 0 or amount > Decimal("1e12"):
        raise InvalidInput(_("Write an amount of money, such as 250 or 99.90."), field=field)
    return str(amount)


def _count(store, value, field, *, low=0, high=1_000_000) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        words = _("Write a whole number from %(low)s to %(high)s.") % {"low": low, "high": high}
        raise InvalidInput(words, field=field)
    return number


def _hours(store, value, field) -> int:
    return _count(store, value, field, low=1, high=MAX_SNOOZE_HOURS)


def _yes_no(store, value, field) -> bool:
    if value in (True, "yes", "1", "true"):
        return True
    if value in (False, "no", "0", "false"):
        return False
    raise InvalidInput(_("Choose yes or no."), field=field)


def _agent(store, value, field) -> int:
    """A member of the store by email (as typed in the form) or by user id (as stored)."""
    value = str(value or "").strip()[:254]
    members = Membership.objects.filter(store=store, user__is_active=True)
    by_id = value.isdecimal() and len(value) < 16
    found = members.filter(user_id=int(value)) if by_id else members.filter(user__email__iexact=value)
    membership = found.first()
    if membership is None:
        raise InvalidInput(_("Choose a member of this store."), field=field)
    return membership.user_id


def _team(store, value, field) -> int:
    """One of the store's teams by name (as typed) or id (as stored)."""
    value = str(value or "").strip()[:100]
    teams = Team.objects.filter(store=store)
    by_id = value.isdecimal() and len(value) < 16
    team = (teams.filter(pk=int(value)) if by_id else teams.filter(name__iexact=value)).first()
    if team is None:
        raise InvalidInput(_("Choose one of this store's teams."), field=field)
    return team.pk


def _skill(store, value, field) -> str:
    skill = " ".join(str(value or "").replace("\x00", "").split())[:60]
    if not skill:
        raise InvalidInput(_("Write the skill, as agents list it on the teams page."), field=field)
    return skill


def _canned(store, value, field) -> int:
    """One of the store's canned replies by title (as typed) or id (as stored)."""
    from .models import CannedReply

    value = str(value or "").strip()[:200]
    replies = CannedReply.objects.filter(store=store)
    by_id = value.isdecimal() and len(value) < 16
    canned = (replies.filter(pk=int(value)) if by_id else replies.filter(title__iexact=value)).first()
    if canned is None:
        raise InvalidInput(_("Choose one of this store's canned replies."), field=field)
    return canned.pk


def _nothing(store, value, field) -> None:
    return None


# --- what conditions read -------------------------------------------------------------------------


def fold(text: str) -> str:
    """Text for matching words: case and accents ignored ("Zwrót" and "ZWROT" are alike)."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(char for char in text if not unicodedata.combining(char))
    return text.translate(FOLD_EXTRA).casefold()


FOLD_EXTRA = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ı": "i"})


class Facts:
    """What a rule's conditions read about a conversation, each looked up once and only if asked."""

    def __init__(self, conversation: Conversation, message: Message | None, now: datetime):
        self.conversation = conversation
        self._message = message
        self.now = now

    @cached_property
    def message(self) -> Message | None:
        """The message that fired the rule, or else the customer's latest."""
        if self._message is not None:
            return self._message
        incoming = self.conversation.messages.filter(kind=Message.Kind.INCOMING)
        return incoming.order_by("-created_at", "-pk").first()

    @cached_property
    def subject(self) -> str:
        return fold(self.conversation.subject)

    @cached_property
    def body(self) -> str:
        message = self.message
        return fold((message.reply_text or message.text) if message else "")

    @cached_property
    def customer(self):
        return self.conversation.customer if self.conversation.customer_id else None

    @cached_property
    def latest_order(self) -> Order | None:
        if self.customer is None:
            return None
        orders = commerce_queries.list_orders(self.conversation.store, customer_id=self.customer.pk)
        return orders.order_by("-created_at", "-pk").first()

    @cached_property
    def open_now(self) -> bool:
        from .services.desk import business_hours

        return hours.is_open(business_hours(self.conversation.store), self.now)


def _contains(text: str, words: list[str]) -> bool:
    return any(fold(word) in text for word in words)


def _customer_value(name: str, compare: Callable) -> Callable:
    def check(facts: Facts, value) -> bool:
        if facts.customer is None:
            return False
        return compare(Decimal(str(getattr(facts.customer, name) or 0)), Decimal(str(value)))

    return check


def _order_value(name: str) -> Callable:
    def check(facts: Facts, value) -> bool:
        return facts.latest_order is not None and getattr(facts.latest_order, name) == value

    return check


def _language_is(facts: Facts, value: str) -> bool:
    language = (facts.conversation.language or "").lower()
    return language == value or language.split("-")[0] == value


def _has_tag(facts: Facts, value: str) -> bool:
    if facts.customer is None:
        return False
    return fold(value) in {fold(str(tag)) for tag in facts.customer.tags or []}


@dataclass(frozen=True)
class Condition:
    label: str
    clean: Callable  # (store, value, field) -> stored value; raises InvalidInput
    check: Callable  # (facts, stored value) -> bool
    choices: tuple = ()  # offered values in the form, if a list


CONDITIONS: dict[str, Condition] = {
    "channel_is": Condition(
        gettext_lazy("Channel is"), _choice(Channel.choices),
        lambda f, v: f.conversation.channel == v, tuple(Channel.choices),
    ),
    "channel_is_not": Condition(
        gettext_lazy("Channel is not"), _choice(Channel.choices),
        lambda f, v: f.conversation.channel != v, tuple(Channel.choices),
    ),
    "subject_contains": Condition(
        gettext_lazy("Subject contains any of the words"), _words, lambda f, v: _contains(f.subject, v)
    ),
    "body_contains": Condition(
        gettext_lazy("Message contains any of the words"), _words, lambda f, v: _contains(f.body, v)
    ),
    "text_contains": Condition(
        gettext_lazy("Subject or message contains any of the words"), _words,
        lambda f, v: _contains(f.subject, v) or _contains(f.body, v),
    ),
    "language_is": Condition(gettext_lazy("Language is"), _language, _language_is),
    "amount_spent_at_least": Condition(
        gettext_lazy("Customer has spent at least"), _money, _customer_value("amount_spent", Decimal.__ge__)
    ),
    "amount_spent_at_most": Condition(
        gettext_lazy("Customer has spent at most"), _money, _customer_value("amount_spent", Decimal.__le__)
    ),
    "order_count_at_least": Condition(
        gettext_lazy("Customer's orders: at least"), _count, _customer_value("orders_count", Decimal.__ge__)
    ),
    "order_count_at_most": Condition(
        gettext_lazy("Customer's orders: at most"), _count, _customer_value("orders_count", Decimal.__le__)
    ),
    "customer_has_tag": Condition(gettext_lazy("Customer has the tag"), _text, _has_tag),
    "order_financial_status_is": Condition(
        gettext_lazy("Latest order's payment status is"), _choice(Order.Financial.choices),
        _order_value("financial_status"), tuple(Order.Financial.choices),
    ),
    "order_fulfillment_status_is": Condition(
        gettext_lazy("Latest order's fulfilment status is"), _choice(Order.Fulfillment.choices),
        _order_value("fulfillment_status"), tuple(Order.Fulfillment.choices),
    ),
    "business_hours": Condition(
        gettext_lazy("Within business hours"), _yes_no, lambda f, v: f.open_now == v,
        (("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))),
    ),
    "priority_is": Condition(
        gettext_lazy("Priority is"), _choice(Conversation.Priority.choices),
        lambda f, v: f.conversation.priority == v, tuple(Conversation.Priority.choices),
    ),
    "status_is": Condition(
        gettext_lazy("Status is"), _choice(Conversation.Status.choices),
        lambda f, v: f.conversation.status == v, tuple(Conversation.Status.choices),
    ),
}  # fmt: skip


@dataclass(frozen=True)
class Action:
    label: str
    clean: Callable  # (store, value, field) -> stored value; raises InvalidInput
    # Speaks to the customer: never done for an auto-reply or a bounce.
    to_customer: bool = False
    choices: tuple = ()


SETTABLE_STATUSES = (
    (Conversation.Status.PENDING, Conversation.Status.PENDING.label),
    (Conversation.Status.RESOLVED, Conversation.Status.RESOLVED.label),
)

ACTIONS: dict[str, Action] = {
    "assign_agent": Action(gettext_lazy("Assign to the agent"), _agent),
    "assign_team": Action(gettext_lazy("Assign to the team"), _team),
    "assign_skill": Action(gettext_lazy("Assign to an available agent with the skill"), _skill),
    "add_tags": Action(gettext_lazy("Add the tags"), _words),
    "set_priority": Action(
        gettext_lazy("Set the priority to"), _choice(Conversation.Priority.choices),
        choices=tuple(Conversation.Priority.choices),
    ),
    "set_status": Action(
        gettext_lazy("Set the status to"), _choice(SETTABLE_STATUSES), choices=SETTABLE_STATUSES
    ),
    "snooze_hours": Action(gettext_lazy("Snooze for hours"), _hours),
    "reply_canned": Action(gettext_lazy("Reply with the canned reply"), _canned, to_customer=True),
    "send_survey": Action(gettext_lazy("Send the CSAT survey"), _nothing, to_customer=True),
    "webhook": Action(gettext_lazy("Send the rule.fired webhook event"), _nothing),
}  # fmt: skip


def _clean_items(store, items, registry: dict, name: str, most: int) -> list[dict]:
    if not isinstance(items, list):
        raise InvalidInput(_("Send a list."), field=name)
    if len(items) > most:
        raise InvalidInput(_("At most %(max)s.") % {"max": most}, field=name)
    cleaned = []
    for index, item in enumerate(items):
        kind = item.get("kind") if isinstance(item, dict) else None
        if kind not in registry:
            raise InvalidInput(_("Choose one from the list."), field=f"{name}[{index}].kind")
        value = registry[kind].clean(store, item.get("value"), f"{name}[{index}].value")
        cleaned.append({"kind": kind, "value": value})
    return cleaned


def clean_conditions(store, conditions) -> list[dict]:
    """The conditions as stored; raises InvalidInput naming `conditions[i].kind` or `.value`."""
    return _clean_items(store, conditions, CONDITIONS, "conditions", MAX_CONDITIONS)


def clean_actions(store, actions) -> list[dict]:
    """The actions as stored (at least one); raises InvalidInput naming `actions[i].kind` or `.value`."""
    if isinstance(actions, list) and not actions:
        raise InvalidInput(_("Choose at least one action."), field="actions")
    return _clean_items(store, actions, ACTIONS, "actions", MAX_ACTIONS)


def conditions_hold(conditions: list[dict], facts: Facts) -> bool:
    """Every condition holds (no condition: always). A kind no longer known fails safe: False."""
    for condition in conditions:
        known = CONDITIONS.get(condition.get("kind"))
        if known is None or not known.check(facts, condition.get("value")):
            return False
    return True
