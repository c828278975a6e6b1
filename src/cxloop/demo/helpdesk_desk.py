"""The demo help desk's set-up: staff with languages, teams, VIPs, hours, SLAs, canned replies, rules.

    desk = set_up_desk(store=store, end=end)

gives a generated store what its support team would have configured before
the conversations of `helpdesk` arrive, each through the help desk's own
services (so every value is checked as a person's would be):

- Staff: the store's members plus three demo agents (Parisa speaks Persian,
  Wei both Chinese scripts, Jānis Latvian and is away), each with an
  AgentProfile; the store's first agent answers in English, Polish and Latvian.
- Teams with round-robin routing: "Returns" (en, pl, lv), "Wholesale",
  "Persian-speaking" (fa). A VIP has spent 1,000 in the store's currency or
  carries the "vip" tag.
- Business hours of a Warsaw shop (weekdays 09:00-17:00, Saturday
  10:00-14:00, the Polish public holidays around the demo's days) and three
  SLA policies by priority: urgent, high, everything else.
- Canned replies in five languages, three macros and four automation rules.

Policies and hours are written through the services' own checks
(`clean_policy`, `BusinessHours.from_json`) rather than `save_policy` and
`save_desk_settings`, which queue a background recompute of the open
conversations after commit: the generator computes every conversation's SLA
itself, at the demo's "now", once they are written.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model

from cxloop.core import services as core_services
from cxloop.core.models import Membership, Store
from cxloop.helpdesk.hours import BusinessHours
from cxloop.helpdesk.models import AgentProfile, CannedReply, Macro, Rule, SlaPolicy, Team
from cxloop.helpdesk.services import canned, macros, rules, teams
from cxloop.helpdesk.services.desk import settings_for
from cxloop.helpdesk.services.sla import clean_policy

# (handle, first name, last name, languages, skills, available, cap on open + pending): added as agents.
DEMO_AGENTS = (
    ("parisa", "Parisa", "Karimi", "fa, en", "returns", True, "30"),
    ("wei", "Wei", "Chen", "zh-hans, zh-hant, en", "wholesale", True, ""),
    ("janis", "Jānis", "Ozols", "lv, en", "returns", False, ""),  # on holiday: routing passes him by
)
FIRST_AGENT_LANGUAGES = "en, pl, lv"
OWNER_LANGUAGES = "en, pl"
# name -> (languages, routing, which staff: "all" agents, or handles; the first agent is in every team)
TEAMS = {
    "Returns": ("en, pl, lv", True, ("janis", "parisa", "wei")),
    "Wholesale": ("", True, ("wei", "owner")),
    "Persian-speaking": ("fa", True, ("parisa", "owner")),
}
VIP_SPENT = "1000"
VIP_TAGS = "vip"
WEEK = {
    "mon": [["09:00", "17:00"]], "tue": [["09:00", "17:00"]], "wed": [["09:00", "17:00"]],
    "thu": [["09:00", "17:00"]], "fri": [["09:00", "17:00"]], "sat": [["10:00", "14:00"]],
}  # fmt: skip
HOLIDAYS = ("01-01", "01-06", "05-01", "05-03", "08-15", "11-01", "11-11", "12-24", "12-25", "12-26")
# Minutes of business time: first response, next response, resolution.
SLA_POLICIES = (
    {"name": "Urgent", "priority": "urgent", "first_response_minutes": 60,
     "next_response_minutes": 120, "resolution_minutes": 8 * 60},
    {"name": "High priority", "priority": "high", "first_response_minutes": 120,
     "next_response_minutes": 240, "resolution_minutes": 16 * 60},
    {"name": "Standard", "priority": "", "first_response_minutes": 8 * 60,
     "next_response_minutes": 8 * 60, "resolution_minutes": 5 * 8 * 60},
)  # fmt: skip

REFUND_SENT = "Refund sent"
# The "refund sent" canned reply in the customer's language (English for the others).
REFUND_TITLES = {"pl": "Zwrot pieniędzy wysłany", "fa": "بازپرداخت انجام شد", "zh-hans": "退款已完成"}
# title -> (language, shortcut, body). Variables: services.canned.VARIABLES.
CANNED = {
    REFUND_SENT: ("en", "refund",
        "Hi {{ customer.first_name }}, your parcel for {{ order.name }} has reached us and the refund "
        "is on its way to your original payment method: it usually shows within 3-5 working days.\n\n"
        "Best wishes, the {{ store.name }} team"),
    "Zwrot pieniędzy wysłany": ("pl", "zwrot",
        "Dzień dobry {{ customer.first_name }}, paczka z zamówienia {{ order.name }} dotarła do nas "
        "i zleciliśmy zwrot pieniędzy na Pani/Pana konto: pojawi się w ciągu 3-5 dni roboczych.\n\n"
        "Pozdrawiamy, zespół {{ store.name }}"),
    "بازپرداخت انجام شد": ("fa", "bazpardakht",
        "{{ customer.first_name }} عزیز، بسته‌ی سفارش {{ order.name }} به دست ما رسید و مبلغ آن را "
        "بازپرداخت کردیم. تا ۳ تا ۵ روز کاری در حساب شما دیده می‌شود.\n\nبا احترام، تیم {{ store.name }}"),
    "退款已完成": ("zh-hans", "tuikuan",
        "{{ customer.first_name }}您好，订单 {{ order.name }} 的退货已收到，退款已退回原支付方式，"
        "通常 3-5 个工作日内到账。\n\n{{ store.name }} 客服团队"),
    "Where is my order": ("en", "where",
        "Hi {{ customer.first_name }}, I've checked order {{ order.name }}: it is {{ order.status }}. "
        "If it hasn't reached you in two working days, write back and we'll chase the carrier.\n\n"
        "{{ agent.first_name }}, {{ store.name }}"),
    "Gdzie jest paczka": ("pl", "paczka",
        "Dzień dobry {{ customer.first_name }}, sprawdziłam zamówienie {{ order.name }}: status to "
        "{{ order.status }}. Jeśli paczka nie dotrze w ciągu dwóch dni roboczych, prosimy o "
        "wiadomość.\n\n{{ agent.first_name }}, {{ store.name }}"),
    "Pasūtījuma statuss": ("lv", "statuss",
        "Labdien, {{ customer.first_name }}! Pārbaudīju pasūtījumu {{ order.name }}: statuss ir "
        "{{ order.status }}. Ja divu darba dienu laikā sūtījums nepienāk, lūdzu, rakstiet mums.\n\n"
        "{{ agent.first_name }}, {{ store.name }}"),
    "訂單進度": ("zh-hant", "dingdan",
        "{{ customer.first_name }}您好，我們查詢了訂單 {{ order.name }}，目前狀態：{{ order.status }}。"
        "如果兩個工作天內還沒收到，請再告訴我們。\n\n{{ store.name }} 客服團隊"),
    "Thanks for your patience": ("", "thanks",
        "Thank you for your patience, {{ customer.first_name }}. We're on it and will write again as "
        "soon as we know more.\n\n{{ agent.first_name }}, {{ store.name }}"),
}  # fmt: skip

RULES = (
    {"name": "Refund requests get the refund tag", "trigger": "created",
     "conditions": [{"kind": "text_contains",
                     "value": ["refund", "money back", "zwrot", "atmaksa", "بازپرداخت", "退款"]}],
     "actions": [{"kind": "add_tags", "value": ["refund"]}]},
    {"name": "Big spenders first", "trigger": "created",
     "conditions": [{"kind": "amount_spent_at_least", "value": VIP_SPENT}],
     "actions": [{"kind": "set_priority", "value": "high"}, {"kind": "add_tags", "value": ["vip"]}]},
    {"name": "Wholesale inquiries to the wholesale team", "trigger": "created",
     "conditions": [{"kind": "text_contains",
                     "value": ["wholesale", "hurtow", "vairumtirdzniecība", "عمده", "批发", "批發"]}],
     "actions": [{"kind": "assign_team", "value": "Wholesale"}, {"kind": "add_tags", "value": ["b2b"]}]},
    {"name": "Close pending conversations after 5 quiet days", "trigger": "idle", "idle_hours": 120,
     "conditions": [{"kind": "status_is", "value": "pending"}],
     "actions": [{"kind": "add_tags", "value": ["auto-closed"]},
                 {"kind": "set_status", "value": "resolved"}]},
)  # fmt: skip


@dataclass
class Desk:
    """What the conversations of the demo are written against."""

    staff: list  # active members, agents first (by id), then owners and admins
    languages: dict[int, list[str]]  # user id -> the languages they answer in
    available: dict[int, bool]
    roles: dict[int, str]
    teams: dict[str, Team]
    members: dict[str, set[int]]  # team name -> its members' user ids
    canned: dict[str, CannedReply] = field(default_factory=dict)
    macros: dict[str, Macro] = field(default_factory=dict)
    rules: list[Rule] = field(default_factory=list)
    policies: list[SlaPolicy] = field(default_factory=list)


def set_up_desk(*, store: Store, end: datetime) -> Desk:
    """Staff, teams, settings, hours, SLA policies, canned replies, macros and rules (see the module)."""
    handles = _add_demo_agents(store)
    staff = _staff(store)
    owner = next((u for u in staff if _role(store, u) == Membership.Role.OWNER), staff[-1])
    handles["owner"] = owner
    first_agent = staff[0]
    for user in staff:
        if user.pk in {u.pk for u in handles.values()} and user is not owner:
            continue
        languages = FIRST_AGENT_LANGUAGES if user.pk == first_agent.pk else OWNER_LANGUAGES
        teams.update_profile(store=store, user=user, languages=languages, skills="", available=True,
                             max_open="")  # fmt: skip
    for handle, _first, _last, languages, skills, available, cap in DEMO_AGENTS:
        teams.update_profile(store=store, user=handles[handle], languages=languages, skills=skills,
                             available=available, max_open=cap)  # fmt: skip
    made = _teams(store, first_agent, handles)
    teams.save_routing_settings(store=store, vip_spent=VIP_SPENT, vip_tags=VIP_TAGS, vip_team=None,
                                default_team=made["Returns"])  # fmt: skip
    policies = _hours_and_policies(store, end)
    desk = Desk(
        staff=staff,
        languages={p.user_id: p.languages for p in _profiles(store)},
        available={p.user_id: p.available for p in _profiles(store)},
        roles=dict(Membership.objects.filter(store=store).values_list("user_id", "role")),
        teams=made,
        members={name: set(team.members.values_list("pk", flat=True)) for name, team in made.items()},
        policies=policies,
    )
    for title, (language, shortcut, body) in CANNED.items():
        desk.canned[title] = canned.save_canned(
            store=store, actor=owner,
            fields={"title": title, "body": body, "language": language, "shortcut": shortcut},
        )  # fmt: skip
    desk.macros = _macros(store, owner, made)
    desk.rules = [rules.save_rule(store=store, fields=fields, actor=owner) for fields in RULES]
    return desk


def _add_demo_agents(store: Store) -> dict:
    """The demo agents as members of the store (no password anyone knows: they are colleagues)."""
    added = {}
    for handle, first, last, *_rest in DEMO_AGENTS:
        email = f"{handle}@{store.slug}.cxloop.test"
        user, _password = core_services.add_staff(store=store, email=email, role=Membership.Role.AGENT)
        get_user_model().objects.filter(pk=user.pk).update(first_name=first, last_name=last)
        added[handle] = user
    return added


def _staff(store: Store) -> list:
    """The store's active members, agents first: they answer most, the owner and admins help out."""
    memberships = Membership.objects.filter(store=store, user__is_active=True).select_related("user")
    members = sorted(memberships.order_by("pk"), key=lambda m: m.role != Membership.Role.AGENT)
    return [m.user for m in members]


def _role(store: Store, user) -> str:
    return Membership.objects.filter(store=store, user=user).values_list("role", flat=True).first() or ""


def _profiles(store: Store):
    return AgentProfile.objects.filter(store=store).order_by("pk")


def _teams(store: Store, first_agent, handles: dict) -> dict[str, Team]:
    made = {}
    for name, (languages, routing, members) in TEAMS.items():
        team = teams.create_team(store=store, name=name, routing=routing, languages=languages)
        for user in [first_agent, *(handles[h] for h in members)]:
            teams.add_member(team=team, user=user)
        made[name] = team
    return made


def _hours_and_policies(store: Store, end: datetime) -> list[SlaPolicy]:
    years = range(end.year - 1, end.year + 2)
    hours = {"week": WEEK, "holidays": [f"{year}-{day}" for year in years for day in HOLIDAYS]}
    checked = BusinessHours.from_json({**hours, "zone": store.timezone or "UTC"}).to_json()
    settings = settings_for(store)
    settings.business_hours = {key: value for key, value in checked.items() if key != "zone"}
    settings.business_hours["week"] = {day: spans for day, spans in checked["week"].items() if spans}
    settings.save(update_fields=["business_hours", "updated_at"])
    policies = []
    for position, fields in enumerate(SLA_POLICIES):
        cleaned = clean_policy({**fields, "position": position, "enabled": True})
        policies.append(SlaPolicy.objects.create(store=store, **cleaned))
    return policies


def _macros(store: Store, owner, made: dict[str, Team]) -> dict[str, Macro]:
    fields = (
        {"name": REFUND_SENT, "reply_body": CANNED[REFUND_SENT][2], "add_tags": ["refund"],
         "status": "resolved"},
        {"name": "Waiting for the returned parcel",
         "reply_body": "Hi {{ customer.first_name }}, thanks! We'll refund {{ order.name }} as soon as "
                       "the parcel reaches our warehouse.", "add_tags": ["return"], "status": "pending"},
        {"name": "Pass to wholesale", "add_tags": ["wholesale", "b2b"], "team": made["Wholesale"],
         "priority": "high"},
    )  # fmt: skip
    return {f["name"]: macros.save_macro(store=store, fields=f, actor=owner) for f in fields}


def fill(body: str, values: dict[str, str]) -> str:
    """A canned reply's body with its variables filled in, as the history's replies were sent."""
    return canned.VARIABLE.sub(lambda match: values.get(match.group(1), match.group(0)), body)


__all__ = [
    "DEMO_AGENTS", "Desk", "REFUND_SENT", "REFUND_TITLES", "VIP_SPENT", "VIP_TAGS", "fill", "set_up_desk",
]  # fmt: skip
