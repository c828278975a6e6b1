"""The demo help desk: three months of customers' questions and the staff's answers.

    summary = generate_helpdesk(store=store, seed=42, conversations=1500)

adds to a generated demo store (see `generator`) what a small support team
leaves behind in 90 days:

- The desk as the team set it up (`helpdesk_desk`): three demo agents beside
  the store's members, agent profiles with languages, three routed teams,
  VIP settings, business hours, SLA policies, canned replies, macros, rules.
- `conversations` conversations, numbered #1, #2, ... in the order they were
  opened, in the customer's language (English, Polish, Latvian, Persian,
  Simplified and Traditional Chinese, see `helpdesk_texts`): where is my
  order, a return or a size exchange, a damaged item, a VAT invoice, a
  wholesale inquiry, a discount code that does not work. Most are written by
  the store's customers about one of their recent orders (so the
  conversation page shows them and their orders); some by strangers. They
  came by email mostly, some by the contact form or the API.
- Each has a short history as the help desk's services leave it: the
  customer's message, routing on arrival (a VIP's priority raised, the team,
  in a routed team the agent: activities named "Routing"), often a note,
  the staff's answer within minutes to a day by someone who speaks the
  language, sometimes the customer again and a last answer; most are
  resolved, the recent ones open, pending or snoozed. The conversation's
  times (last message, first response, last reply, last customer message,
  resolved) are those of its messages.
- Store actions (`helpdesk_actions`): about one in a hundred is a return
  that ends in the refund the store mirror holds for that order, then the
  "Refund sent" macro; some answers come with a discount code or a gift card.
- SLA: every conversation gets its policy and due times at the demo's "now"
  (midnight starting `today`), and the late ones their recorded breaches.
- Every conversation is in the search index.

Replies are written as already sent (delivery "sent", `sent_at` set):
nothing is queued and no email leaves; nothing is published to webhooks and
no survey is asked after resolution (the demo's surveys have their own).
The same seed and `today` give the same rows (ids aside; reply keys are
secrets, so they stay random). One transaction; rows go in with bulk_create.
"""

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import date as date_type
from datetime import time as time_type
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from cxloop.commerce.actions import CODE_ALPHABET
from cxloop.commerce.models import Customer, Order, Refund
from cxloop.core.models import Membership, Store
from cxloop.core.names import person_name
from cxloop.helpdesk.addresses import inbound_address, inbound_domain, new_reply_key
from cxloop.helpdesk.models import Activity, Channel, Conversation, Message, Tag, Team
from cxloop.helpdesk.services.conversations import reply_subject
from cxloop.helpdesk.services.indexing import reindex_store
from cxloop.helpdesk.services.routing import ROUTING, speaks

from .helpdesk_actions import GIFT_CARD_NOTE, compute_sla, write_store_action
from .helpdesk_desk import REFUND_SENT, REFUND_TITLES, VIP_SPENT, VIP_TAGS, Desk, fill, set_up_desk
from .helpdesk_texts import (
    COMPANIES,
    DISCOUNT_CODES,
    NOTES,
    SIZES,
    STRANGER_DOMAINS,
    STRANGERS,
    TEXTS,
)

HISTORY_DAYS = 90
CONVERSATIONS_PER_CUSTOMER = 0.75  # 1,500 for the demo's 2,000 customers
TOPIC_WEIGHTS = {
    "where": 0.3, "return": 0.17, "exchange": 0.13, "damaged": 0.1,
    "invoice": 0.1, "wholesale": 0.08, "discount": 0.12,
}  # fmt: skip
ORDER_TOPICS = {"where", "return", "exchange", "damaged", "invoice"}
TOPIC_TAGS = {
    "where": ["shipping"], "return": ["return", "refund"], "exchange": ["exchange"],
    "damaged": ["damaged", "replacement"], "invoice": ["invoice"], "wholesale": ["wholesale", "b2b"],
    "discount": ["discount-code"],
}  # fmt: skip
TOPIC_TEAM = {"return": "Returns", "exchange": "Returns", "damaged": "Returns", "wholesale": "Wholesale"}
# Days from the order to the question about it.
ORDER_DELAY_DAYS = {"where": (4, 12), "return": (5, 25), "exchange": (4, 20), "damaged": (2, 8),
                    "invoice": (0, 30)}  # fmt: skip
STRANGER_SHARE = {"wholesale": 0.75, "discount": 0.3}  # others: 0.1
CHANNEL_WEIGHTS = {Channel.EMAIL: 0.72, Channel.FORM: 0.2, Channel.API: 0.08}
LANGUAGE_WEIGHTS = {"en": 0.3, "pl": 0.25, "lv": 0.12, "fa": 0.13, "zh-hans": 0.12, "zh-hant": 0.08}
NOTE_SHARE = 0.3
FOLLOW_UP_SHARE = 0.45  # resolved conversations where the customer wrote again before the end
OWNER_SHARE = 0.1  # conversations the owner or an admin takes on
AWAY_DAYS = 14  # an agent who is away now took no new conversations in the last two weeks
# Store actions: one return in a hundred ends in a refund, some answers come with a code or a gift card.
REFUNDS_PER = 100
DISCOUNT_CODE_SHARE = 0.15
GIFT_CARD_SHARE = 0.12


class HelpdeskExists(Exception):
    pass


@dataclass
class HelpdeskSummary:
    conversations: int = 0
    messages: int = 0
    replies: int = 0
    notes: int = 0
    activities: int = 0
    store_actions: int = 0
    sla_breaches: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    by_language: dict[str, int] = field(default_factory=dict)


def conversations_for(customers: int) -> int:
    """How many conversations a demo store of this many customers gets (1,500 for 2,000)."""
    return round(customers * CONVERSATIONS_PER_CUSTOMER)


def generate_helpdesk(
    *, store: Store, seed: int, conversations: int = 1500, today: date_type | None = None
) -> HelpdeskSummary:
    """Give a generated store its help desk: teams and `conversations` conversations of the last 90 days.

    Deterministic for a seed and `today` (default: the current date). One
    transaction. Raises HelpdeskExists if the store has conversations.
    """
    if Conversation.objects.filter(store=store).exists():
        raise HelpdeskExists(f"Store {store.slug!r} already has conversations.")
    end = datetime.combine(today or timezone.now().date(), time_type.min, tzinfo=UTC)
    rng = random.Random(f"cxloop-demo-helpdesk-{seed}")
    with transaction.atomic():
        desk = set_up_desk(store=store, end=end)
        world = _World(store, end, desk, _orders(store, end), _customers(store), rng)
        refunds = _spread(_refunds(store, end), _refund_count(conversations))
        plans = [world.plan() for _ in range(max(conversations, 0) - len(refunds))]
        plans += [world.plan(refund=refund) for refund in refunds]
        plans.sort(key=lambda p: p.created_at)
        return _write(world, plans)


# -- what the store has ------------------------------------------------------------


@dataclass(slots=True)
class _Person:
    id: int | None
    email: str
    name: str
    first: str
    language: str
    vip: bool = False


def _person(pk, email, first, last, language, spent, tags) -> _Person:
    vip = spent >= Decimal(VIP_SPENT) or VIP_TAGS in (tags or [])
    language = language if language in TEXTS else "en"
    # As the person's own script writes it: "王伟", family name first, for Chinese names.
    return _Person(pk, email.lower(), person_name(first, last), first, language, vip)


PERSON_FIELDS = ("email", "first_name", "last_name", "language", "amount_spent", "tags")


def _customers(store: Store) -> list[_Person]:
    rows = Customer.objects.filter(store=store, erased_at__isnull=True).exclude(email="").order_by("pk")
    return [_person(*row) for row in rows.values_list("pk", *PERSON_FIELDS)]


def _orders(store: Store, end: datetime) -> list[tuple]:
    """(number, created_at, customer) of live orders that a question of the last 90 days may be about."""
    since = end - timedelta(days=HISTORY_DAYS + 30)
    orders = Order.objects.filter(
        store=store,
        customer__isnull=False,
        cancelled_at__isnull=True,
        created_at__gte=since,
        created_at__lt=end,
    ).exclude(customer__email="")
    rows = orders.order_by("created_at", "pk").values_list(
        "number", "created_at", "customer_id", *(f"customer__{name}" for name in PERSON_FIELDS)
    )
    return [(number, created, _person(*person)) for number, created, *person in rows]


@dataclass(frozen=True, slots=True)
class _Refund:
    """A refund in the store mirror that a return conversation led to (the refund action's result)."""

    order_id: int
    order_number: str
    order_external_id: str
    ordered_at: datetime
    person: _Person
    external_id: str
    amount: Decimal
    currency: str
    note: str
    at: datetime


def _refunds(store: Store, end: datetime) -> list[_Refund]:
    """Refunds of the last 80 days (but the last three) on live orders of customers with an address."""
    refunds = Refund.objects.filter(
        store=store,
        order__customer__isnull=False,
        order__cancelled_at__isnull=True,
        order__customer__erased_at__isnull=True,
        created_at__gte=end - timedelta(days=HISTORY_DAYS - 10),
        created_at__lt=end - timedelta(days=3),
    ).exclude(order__customer__email="")
    rows = refunds.order_by("created_at", "pk").values_list(
        "order_id", "order__number", "order__external_id", "order__created_at", "external_id", "amount",
        "currency", "note", "created_at", "order__customer_id",
        *(f"order__customer__{name}" for name in PERSON_FIELDS),
    )  # fmt: skip
    return [
        _Refund(order_id, number, order_external, ordered_at, _person(*person), external_id, amount, currency,
                note, at)
        for order_id, number, order_external, ordered_at, external_id, amount, currency, note, at, *person
        in rows
        if at - ordered_at > timedelta(days=4)
    ]  # fmt: skip


def _spread(items: list, count: int) -> list:
    """`count` of the items, evenly spread over them (all of them when there are no more)."""
    if count >= len(items):
        return list(items)
    return [items[i * len(items) // count] for i in range(count)]


def _refund_count(conversations: int) -> int:
    """How many return conversations end in a refund action: about one in a hundred."""
    return 0 if conversations < 20 else max(1, conversations // REFUNDS_PER)


# -- one conversation, planned -----------------------------------------------------


def _routed(kind: str, at: datetime, data: dict) -> "_Step":
    """A change routing made on arrival (services.routing names itself as the rule)."""
    return _Step(kind, at, data=data, rule_name=ROUTING)


@dataclass
class _Step:
    kind: str  # "in", "reply", "note", or an Activity kind
    at: datetime
    text: str = ""
    data: dict = field(default_factory=dict)
    actor: object = None
    rule_name: str = ""


@dataclass
class _Plan:
    created_at: datetime
    topic: str
    language: str
    person: _Person
    channel: str
    subject: str
    status: str
    priority: str
    assignee: object
    team: Team | None
    tags: list[str]
    steps: list[_Step]
    snoozed_until: datetime | None = None


class _World:
    def __init__(self, store, end, desk: Desk, orders, customers, rng):
        self.store, self.end, self.desk = store, end, desk
        self.staff, self.teams = desk.staff, desk.teams
        self.orders, self.customers, self.rng = orders, customers, rng
        self.start = end - timedelta(days=HISTORY_DAYS)

    def _choice(self, weights: dict):
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def _stranger(self, language: str) -> _Person:
        name, handle = self.rng.choice(STRANGERS[language])
        email = f"{handle}{self.rng.randint(1, 99)}@{self.rng.choice(STRANGER_DOMAINS)}"
        return _Person(None, email, name, name.split()[0] if " " in name else name, language)

    def _when(self) -> datetime:
        """A moment of the last 90 days, in the shop's waking hours (07:00-22:00 Warsaw, about)."""
        day = self.start + timedelta(days=self.rng.randrange(HISTORY_DAYS))
        return day + timedelta(hours=self.rng.uniform(6, 21))

    def plan(self, refund: _Refund | None = None) -> _Plan:
        """One conversation; with `refund`, a return that ends in that refund (action, macro, resolved)."""
        rng = self.rng
        topic = "return" if refund else self._choice(TOPIC_WEIGHTS)
        order_number = ""
        person = None
        created = self._when()
        if refund is not None:
            order_number, person = refund.order_number, refund.person
            asked = refund.at - timedelta(days=rng.uniform(3, 9))
            created = max(asked, refund.ordered_at + timedelta(days=2))
        elif topic in ORDER_TOPICS and self.orders and rng.random() > 0.1:
            order_number, ordered_at, person = rng.choice(self.orders)
            low, high = ORDER_DELAY_DAYS[topic]
            created = ordered_at + timedelta(days=rng.uniform(low, high), minutes=rng.uniform(0, 600))
            if not self.start <= created < self.end:
                created = self._when()
        elif rng.random() >= STRANGER_SHARE.get(topic, 0.1) and self.customers:
            person = rng.choice(self.customers)
        if person is None:
            person = self._stranger(self._choice(LANGUAGE_WEIGHTS))
        language = person.language
        if topic in ORDER_TOPICS and not order_number:
            order_number = f"#{rng.randint(1001, 9999)}"
        size, size2 = rng.choice(SIZES)
        slots = {
            "order": order_number, "first": person.first or person.name, "size": size, "size2": size2,
            "code": rng.choice(DISCOUNT_CODES), "company": rng.choice(COMPANIES[language]),
            "store": self.store.name,
        }  # fmt: skip
        texts = TEXTS[language]
        subject, opening, answer = (t.format(**slots) for t in texts[topic])
        channel = self._choice(CHANNEL_WEIGHTS)
        if channel == Channel.FORM and order_number:
            opening = f"Order: {order_number}\n\n{opening}"  # as the contact form writes it
        priority = self._priority(topic)
        team = self.teams.get("Persian-speaking" if language == "fa" else TOPIC_TEAM.get(topic, ""))
        assignee = self._assignee(language, team, created) if rng.random() < 0.92 else None
        writer = assignee or (self.staff[0] if self.staff else None)
        tags = list(TOPIC_TAGS[topic][: rng.choice((1, 1, 2))])
        if person.vip:
            tags.append("vip")

        steps = [
            _Step("in", created, opening),
            _Step(Activity.Kind.CREATED, created, data={"channel": channel}),
        ]
        # On arrival, routing raises a VIP's priority, picks the team and, in a routed team, the agent.
        raised = person.vip and priority in (Conversation.Priority.LOW, Conversation.Priority.NORMAL)
        if raised:
            steps.append(_routed(Activity.Kind.PRIORITY, created, {"from": priority, "to": "high"}))
            priority = Conversation.Priority.HIGH
        routed = team is not None and team.routing
        t = created + timedelta(minutes=rng.uniform(1, 20))
        if team is not None:
            data = {"from": "", "to": team.name}
            steps.append(_routed(Activity.Kind.TEAM, created, data) if routed else _Step(
                Activity.Kind.TEAM, t, data=data, actor=writer))  # fmt: skip
        if assignee is not None:
            data = {"from": None, "to": assignee.pk}
            steps.append(_routed(Activity.Kind.ASSIGNED, created, data) if routed else _Step(
                Activity.Kind.ASSIGNED, t, data=data, actor=writer))  # fmt: skip
        if priority != Conversation.Priority.NORMAL and not raised:
            steps.append(
                _Step(Activity.Kind.PRIORITY, t, data={"from": "normal", "to": priority}, actor=writer)
            )
        steps.append(
            _Step(Activity.Kind.TAGGED, t, data={"added": sorted(tags), "removed": []}, actor=writer)
        )
        t = created + self._first_response_delay()
        if rng.random() < NOTE_SHARE:
            note = rng.choice(NOTES[topic]).format(**slots)
            steps.append(_Step("note", created + (t - created) * rng.uniform(0.3, 0.9), note, actor=writer))
        age = self.end - created
        status = Conversation.Status.RESOLVED if refund else self._status(age)
        snoozed_until = None
        if status == Conversation.Status.OPEN and (
            age < timedelta(hours=30) or (age < timedelta(days=5) and rng.random() < 0.5)
        ):
            pass  # not answered yet
        else:
            steps += self._goodwill(topic, person, slots, t, writer)
            steps.append(_Step("reply", t, answer, actor=writer))
            if refund is not None:
                steps += self._refunded(refund, person, slots, writer)
            elif status == Conversation.Status.OPEN:  # answered, set pending, and the customer wrote again
                t += timedelta(minutes=rng.uniform(1, 30))
                steps.append(
                    _Step(Activity.Kind.STATUS, t, data={"from": "open", "to": "pending"}, actor=writer)
                )
                t += timedelta(hours=rng.uniform(2, 40))
                steps.append(_Step("in", t, rng.choice(texts["nudge"])))
                why = {"from": "pending", "to": "open", "why": "customer_replied"}
                steps.append(_Step(Activity.Kind.STATUS, t, data=why))
            elif status == Conversation.Status.PENDING:
                t += timedelta(minutes=rng.uniform(1, 30))
                steps.append(
                    _Step(Activity.Kind.STATUS, t, data={"from": "open", "to": "pending"}, actor=writer)
                )
            elif status == Conversation.Status.SNOOZED:
                t += timedelta(minutes=rng.uniform(1, 30))
                snoozed_until = self.end + timedelta(days=rng.randint(2, 7), hours=7)
                data = {"from": "open", "to": "snoozed", "until": snoozed_until.isoformat()}
                steps.append(_Step(Activity.Kind.STATUS, t, data=data, actor=writer))
            else:
                if rng.random() < FOLLOW_UP_SHARE:
                    t += timedelta(minutes=rng.uniform(10, 60 * 30))
                    steps.append(_Step("in", t, rng.choice(texts["thanks"])))
                    t += self._first_response_delay() / 3
                    steps.append(
                        _Step("reply", t, rng.choice(texts["closing"]).format(**slots), actor=writer)
                    )
                t += timedelta(minutes=rng.uniform(1, 60 * 24))
                steps.append(
                    _Step(Activity.Kind.STATUS, t, data={"from": "open", "to": "resolved"}, actor=writer)
                )
        # A history that would run past today is cut where today is, and its status is where it got to.
        last = self.end - timedelta(minutes=1)
        if any(step.at > last for step in steps):
            steps = [step for step in steps if step.at <= last]
            snoozed_until = None
            status = Conversation.Status.OPEN
            for step in steps:
                if step.kind == Activity.Kind.STATUS:
                    status = step.data["to"]
                    snoozed_until = (
                        datetime.fromisoformat(step.data["until"]) if "until" in step.data else None
                    )
        steps.sort(key=lambda s: s.at)
        added = (name for step in steps if step.kind == Activity.Kind.TAGGED for name in step.data["added"])
        tags = sorted({*tags, *added})
        return _Plan(created, topic, language, person, channel, subject, status, priority, assignee, team,
                     tags, steps, snoozed_until)  # fmt: skip

    def _assignee(self, language: str, team: Team | None, created: datetime):
        """Who took it: a team member (or anyone) who speaks the language and was not away; the owner
        and admins help out now and then."""
        desk, rng = self.desk, self.rng
        staff = [u for u in self.staff if team is None or u.pk in desk.members[team.name]]
        if not staff:
            return None
        helpers = [u for u in staff if desk.roles.get(u.pk) != Membership.Role.AGENT]
        if helpers and rng.random() < OWNER_SHARE:
            return rng.choice(helpers)
        away_since = self.end - timedelta(days=AWAY_DAYS)
        fits = [
            u for u in staff
            if desk.roles.get(u.pk) == Membership.Role.AGENT and speaks(desk.languages.get(u.pk), language)
            and (desk.available.get(u.pk, True) or created < away_since)
        ]  # fmt: skip
        fits = fits or [u for u in staff if desk.available.get(u.pk, True)] or staff
        return fits[0] if rng.random() < 0.6 else rng.choice(fits)

    def _goodwill(self, topic, person, slots, at, writer) -> list[_Step]:
        """Now and then the answer comes with a store action: a new discount code, a gift card."""
        rng = self.rng
        if person.id is None or writer is None:
            return []
        at = at - timedelta(minutes=rng.uniform(1, 5))
        if topic == "discount" and rng.random() < DISCOUNT_CODE_SHARE:
            code = f"{slots['code']}-X".upper()
            return [_Step("action", at, data={"kind": "discount_code", "code": code, "value": "10"},
                          actor=writer)]  # fmt: skip
        if topic == "damaged" and rng.random() < GIFT_CARD_SHARE:
            last = "".join(rng.choice(CODE_ALPHABET) for _ in range(4))
            data = {"kind": "gift_card", "amount": "20.00", "last": last, "note": GIFT_CARD_NOTE}
            return [_Step("action", at, data=data, actor=writer)]
        return []

    def _refunded(self, refund: _Refund, person, slots, writer) -> list[_Step]:
        """The parcel came back: the refund on the platform, then the "Refund sent" macro."""
        rng = self.rng
        macro = self.desk.macros[REFUND_SENT]
        values = {"customer.first_name": person.first or person.name, "order.name": refund.order_number,
                  "store.name": self.store.name}  # fmt: skip
        text = fill(self.desk.canned[REFUND_TITLES.get(person.language, REFUND_SENT)].body, values)
        at = refund.at - timedelta(seconds=rng.uniform(5, 40))
        by_macro = {"macro": macro.name, "macro_id": macro.pk}
        tags = {"added": ["refund"], "removed": [], **by_macro}
        return [
            _Step("action", at, data={"kind": "refund", "refund": refund}, actor=writer),
            _Step("reply", at + timedelta(seconds=50), text, actor=writer),
            _Step(Activity.Kind.TAGGED, at + timedelta(seconds=51), data=tags, actor=writer),
            _Step(Activity.Kind.STATUS, at + timedelta(seconds=52),
                  data={"from": "open", "to": "resolved", **by_macro}, actor=writer),
        ]  # fmt: skip

    def _priority(self, topic: str) -> str:
        roll = self.rng.random()
        if roll < 0.03:
            return Conversation.Priority.URGENT
        high = {"damaged": 0.45, "wholesale": 0.35, "where": 0.18}.get(topic, 0.05)
        if roll < 0.03 + high:
            return Conversation.Priority.HIGH
        if topic in ("invoice", "discount") and roll > 0.6:
            return Conversation.Priority.LOW
        return Conversation.Priority.NORMAL

    def _first_response_delay(self) -> timedelta:
        roll = self.rng.random()
        if roll < 0.4:
            return timedelta(minutes=self.rng.uniform(4, 60))
        if roll < 0.8:
            return timedelta(hours=self.rng.uniform(1, 6))
        return timedelta(hours=self.rng.uniform(6, 23))

    def _status(self, age: timedelta) -> str:
        if age < timedelta(days=2):
            weights = {"open": 0.55, "pending": 0.15, "snoozed": 0.08, "resolved": 0.22}
        elif age < timedelta(days=10):
            weights = {"open": 0.25, "pending": 0.12, "snoozed": 0.06, "resolved": 0.57}
        else:
            weights = {"open": 0.04, "pending": 0.03, "snoozed": 0.01, "resolved": 0.92}
        return self._choice(weights)


# -- rows --------------------------------------------------------------------------


def _write(world: _World, plans: list[_Plan]) -> HelpdeskSummary:
    store, rng = world.store, world.rng
    support = store.support_email or inbound_address(store)
    domain = inbound_domain()
    conversations = []
    for number, plan in enumerate(plans, start=1):
        said = [s.at for s in plan.steps if s.kind == "in"]
        replied = [s.at for s in plan.steps if s.kind == "reply"]
        resolved = [s.at for s in plan.steps if s.kind == Activity.Kind.STATUS and s.data["to"] == "resolved"]
        conversations.append(
            Conversation(
                store=store,
                number=number,
                subject=plan.subject,
                channel=plan.channel,
                status=plan.status,
                priority=plan.priority,
                customer_id=plan.person.id,
                contact_email=plan.person.email,
                contact_name=plan.person.name,
                language=plan.language,
                assignee=plan.assignee,
                team=plan.team,
                snoozed_until=plan.snoozed_until,
                reply_key=new_reply_key(),
                created_at=plan.created_at,
                updated_at=plan.steps[-1].at,
                last_message_at=max(said + replied),
                last_customer_message_at=max(said),
                first_response_at=min(replied, default=None),
                last_agent_reply_at=max(replied, default=None),
                resolved_at=resolved[-1] if plan.status == Conversation.Status.RESOLVED else None,
            )
        )
    Conversation.objects.bulk_create(conversations, batch_size=500)

    tags = {}
    for name in sorted({name for plan in plans for name in plan.tags}):
        tags[name] = Tag.objects.get_or_create(store=store, name=name)[0]
    messages, activities, links = [], [], []
    summary = HelpdeskSummary(conversations=len(plans))
    for conversation, plan in zip(conversations, plans, strict=True):
        links.extend(
            Conversation.tags.through(conversation_id=conversation.pk, tag_id=tags[name].pk)
            for name in plan.tags
        )
        last_id = ""
        references: list[str] = []
        for step in plan.steps:
            if step.kind == "in":
                channel = plan.channel if step.at == plan.created_at else Channel.EMAIL
                message_id = f"<{rng.getrandbits(64):016x}@{plan.person.email.partition('@')[2]}>"
                messages.append(
                    Message(
                        store=store,
                        conversation=conversation,
                        kind=Message.Kind.INCOMING,
                        channel=channel,
                        from_email=plan.person.email,
                        from_name=plan.person.name,
                        to=[support],
                        subject=plan.subject if step.at == plan.created_at else reply_subject(plan.subject),
                        text=step.text,
                        reply_text=step.text,
                        message_id=message_id if channel == Channel.EMAIL else "",
                        in_reply_to=[last_id] if last_id else [],
                        references=list(references),
                        external_id=_external_id(channel, rng),
                        created_at=step.at,
                    )
                )
                if channel == Channel.EMAIL:
                    last_id = message_id
                    references.append(message_id)
            elif step.kind == "reply":
                message_id = f"<helpdesk-reply.{rng.getrandbits(128):032x}@{domain}>"
                messages.append(
                    Message(
                        store=store,
                        conversation=conversation,
                        kind=Message.Kind.REPLY,
                        channel=Channel.EMAIL,
                        author=step.actor,
                        from_email=store.support_email or "",
                        to=[plan.person.email],
                        subject=reply_subject(plan.subject),
                        text=step.text,
                        reply_text=step.text,
                        message_id=message_id,
                        in_reply_to=[last_id] if last_id else [],
                        references=list(references),
                        delivery=Message.Delivery.SENT,
                        attempts=1,
                        sent_at=step.at + timedelta(seconds=rng.uniform(1, 20)),
                        created_at=step.at,
                    )
                )
                last_id = message_id
                references.append(message_id)
                summary.replies += 1
            elif step.kind == "note":
                messages.append(
                    Message(
                        store=store,
                        conversation=conversation,
                        kind=Message.Kind.NOTE,
                        channel=plan.channel,
                        author=step.actor,
                        text=step.text,
                        reply_text=step.text,
                        created_at=step.at,
                    )
                )
                summary.notes += 1
            else:
                data = step.data
                if step.kind == "action":  # the platform's record first: the activity names it
                    data = write_store_action(store, conversation, plan.person.id, step, rng)
                    summary.store_actions += 1
                activities.append(
                    Activity(
                        store=store,
                        conversation=conversation,
                        kind=Activity.Kind.ACTION if step.kind == "action" else step.kind,
                        actor=step.actor,
                        rule_name=step.rule_name,
                        data=data,
                        created_at=step.at,
                    )
                )
        summary.by_status[plan.status] = summary.by_status.get(plan.status, 0) + 1
        summary.by_language[plan.language] = summary.by_language.get(plan.language, 0) + 1
    Message.objects.bulk_create(messages, batch_size=500)
    Activity.objects.bulk_create(activities, batch_size=500)
    Conversation.tags.through.objects.bulk_create(links, batch_size=500)
    summary.sla_breaches = compute_sla(store, zip(conversations, plans, strict=True), now=world.end)
    reindex_store(store)  # the inbox's search finds the demo's conversations too
    summary.messages = len(messages)
    summary.activities = len(activities)
    return summary


def _external_id(channel: str, rng: random.Random) -> str:
    """What the contact form and the API store as the message's idempotency key; email has none."""
    if channel == Channel.FORM:
        return f"form:{rng.getrandbits(96):024x}"
    if channel == Channel.API:
        return f"api:demo-{rng.getrandbits(64):016x}"
    return ""


__all__ = ["HelpdeskExists", "HelpdeskSummary", "conversations_for", "generate_helpdesk"]
