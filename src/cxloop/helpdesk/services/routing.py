"""Who answers a new conversation: VIP priority, a team by language, then an agent in turn.

    routed = route_conversation(conversation)                      # on arrival (services.intake)
    routed = route_conversation(conversation, team=returns, rule_name="Returns rule")  # a rule's action

The steps, each recorded as an `Activity` through the usual verbs
(services.conversations), with `rule_name` naming what did it ("Routing" unless
a rule passes its own name):

1. **VIP.** A customer who has spent at least the store's `vip_spent`, or who
   carries one of its `vip_tags`, is a VIP: the conversation's priority is
   raised to high (an urgent one stays urgent) and, when the store has a VIP
   team, it goes to that team's queue.
2. **Team.** Unless a team was given (or the conversation already has one), the
   conversation goes to a team serving its detected language (`Team.languages`;
   teams with routing on first, then by name), else to the store's default team.
3. **Agent.** When the team has routing on and the conversation has no assignee,
   the team's members take turns (round-robin, by user id, starting after the
   last one assigned). Passed by: members who are not available, those at their
   cap (`max_open`, counting open and pending conversations), and, when some
   members speak the conversation's language, those who do not. When nobody
   fits, the conversation waits unassigned in the team's queue, until an agent of the team
   becomes available again (`route_waiting`) or one's load drops under their cap
   (`route_waiting_to`, from the verbs that resolve, snooze, reassign or merge).

The team row is locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite runs one
writing transaction at a time) while an agent is chosen and assigned, so two
conversations arriving at once see each other's assignment: an agent with room
for one more gets one, not two.
"""

import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count

from cxloop.core import store_config

from ..models import AgentProfile, Conversation, DeskSettings, Team
from . import conversations

logger = logging.getLogger(__name__)
ROUTING = "Routing"  # the activity's rule_name when nobody (no person, no rule) asked
BUSY_STATUSES = (Conversation.Status.OPEN, Conversation.Status.PENDING)  # what counts against a cap
RAISED = {Conversation.Priority.LOW, Conversation.Priority.NORMAL}  # VIP raises these to high


@dataclass
class Routed:
    """What routing did: the conversation's team and assignee afterwards, and whether it is a VIP's."""

    team: Team | None
    assignee: object | None
    vip: bool


def speaks(codes, language: str) -> bool:
    """Whether one of `codes` covers `language`: the same code, or one names the other's language
    ("zh" covers "zh-hant", "pt-br" is covered by "pt")."""
    language = (language or "").lower()
    if not language:
        return False
    base = language.split("-")[0]
    for code in codes or []:
        code = str(code).lower()
        if code == language or code == base or code.split("-")[0] == language:
            return True
    return False


def is_vip(customer, settings: DeskSettings | None, *, segment_members: set[int] | None = None) -> bool:
    """A customer the store treats first: spent at least `vip_spent`, tagged with a VIP tag, or a member
    of the VIP segment (`segment_members`: the members among a page's customers, when already read)."""
    if customer is None or settings is None:
        return False
    if settings.vip_spent is not None and customer.amount_spent >= settings.vip_spent:
        return True
    wanted = {str(tag).strip().lower() for tag in settings.vip_tags or [] if str(tag).strip()}
    if wanted & {str(tag).strip().lower() for tag in customer.tags or []}:
        return True
    if settings.vip_segment_id is None:
        return False
    if segment_members is None:
        segment_members = vip_segment_members(settings, [customer.pk])
    return customer.pk in segment_members


def vip_segment_members(settings: DeskSettings, customer_ids) -> set[int]:
    """Which of these customers the VIP segment holds now (one query); none when its query no longer runs."""
    from cxloop.segments.query import SegmentQueryError, customers_matching

    segment = settings.vip_segment
    if segment is None or not customer_ids:
        return set()
    try:
        members = customers_matching(segment.store, segment.query).filter(pk__in=list(customer_ids))
        return set(members.values_list("pk", flat=True))
    except SegmentQueryError:
        logger.warning("The VIP segment %s no longer runs: nobody is a VIP by it", segment.pk)
        return set()


def team_for_language(store, language: str) -> Team | None:
    """The store's team serving `language`: one with routing on first, then by name."""
    if not language:
        return None
    teams = store_config.cached(  # read once while the store's configuration is unchanged
        store.pk,
        "helpdesk.language_teams",
        lambda: list(
            Team.objects.filter(store=store).exclude(languages=[]).order_by("-routing", "name", "pk")
        ),
    )
    return next((team for team in teams if speaks(team.languages, language)), None)


def route_conversation(
    conversation: Conversation, *, team: Team | None = None, actor=None, rule_name: str = ""
):
    """Give a conversation its priority, team and agent by the store's routing (see the module)."""
    if team is not None and team.store_id != conversation.store_id:
        raise ValueError("The team belongs to another store.")
    rule_name = rule_name or ("" if actor is not None else ROUTING)
    store = conversation.store
    settings = store_config.cached(  # read once while the store's configuration is unchanged
        store.pk,
        "helpdesk.desk_settings",
        lambda: (
            DeskSettings.objects.filter(store=store)
            .select_related("vip_team", "default_team", "vip_segment")
            .first()
        ),
    )
    vip = is_vip(conversation.customer, settings)
    if vip:
        team = team or (settings.vip_team if settings else None)
    if team is None:
        team = conversation.team
    if team is None:
        team = team_for_language(store, conversation.language)
    if team is None and settings is not None:
        team = settings.default_team
    if team is None and not vip:  # nothing to change (a store without teams): no transaction at all
        return Routed(team=None, assignee=conversation.assignee, vip=vip)
    with transaction.atomic():
        return _route(conversation, team, vip, actor, rule_name)


def _route(conversation: Conversation, team: Team | None, vip: bool, actor, rule_name: str) -> Routed:
    if vip and conversation.priority in RAISED:
        conversations.set_priority(
            conversation=conversation, priority=Conversation.Priority.HIGH, actor=actor, rule_name=rule_name
        )
    if team is None:
        return Routed(team=None, assignee=conversation.assignee, vip=vip)
    if conversation.team_id != team.pk:
        conversations.set_team(conversation=conversation, team=team, actor=actor, rule_name=rule_name)
    if conversation.assignee_id is None:
        # Locked until commit: the next conversation for this team waits, then counts this assignment.
        locked = Team.objects.select_for_update().get(pk=team.pk)
        if locked.routing:
            agent = next_agent(locked, conversation.language)
            if agent is not None:
                conversations.assign(
                    conversation=conversation, assignee=agent, actor=actor, rule_name=rule_name
                )
                Team.objects.filter(pk=locked.pk).update(last_assigned=agent)
    return Routed(team=team, assignee=conversation.assignee, vip=vip)


WAITING_BATCH = 50
WAITING_SCAN = 500  # waiting rows read (not routed) looking for those a freed agent may take


@transaction.atomic
def route_waiting(store, *, teams=None, limit: int = WAITING_BATCH) -> int:
    """Give the conversations waiting unassigned in routed teams' queues to whoever has room now.

    Called when an agent becomes available again (services.teams.set_availability); the oldest
    waiting go first, each routed as on arrival (one at a time, the team locked), and the sweep
    stops at the first that still finds nobody. Returns how many were assigned.
    """
    routed_teams = Team.objects.filter(store=store, routing=True)
    if teams is not None:
        routed_teams = routed_teams.filter(pk__in=[team.pk for team in teams])
    assigned = 0
    for team in routed_teams.order_by("pk"):
        # Locked before the queue is read, so a routing that committed meanwhile is seen.
        team = Team.objects.select_for_update().get(pk=team.pk)
        for conversation in _waiting(store, [team.pk])[:limit]:
            if route_conversation(conversation, team=team).assignee is None:
                break
            assigned += 1
    return assigned


@transaction.atomic
def route_waiting_to(agent, *, store, skip=(), limit: int = WAITING_BATCH) -> int:
    """Route the conversations waiting in an agent's teams' queues now that their load has dropped.

    Called, in the same transaction, by the verbs that lower an agent's count of open and pending
    conversations (services.conversations: resolved, snoozed, assigned away, merged). Only an
    available agent with a cap and room under it makes a difference: the oldest waiting conversations
    of their routed teams that they could take (by the team's language rule) are routed as on arrival,
    until their room is used; `skip` names conversations to leave where they are (one just unassigned
    stays in the queue rather than coming straight back). The teams are locked first, in id order, so
    two agents freed at once never route the same conversation twice. Returns how many were assigned.
    """
    profile = AgentProfile.objects.filter(store=store, user=agent).first()
    if profile is None or profile.max_open is None or not profile.available:
        return 0  # without a cap they never stopped taking conversations; away, they take none
    team_ids = list(
        Team.objects.filter(store=store, routing=True, members=agent).values_list("pk", flat=True)
    )
    teams = {
        team.pk: team for team in Team.objects.select_for_update().filter(pk__in=team_ids).order_by("pk")
    }
    room = profile.max_open - open_counts(store.pk, [agent.pk]).get(agent.pk, 0)
    if not teams or room <= 0:
        return 0
    rows = _waiting(store, teams).exclude(pk__in=list(skip)).values_list("pk", "team_id", "language")
    can_take: dict[tuple, bool] = {}
    assigned = 0
    for pk, team_id, language in rows[:WAITING_SCAN]:
        key = (team_id, language)
        if key not in can_take:
            can_take[key] = any(m.pk == agent.pk for m in takers(teams[team_id], language)[0])
        if not can_take[key]:
            continue
        conversation = _waiting(store, [team_id]).filter(pk=pk).first()
        if conversation is None:
            continue  # assigned by hand meanwhile
        routed = route_conversation(conversation, team=teams[team_id])
        if routed.assignee is None:
            break  # not even they fit any more (left the store, deactivated)
        assigned += 1
        if routed.assignee.pk == agent.pk:
            room -= 1
        if room <= 0 or assigned >= limit:
            break
    return assigned


def _waiting(store, team_ids):
    """The team's queue: open, unassigned, not merged away; oldest first."""
    return (
        Conversation.objects.filter(
            store=store, team_id__in=list(team_ids), assignee__isnull=True,
            status=Conversation.Status.OPEN, merged_into__isnull=True,
        )
        .select_related("store", "customer", "team")
        .order_by("created_at", "pk")
    )  # fmt: skip


def takers(team: Team, language: str = "") -> tuple[list, dict]:
    """The team members who may take a conversation in `language` (whoever is still in the store; only
    those speaking it when some do), in id order, with their profiles by user id."""
    members = list(
        team.members.filter(
            is_active=True,
            memberships__store_id=team.store_id,  # still a member of the store
        ).order_by("pk")
    )
    profiles = {p.user_id: p for p in AgentProfile.objects.filter(store_id=team.store_id, user__in=members)}
    speakers = [m for m in members if m.pk in profiles and speaks(profiles[m.pk].languages, language)]
    return (speakers or members), profiles


def next_agent(team: Team, language: str = "", *, passing=()):
    """The team member whose turn it is and who has room; None when nobody fits.

    `passing`: user ids not to choose (a transfer passes the agent handing the conversation on)."""
    members, profiles = takers(team, language)
    members = [m for m in members if m.pk not in set(passing)]
    if not members:
        return None
    busy = open_counts(team.store_id, [m.pk for m in members])
    after = team.last_assigned_id or 0
    turn = [m for m in members if m.pk > after] + [m for m in members if m.pk <= after]
    for member in turn:
        profile = profiles.get(member.pk)
        if profile is not None and not profile.available:
            continue
        if (
            profile is not None
            and profile.max_open is not None
            and busy.get(member.pk, 0) >= profile.max_open
        ):
            continue
        return member
    return None


def agent_with_skill(store, skill: str, language: str = ""):
    """The store's available member listing `skill` (any case) with the fewest open and pending
    conversations and room under their cap; those speaking `language` first. None when nobody fits."""
    wanted = skill.strip().lower()
    profiles = [
        p for p in AgentProfile.objects.filter(
            store=store, available=True, user__is_active=True, user__memberships__store=store
        ).select_related("user")
        if wanted in {str(s).strip().lower() for s in p.skills or []}
    ]  # fmt: skip
    busy = open_counts(store.pk, [p.user_id for p in profiles])
    with_room = [p for p in profiles if p.max_open is None or busy.get(p.user_id, 0) < p.max_open]
    if not with_room:
        return None
    best = min(
        with_room, key=lambda p: (not speaks(p.languages, language), busy.get(p.user_id, 0), p.user_id)
    )
    return best.user


def open_counts(store_id: int, user_ids) -> dict[int, int]:
    """Each user's open and pending conversations in the store (what counts against a cap)."""
    rows = (
        Conversation.objects.filter(
            store_id=store_id, assignee_id__in=list(user_ids), status__in=BUSY_STATUSES
        )
        .values("assignee_id")
        .annotate(n=Count("pk"))
    )
    return {row["assignee_id"]: row["n"] for row in rows}


__all__ = [
    "ROUTING",
    "Routed",
    "agent_with_skill",
    "is_vip",
    "next_agent",
    "open_counts",
    "route_conversation",
    "route_waiting",
    "route_waiting_to",
    "speaks",
    "takers",
    "team_for_language",
]
