"""Reads for the teams page and routing: teams, agents' profiles and loads; another store's id is a 404."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q
from django.http import Http404

from cxloop.commerce.models import Customer
from cxloop.core import queries as core_queries
from cxloop.core.inputs import parse_db_id
from cxloop.core.models import Membership, Store

from .models import AgentProfile, Conversation, DeskSettings, Team
from .services.routing import is_vip, open_counts, vip_segment_members

User = get_user_model()


def get_team(store: Store, team_id) -> Team:
    pk = parse_db_id(str(team_id))
    team = Team.objects.filter(store=store, pk=pk).first() if pk else None
    if team is None:
        raise Http404("No such team")
    return team


def get_member(store: Store, user_id) -> Membership:
    """The store's membership of that user; Http404 for someone of another store."""
    pk = parse_db_id(str(user_id))
    membership = (
        Membership.objects.filter(store=store, user_id=pk).select_related("user").first() if pk else None
    )
    if membership is None:
        raise Http404("No such member")
    return membership


def member_or_none(store: Store, user_id) -> Membership | None:
    """The store's active membership of that user, or None (someone of another store, or deactivated)."""
    pk = parse_db_id(str(user_id))
    if not pk:
        return None
    return (
        Membership.objects.filter(store=store, user_id=pk, user__is_active=True)
        .select_related("user")
        .first()
    )


@dataclass
class AgentRow:
    """One store member as routing sees them."""

    membership: Membership
    profile: AgentProfile | None
    busy: int  # open + pending conversations assigned to them

    @property
    def user(self):
        return self.membership.user

    @property
    def available(self) -> bool:
        return self.profile is None or self.profile.available

    @property
    def languages(self) -> list[str]:
        return self.profile.languages if self.profile else []

    @property
    def skills(self) -> list[str]:
        return self.profile.skills if self.profile else []

    @property
    def max_open(self) -> int | None:
        return self.profile.max_open if self.profile else None


def list_agents(store: Store) -> list[AgentRow]:
    """Every member of the store with their profile (or the defaults) and open load."""
    members = list(core_queries.list_members(store))
    profiles = {p.user_id: p for p in AgentProfile.objects.filter(store=store)}
    busy = open_counts(store.pk, [m.user_id for m in members])
    return [AgentRow(m, profiles.get(m.user_id), busy.get(m.user_id, 0)) for m in members]


def list_teams_with_load(store: Store) -> list[Team]:
    """The store's teams with `member_list` (current members only), `addable` (the store's other
    members), `open_count` and `waiting_count` (open conversations in the team, and those of them
    nobody has yet)."""
    teams = list(
        Team.objects.filter(store=store)
        .prefetch_related(Prefetch("members", queryset=User.objects.order_by("email", "pk")))
        .order_by("name", "pk")
    )
    members = list(core_queries.list_members(store))
    member_ids = {m.user_id for m in members}
    counts = (
        Conversation.objects.filter(store=store, team__isnull=False, status=Conversation.Status.OPEN)
        .values("team_id")
        .annotate(open=Count("pk"), waiting=Count("pk", filter=Q(assignee__isnull=True)))
    )
    by_team = {row["team_id"]: row for row in counts}
    for team in teams:
        team.member_list = [user for user in team.members.all() if user.pk in member_ids]
        inside = {user.pk for user in team.member_list}
        team.addable = [m.user for m in members if m.user_id not in inside]  # who "Add" offers
        team.open_count = by_team.get(team.pk, {}).get("open", 0)
        team.waiting_count = by_team.get(team.pk, {}).get("waiting", 0)
    return teams


def list_transfer_targets(store: Store, *, leaving_out=()) -> tuple[list[AgentRow], list[Team]]:
    """Whom a conversation can be transferred to: the store's active members (available ones first,
    then by the members' order; `leaving_out` user ids not listed) and its teams, by name."""
    agents = [row for row in list_agents(store) if row.user.is_active and row.user.pk not in set(leaving_out)]
    agents.sort(key=lambda row: not row.available)  # stable: the members' order within each group
    return agents, list(Team.objects.filter(store=store).order_by("name", "pk"))


def get_routing_settings(store: Store) -> DeskSettings | None:
    return DeskSettings.objects.filter(store=store).select_related("vip_team", "default_team").first()


def list_vip_conversation_ids(store: Store, conversations) -> set[int]:
    """The ids among `conversations` whose customer is a VIP by the store's settings (one query for
    the page's customers: the inbox's rows do not load them)."""
    settings = DeskSettings.objects.filter(store=store).first()
    if settings is None or (
        settings.vip_spent is None and not settings.vip_tags and not settings.vip_segment_id
    ):
        return set()
    customer_ids = {c.customer_id for c in conversations if c.customer_id}
    customers = Customer.objects.filter(store=store, pk__in=customer_ids).only("amount_spent", "tags")
    members = vip_segment_members(settings, customer_ids)
    vips = {customer.pk for customer in customers if is_vip(customer, settings, segment_members=members)}
    return {c.pk for c in conversations if c.customer_id in vips}


def is_available(store: Store, user) -> bool:
    """The member's availability switch (on unless they turned it off)."""
    profile = AgentProfile.objects.filter(store=store, user=user).only("available").first()
    return profile is None or profile.available
