"""The teams page: admins shape teams and agents, agents read and flip only their own availability."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cxloop.core.models import Membership
from cxloop.helpdesk.models import AgentProfile, Conversation, DeskSettings, Team
from cxloop.surveys.tests.factories import make_customer
from cxloop.testing.fixtures import make_staff

from .factories import open_conversation

pytestmark = pytest.mark.django_db


def page(client):
    return client.get(reverse("helpdesk:team-list"))


def test_an_admin_creates_a_routed_team_and_adds_a_member(store, staff_client, agent):
    response = staff_client.post(
        reverse("helpdesk:team-list"), {"name": "  Persian  speaking ", "languages": "FA, fa", "routing": "1"}
    )

    team = Team.objects.get(store=store)
    assert response.status_code == 302
    assert (team.name, team.languages, team.routing) == ("Persian speaking", ["fa"], True)
    staff_client.post(reverse("helpdesk:team-members", args=[team.pk]), {"action": "add", "user": agent.pk})
    assert list(team.members.all()) == [agent]
    listing = page(staff_client)
    assert listing.status_code == 200
    assert [t.member_list for t in listing.context["teams"]] == [[agent]]


def test_an_admin_renames_turns_off_and_deletes_a_team_keeping_its_conversations(store, staff_client, agent):
    team = Team.objects.create(store=store, name="Returns", routing=True, languages=["pl"])
    conversation, _ = open_conversation(store)
    Conversation.objects.filter(pk=conversation.pk).update(team=team)

    staff_client.post(reverse("helpdesk:team-update", args=[team.pk]), {"name": "Zwroty", "languages": ""})
    team.refresh_from_db()
    assert (team.name, team.routing, team.languages) == ("Zwroty", False, [])

    staff_client.post(reverse("helpdesk:team-delete", args=[team.pk]))
    assert not Team.objects.filter(pk=team.pk).exists()
    conversation.refresh_from_db()
    assert conversation.team is None


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "Returns"}, "name"),
        ({"name": "X", "languages": "polish!"}, "languages"),
    ],
)
def test_a_bad_team_is_refused_naming_the_problem(store, staff_client, form, field):
    Team.objects.create(store=store, name="returns")

    response = staff_client.post(reverse("helpdesk:team-list"), form)

    assert response.status_code == 422
    assert field in response.context["errors"]
    assert Team.objects.filter(store=store).count() == 1


def test_the_page_shows_open_and_waiting_counts_per_team_and_each_agents_load(store, staff_client, agent):
    team = Team.objects.create(store=store, name="General")
    team.members.add(agent)
    waiting, _ = open_conversation(store)
    taken, _ = open_conversation(store)
    Conversation.objects.filter(pk=waiting.pk).update(team=team)
    Conversation.objects.filter(pk=taken.pk).update(team=team, assignee=agent)
    AgentProfile.objects.create(store=store, user=agent, languages=["pl"], skills=["returns"], max_open=5)

    response = page(staff_client)

    (row,) = response.context["teams"]
    assert (row.open_count, row.waiting_count) == (2, 1)
    agents = {a.user: a for a in response.context["agents"]}
    assert (agents[agent].busy, agents[agent].max_open, agents[agent].languages) == (1, 5, ["pl"])
    assert "returns" in response.content.decode()


def test_an_agent_reads_the_page_but_every_change_is_refused(store, agent_client, agent, owner):
    team = Team.objects.create(store=store, name="General")
    before = (Team.objects.count(), DeskSettings.objects.count())

    assert page(agent_client).status_code == 200
    assert page(agent_client).context["can_edit"] is False
    writes = [
        (reverse("helpdesk:team-list"), {"name": "Mine"}),
        (reverse("helpdesk:team-update", args=[team.pk]), {"name": "Renamed"}),
        (reverse("helpdesk:team-delete", args=[team.pk]), {}),
        (reverse("helpdesk:team-members", args=[team.pk]), {"action": "add", "user": agent.pk}),
        (reverse("helpdesk:agent-update", args=[owner.pk]), {"available": ""}),
        (reverse("helpdesk:agent-update", args=[agent.pk]), {"max_open": "99", "available": "1"}),
        (reverse("helpdesk:routing-settings"), {"vip_spent": "1"}),
    ]
    for url, form in writes:
        assert agent_client.post(url, form).status_code == 403, url
    team.refresh_from_db()
    assert team.name == "General" and not team.members.exists()
    assert (Team.objects.count(), DeskSettings.objects.count()) == before
    assert not AgentProfile.objects.exists()


def test_an_agent_switches_their_own_availability_in_one_click(store, agent_client, agent):
    response = agent_client.post(reverse("helpdesk:availability"), {"available": "0", "next": "/helpdesk/"})

    assert response.status_code == 302 and response["Location"] == "/helpdesk/"
    assert AgentProfile.objects.get(store=store, user=agent).available is False
    swapped = agent_client.post(
        reverse("helpdesk:availability"), {"available": "1"}, headers={"HX-Request": "true"}
    )
    assert swapped.status_code == 200 and "You are available" in swapped.content.decode()
    assert AgentProfile.objects.get(store=store, user=agent).available is True


def test_the_availability_switch_never_redirects_off_site(agent_client):
    response = agent_client.post(
        reverse("helpdesk:availability"), {"available": "0", "next": "https://evil.example/"}
    )

    assert response["Location"] == reverse("helpdesk:inbox")


def test_the_inbox_shows_the_switch_and_marks_vip_conversations(store, agent_client, agent):
    from .test_routing import make_customer

    DeskSettings.objects.create(store=store, vip_spent=Decimal("500"))
    make_customer(store, "rich@example.com", spent="600")
    vip, _ = open_conversation(store, from_email="rich@example.com", subject="From a VIP")
    plain, _ = open_conversation(store, subject="From anyone")

    response = agent_client.get(reverse("helpdesk:inbox"))

    assert response.context["vip_ids"] == {vip.pk}
    html = response.content.decode()
    assert html.count("data-vip") == 1 and 'id="availability"' in html


def test_an_admin_edits_an_agents_languages_skills_and_cap(store, staff_client, agent):
    response = staff_client.post(
        reverse("helpdesk:agent-update", args=[agent.pk]),
        {"languages": "pl fa", "skills": "returns, wholesale", "max_open": "8", "available": "1"},
    )

    assert response.status_code == 302
    profile = AgentProfile.objects.get(store=store, user=agent)
    assert (profile.languages, profile.skills, profile.max_open, profile.available) == (
        ["pl", "fa"], ["returns", "wholesale"], 8, True,
    )  # fmt: skip
    refused = staff_client.post(reverse("helpdesk:agent-update", args=[agent.pk]), {"max_open": "-1"})
    assert refused.status_code == 422 and "max_open" in refused.context["errors"]


def test_an_admin_sets_vip_rules_and_the_default_team(store, staff_client):
    vips = Team.objects.create(store=store, name="VIP")
    general = Team.objects.create(store=store, name="General")

    staff_client.post(
        reverse("helpdesk:routing-settings"),
        {
            "vip_spent": "1500,50",
            "vip_tags": "vip, Gold member",
            "vip_team": vips.pk,
            "default_team": general.pk,
        },
    )

    settings = DeskSettings.objects.get(store=store)
    assert (settings.vip_spent, settings.vip_tags, settings.vip_team, settings.default_team) == (
        Decimal("1500.50"), ["vip", "Gold member"], vips, general,
    )  # fmt: skip


def test_another_stores_team_and_people_are_not_found(store, other_store, staff_client):
    theirs = Team.objects.create(store=other_store, name="Theirs")
    stranger = make_staff(other_store, Membership.Role.AGENT, email="stranger@other.test")
    mine = Team.objects.create(store=store, name="Mine")

    assert (
        staff_client.post(reverse("helpdesk:team-update", args=[theirs.pk]), {"name": "X"}).status_code == 404
    )
    assert staff_client.post(reverse("helpdesk:team-delete", args=[theirs.pk])).status_code == 404
    assert staff_client.post(reverse("helpdesk:agent-update", args=[stranger.pk]), {}).status_code == 404
    adding = staff_client.post(reverse("helpdesk:team-members", args=[mine.pk]), {"user": stranger.pk})
    assert adding.status_code == 404 and not mine.members.exists()
    other_team = staff_client.post(reverse("helpdesk:routing-settings"), {"vip_team": theirs.pk})
    assert other_team.status_code == 400 and not DeskSettings.objects.filter(store=store).exists()
    assert Team.objects.get(pk=theirs.pk).name == "Theirs"


def test_the_page_needs_a_signed_in_member(store):
    response = Client().get(reverse("helpdesk:team-list"))
    assert response.status_code == 302 and "/login" in response["Location"]


def test_the_inbox_marks_vips_with_as_many_queries_for_eight_rows_as_for_two(store, staff_client):
    DeskSettings.objects.update_or_create(store=store, defaults={"vip_tags": ["vip"]})

    def vip_writes(i):
        make_customer(store, email=f"vip{i}@example.pl", tags=["vip"])
        open_conversation(store, from_email=f"vip{i}@example.pl", subject=f"VIP {i}")

    def inbox():
        with CaptureQueriesContext(connection) as queries:
            page = staff_client.get(reverse("helpdesk:inbox"))
        return page.content.decode().count("data-vip"), len(queries)

    for i in range(2):
        vip_writes(i)
    inbox()  # the session and caches warmed
    two = inbox()
    for i in range(2, 8):
        vip_writes(i)
    eight = inbox()

    assert (two[0], eight[0]) == (2, 8)
    assert eight[1] == two[1]
