"""Routing: VIPs first, a team by language, then the team's members in turn, within their caps."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from cxloop.commerce.models import Customer
from cxloop.core.models import Membership
from cxloop.helpdesk.models import Activity, AgentProfile, Conversation, DeskSettings, Team
from cxloop.helpdesk.services import conversations as services
from cxloop.helpdesk.services.routing import ROUTING, route_conversation, speaks
from cxloop.helpdesk.services.teams import set_availability, update_profile
from cxloop.helpdesk.views import activity_text
from cxloop.testing.fixtures import make_staff

from .factories import open_conversation

pytestmark = pytest.mark.django_db

PERSIAN = "سلام، سفارش من هنوز نرسیده است. لطفاً بگویید بسته کجاست."


def member(store, name, **profile):
    user = make_staff(store, Membership.Role.AGENT, email=f"{name}@{store.slug}.test")
    if profile:
        AgentProfile.objects.create(store=store, user=user, **profile)
    return user


def team_of(store, name, *members, routing=True, languages=(), default=False):
    team = Team.objects.create(store=store, name=name, routing=routing, languages=list(languages))
    team.members.add(*members)
    if default:
        DeskSettings.objects.update_or_create(store=store, defaults={"default_team": team})
    return team


def arrive(store, count=1, **fields):
    return [open_conversation(store, **fields)[0] for _ in range(count)]


def assignees(conversations):
    return [Conversation.objects.get(pk=c.pk).assignee for c in conversations]


def test_a_routed_team_gives_new_conversations_to_its_members_in_turn(store):
    ania, bob, celina = member(store, "ania"), member(store, "bob"), member(store, "celina")
    team = team_of(store, "General", ania, bob, celina, default=True)

    conversations = arrive(store, 4)

    assert assignees(conversations) == [ania, bob, celina, ania]
    assert {c.team_id for c in Conversation.objects.all()} == {team.pk}


def test_the_turn_passes_by_unavailable_members_and_those_at_their_cap(store):
    ania = member(store, "ania", available=False)
    bob = member(store, "bob", max_open=1)
    celina = member(store, "celina")
    team_of(store, "General", ania, bob, celina, default=True)

    first, second, third = arrive(store, 3)

    assert assignees([first, second, third]) == [bob, celina, celina]
    # Pending still counts against the cap; resolving makes room again.
    services.set_status(conversation=first, status="pending", actor=None)
    (fourth,) = arrive(store)
    services.set_status(conversation=first, status="resolved", actor=None)
    (fifth,) = arrive(store)
    assert assignees([fourth, fifth]) == [celina, bob]


def test_when_nobody_fits_the_conversation_waits_unassigned_in_the_teams_queue(store):
    ania = member(store, "ania", available=False)
    bob = member(store, "bob", max_open=0)
    team = team_of(store, "General", ania, bob, default=True)

    (conversation,) = arrive(store)

    conversation.refresh_from_db()
    assert conversation.team == team and conversation.assignee is None
    assert not Activity.objects.filter(conversation=conversation, kind=Activity.Kind.ASSIGNED).exists()


def test_an_agent_back_from_away_takes_the_conversations_waiting_in_their_teams_queue(store):
    # given two conversations waiting because the team's only member is away (cap: one more)
    ania = member(store, "ania", available=False, max_open=1)
    team = team_of(store, "General", ania, default=True)
    first, second = arrive(store, count=2)

    # when she switches herself back on
    set_availability(store=store, user=ania, available=True)

    # then the older one is hers, the other still waits (she is at her cap)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.assignee, second.assignee) == (ania, None)
    assert second.team == team
    [assigned] = Activity.objects.filter(conversation=first, kind=Activity.Kind.ASSIGNED)
    assert assigned.rule_name == ROUTING


def _at_cap_with_two_waiting(store):
    """Ania (cap 1) holds the first conversation; the second and third wait in her team's queue."""
    ania = member(store, "ania", max_open=1)
    team = team_of(store, "General", ania, default=True)
    first, second, third = arrive(store, count=3)
    assert assignees([first, second, third]) == [ania, None, None]
    return ania, team, first, second, third


def test_an_agent_at_her_cap_resolving_one_takes_the_oldest_conversation_waiting(store):
    # given Ania at her cap and two conversations waiting for her
    ania, team, first, second, third = _at_cap_with_two_waiting(store)

    # when she resolves hers
    services.set_status(conversation=first, status="resolved", actor=ania)

    # then the older waiting one is hers, in the same change; the other still waits
    assert assignees([second, third]) == [ania, None]
    [assigned] = Activity.objects.filter(conversation=second, kind=Activity.Kind.ASSIGNED)
    assert (assigned.actor, assigned.rule_name) == (None, ROUTING)
    assert Conversation.objects.get(pk=third.pk).team == team


def test_raising_an_agents_cap_gives_her_the_oldest_conversation_waiting(store):
    ania, _team, _first, second, third = _at_cap_with_two_waiting(store)

    update_profile(store=store, user=ania, languages="", skills="", available=True, max_open="2")

    assert assignees([second, third]) == [ania, None]


def test_lowering_a_cap_or_changing_skills_routes_nothing(store):
    ania, _team, _first, second, third = _at_cap_with_two_waiting(store)

    update_profile(store=store, user=ania, languages="pl", skills="returns", available=True, max_open="1")

    assert assignees([second, third]) == [None, None]


def test_an_agent_who_is_away_gets_nothing_when_her_load_drops(store):
    ania, _team, first, second, third = _at_cap_with_two_waiting(store)
    set_availability(store=store, user=ania, available=False)

    services.set_status(conversation=first, status="resolved", actor=ania)

    assert assignees([second, third]) == [None, None]


def test_snoozing_makes_room_but_pending_still_counts_against_the_cap(store):
    ania, _team, first, second, _third = _at_cap_with_two_waiting(store)

    services.set_status(conversation=first, status="pending", actor=ania)
    assert assignees([second]) == [None]

    until = timezone.now() + timezone.timedelta(days=1)
    services.set_status(conversation=first, status="snoozed", actor=ania, snoozed_until=until)
    assert assignees([second]) == [ania]


def test_giving_a_conversation_to_a_colleague_makes_room_for_the_oldest_waiting(store):
    ania, _team, first, second, third = _at_cap_with_two_waiting(store)
    bob = member(store, "bob")  # in no team

    services.assign(conversation=first, assignee=bob, actor=ania)

    assert assignees([first, second, third]) == [bob, ania, None]


def test_an_unassigned_conversation_goes_back_to_the_queue_behind_those_already_waiting(store):
    ania, _team, first, second, third = _at_cap_with_two_waiting(store)

    services.assign(conversation=first, assignee=None, actor=ania)

    assert assignees([first, second, third]) == [None, ania, None]


def test_merging_her_conversation_away_makes_room_for_the_oldest_waiting(store):
    ania, _team, first, second, third = _at_cap_with_two_waiting(store)

    services.merge(source=first, target=third, actor=ania)  # the same customer wrote both

    assert assignees([second, third]) == [ania, None]


def test_a_freed_agent_takes_the_oldest_waiting_conversation_in_a_language_she_may_take(store):
    # given Ania (English) at her cap, and Bob (Polish) who takes no more, in one team
    ania = member(store, "ania", languages=["en"], max_open=1)
    bob = member(store, "bob", languages=["pl"], max_open=0)
    team = team_of(store, "General", ania, bob)
    mine, polish, english = arrive(store, 3)
    for conversation, language in ((mine, "en"), (polish, "pl"), (english, "en")):
        Conversation.objects.filter(pk=conversation.pk).update(language=language)
        conversation.language = language
        route_conversation(conversation, team=team)
    assert assignees([mine, polish, english]) == [ania, None, None]

    # when she resolves hers
    services.set_status(conversation=mine, status="resolved", actor=ania)

    # then the Polish one, older, waits for a Polish speaker; the English one is hers
    assert assignees([polish, english]) == [None, ania]


def test_a_team_without_routing_only_queues(store):
    ania = member(store, "ania")
    team = team_of(store, "General", ania, routing=False, default=True)

    (conversation,) = arrive(store)

    conversation.refresh_from_db()
    assert (conversation.team, conversation.assignee) == (team, None)


def test_someone_who_left_the_store_is_never_given_a_conversation(store):
    ania, bob = member(store, "ania"), member(store, "bob")
    team_of(store, "General", ania, bob, default=True)
    Membership.objects.filter(store=store, user=ania).delete()  # still in the team's list

    assert assignees(arrive(store, 2)) == [bob, bob]


def test_routing_writes_its_activities_under_its_own_name(store):
    ania = member(store, "ania")
    team_of(store, "General", ania, default=True)

    (conversation,) = arrive(store)

    activities = Activity.objects.filter(conversation=conversation).exclude(kind=Activity.Kind.CREATED)
    assert [(a.kind, a.actor, a.rule_name) for a in activities.order_by("pk")] == [
        (Activity.Kind.TEAM, None, ROUTING),
        (Activity.Kind.ASSIGNED, None, ROUTING),
    ]
    assigned = activities.get(kind=Activity.Kind.ASSIGNED)
    assert activity_text(assigned, {ania.pk: "Ania"}) == "Routing assigned it to Ania"


def test_a_persian_message_goes_to_the_team_serving_persian(store):
    general, persian = member(store, "general"), member(store, "persian")
    team_of(store, "General", general, default=True)
    farsi = team_of(store, "Persian", persian, languages=["fa"])

    (conversation,) = arrive(store, text=PERSIAN, subject="سفارش")

    conversation.refresh_from_db()
    assert conversation.language == "fa"
    assert (conversation.team, conversation.assignee) == (farsi, persian)


def test_within_a_team_only_members_speaking_the_language_take_it_when_some_do(store):
    polish = member(store, "polish", languages=["pl"])
    persian = member(store, "persian", languages=["fa", "en"])
    other = member(store, "other")
    team = team_of(store, "General", polish, persian, other)
    conversations = arrive(store, 2)  # no team yet: nothing configured routes them
    for conversation in conversations:
        Conversation.objects.filter(pk=conversation.pk).update(language="fa")
        conversation.language = "fa"

    for conversation in conversations:
        route_conversation(conversation, team=team)

    assert assignees(conversations) == [persian, persian]
    # With every Persian speaker away, a Persian conversation waits for one, not a non-reader.
    AgentProfile.objects.filter(user=persian).update(available=False)
    later = arrive(store)[0]
    Conversation.objects.filter(pk=later.pk).update(language="fa")
    later.language = "fa"
    route_conversation(later, team=team)
    assert assignees([later]) == [None]
    # A language nobody lists goes round everyone, from where the turn got to.
    german = arrive(store)[0]
    Conversation.objects.filter(pk=german.pk).update(language="de")
    german.language = "de"
    route_conversation(german, team=team)
    assert assignees([german]) == [other]


@pytest.mark.parametrize(
    ("codes", "language", "expected"),
    [
        (["fa"], "fa", True),
        (["zh"], "zh-hant", True),
        (["zh-hant"], "zh", True),
        (["zh-hant"], "zh-hans", False),
        (["pl"], "", False),
        ([], "pl", False),
    ],
)
def test_a_language_code_covers_its_variants(codes, language, expected):
    assert speaks(codes, language) is expected


def make_customer(store, email, *, spent="0", tags=()):
    now = timezone.now()
    return Customer.objects.create(
        store=store, email=email, email_key=email, amount_spent=Decimal(spent), tags=list(tags),
        created_at=now, updated_at=now,
    )  # fmt: skip


def test_a_vip_by_amount_spent_gets_high_priority_and_the_vip_team(store):
    regular, vip_agent = member(store, "regular"), member(store, "vip")
    general = team_of(store, "General", regular, default=True)
    vips = team_of(store, "VIP", vip_agent)
    DeskSettings.objects.filter(store=store).update(vip_spent=Decimal("1000"), vip_team=vips)
    make_customer(store, "rich@example.com", spent="1000.00")
    make_customer(store, "almost@example.com", spent="999.99")

    (rich,) = arrive(store, from_email="rich@example.com")
    (almost,) = arrive(store, from_email="almost@example.com")

    rich.refresh_from_db()
    almost.refresh_from_db()
    assert (rich.priority, rich.team, rich.assignee) == ("high", vips, vip_agent)
    assert (almost.priority, almost.team, almost.assignee) == ("normal", general, regular)
    assert Activity.objects.get(conversation=rich, kind=Activity.Kind.PRIORITY).rule_name == ROUTING


def test_a_vip_by_tag_is_recognised_whatever_the_case_and_an_urgent_one_stays_urgent(store):
    DeskSettings.objects.create(store=store, vip_tags=["VIP", "Gold member"])
    customer = make_customer(store, "gold@example.com", tags=["gold MEMBER"])
    make_customer(store, "plain@example.com", tags=["newsletter"])

    (gold,) = arrive(store, from_email="gold@example.com")
    (plain,) = arrive(store, from_email="plain@example.com")

    gold.refresh_from_db()
    plain.refresh_from_db()
    assert (gold.customer, gold.priority, gold.team) == (customer, "high", None)  # no VIP team: priority only
    assert plain.priority == "normal"
    services.set_priority(conversation=gold, priority="urgent", actor=None)
    route_conversation(gold)
    gold.refresh_from_db()
    assert gold.priority == "urgent"


def test_a_member_of_the_vip_segment_is_a_vip_as_the_segment_picks_them_now(store):
    from cxloop.segments.services.segments import create_segment, update_segment

    segment = create_segment(store=store, name="Wholesale", query="customer_tags CONTAINS 'wholesale'")
    DeskSettings.objects.create(store=store, vip_segment=segment)
    make_customer(store, "shop@example.com", tags=["Wholesale"])
    make_customer(store, "plain@example.com", tags=["newsletter"])

    (shop,) = arrive(store, from_email="shop@example.com")
    (plain,) = arrive(store, from_email="plain@example.com")
    update_segment(segment=segment, name="Wholesale", query="customer_tags CONTAINS 'newsletter'")
    (plain_again,) = arrive(store, from_email="plain@example.com", subject="Another question")

    shop.refresh_from_db()
    plain.refresh_from_db()
    plain_again.refresh_from_db()
    assert (shop.priority, plain.priority, plain_again.priority) == ("high", "normal", "high")


def test_a_rule_routes_to_a_team_later_under_its_own_name(store, owner):
    ania = member(store, "ania")
    returns = team_of(store, "Returns", ania)
    (conversation,) = arrive(store)
    assert conversation.team is None

    routed = route_conversation(conversation, team=returns, rule_name="Returns rule")

    assert (routed.team, routed.assignee) == (returns, ania)
    names = set(Activity.objects.filter(conversation=conversation).values_list("rule_name", flat=True))
    assert names == {"", "Returns rule"}  # "" is the opening


def test_another_stores_team_is_refused(store, other_store):
    foreign = Team.objects.create(store=other_store, name="Theirs", routing=True)
    (conversation,) = arrive(store)

    with pytest.raises(ValueError):
        route_conversation(conversation, team=foreign)


def test_nothing_configured_leaves_a_new_conversation_as_it_was(store):
    (conversation,) = arrive(store)

    conversation.refresh_from_db()
    assert (conversation.team, conversation.assignee, conversation.priority) == (None, None, "normal")
    assert not DeskSettings.objects.filter(store=store).exists()


@pytest.mark.django_db(transaction=True)
def test_two_conversations_at_once_never_push_an_agent_past_the_cap(store):
    """PostgreSQL: the second routing waits on the team's lock, then sees the first's assignment."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time; the lock is PostgreSQL's")
    ania = member(store, "ania", max_open=1)
    team = team_of(store, "General", ania)
    first, second = arrive(store, 2)  # not routed: no default team
    outcome = {}

    def route_second():
        try:
            outcome["routed"] = route_conversation(Conversation.objects.get(pk=second.pk), team=team)
        finally:
            connection.close()

    with transaction.atomic():
        route_conversation(first, team=team)  # holds the team's row until this block commits
        other = threading.Thread(target=route_second)
        other.start()
        waited = _wait_until_blocked(other)
    other.join(timeout=30)

    assert waited, "the second routing should wait for the first to commit"
    assert assignees([first, second]) == [ania, None]
    assert outcome["routed"].assignee is None


@pytest.mark.django_db(transaction=True)
def test_two_agents_freed_at_once_never_both_take_the_same_waiting_conversation(store):
    """PostgreSQL: the second release waits on the team's lock, then finds the queue already empty."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time; the lock is PostgreSQL's")
    ania, bob = member(store, "ania", max_open=1), member(store, "bob", max_open=1)
    team_of(store, "General", ania, bob, default=True)
    hers, his, waiting = arrive(store, 3)
    assert assignees([hers, his, waiting]) == [ania, bob, None]
    outcome = {}

    def bob_resolves():
        try:
            conversation = Conversation.objects.get(pk=his.pk)
            outcome["his"] = services.set_status(conversation=conversation, status="resolved", actor=bob)
        finally:
            connection.close()

    with transaction.atomic():
        services.set_status(
            conversation=hers, status="resolved", actor=ania
        )  # holds the team's row until commit
        other = threading.Thread(target=bob_resolves)
        other.start()
        waited = _wait_until_blocked(other)
    other.join(timeout=30)

    assert waited, "Bob's release should wait for Ania's to commit"
    assert outcome["his"].status == "resolved"
    assert assignees([waiting]) == [ania]
    assert Activity.objects.filter(conversation=waiting, kind=Activity.Kind.ASSIGNED).count() == 1


def _wait_until_blocked(thread, attempts=1000) -> bool:
    """Poll until another session waits for a lock (or the thread ended without waiting)."""
    import time

    with connection.cursor() as cursor:
        for _ in range(attempts):
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if cursor.fetchone()[0]:
                return True
            if not thread.is_alive():
                return False
            time.sleep(0.01)
    return False
