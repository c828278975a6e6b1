"""The teams page: teams and their members, agents' languages, skills, availability and caps.

Every member reads it; owners and admins change it (an agent's write is a 403),
except the availability switch, which each member flips for themself. Another
store's team or member id is a 404 (looked up before the method or the role is
checked). Thin views: `services.teams` checks every input, `queries_teams` reads.
"""

from functools import wraps

from django.contrib import messages as flash
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cxloop.core.errors import DomainError
from cxloop.core.inputs import parse_db_id
from cxloop.core.models import Membership
from cxloop.core.roles import check_role, has_role
from cxloop.segments import queries as segments_queries
from cxloop.web.access import store_required

from . import queries_teams as queries
from .queries import list_teams
from .services import teams as services


def _is_admin(request) -> bool:
    return has_role(request.membership, Membership.Role.ADMIN)


def _checked(request, name: str) -> bool:
    return request.POST.get(name) in {"1", "on", "true"}


def _page(request, *, errors=None, status=200):
    context = {
        "section": "helpdesk",
        "teams": queries.list_teams_with_load(request.store),
        "agents": queries.list_agents(request.store),
        "routing": queries.get_routing_settings(request.store),
        "segments": segments_queries.list_segments(request.store),
        "can_edit": _is_admin(request),
        "available": queries.is_available(request.store, request.user),
        "errors": errors or {},
        # A refused new team keeps what was typed (other forms' values are shown from the database).
        "posted": request.POST if errors and request.path == reverse("helpdesk:team-list") else {},
    }
    return render(request, "helpdesk/teams.html", context, status=status)


def _done(message: str):
    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                view(request, *args, **kwargs)
            except DomainError as error:
                return _page(request, errors={error.field or "form": error.message}, status=error.status)
            flash.success(request, message)
            return redirect("helpdesk:team-list")

        return wrapper

    return decorate


def _admin_post(load):
    """Load the store's object from the URL (404), then require POST (405) and an admin (403)."""

    def decorate(view):
        @store_required
        @wraps(view)
        def wrapper(request, **kwargs):
            loaded = load(request, **kwargs)
            if request.method != "POST":
                return HttpResponseNotAllowed(["POST"])
            check_role(request, Membership.Role.ADMIN)
            return view(request, loaded)

        return wrapper

    return decorate


def _team(request, team_id):
    return queries.get_team(request.store, team_id)


def _member(request, agent_id):
    return queries.get_member(request.store, agent_id)


@store_required
def team_list(request):
    """GET: the page. POST (admins): a new team."""
    if request.method == "POST":
        check_role(request, Membership.Role.ADMIN)
        return _create(request)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    return _page(request)


@_done(_("Team created."))
def _create(request):
    post = request.POST
    services.create_team(
        store=request.store, name=post.get("name", ""), routing=_checked(request, "routing"),
        languages=post.get("languages", ""), actor=request.user,
    )  # fmt: skip


@_admin_post(_team)
@_done(_("Team saved."))
def team_update(request, team):
    post = request.POST
    services.update_team(
        team=team, name=post.get("name", ""), routing=_checked(request, "routing"),
        languages=post.get("languages", ""), actor=request.user,
    )  # fmt: skip


@_admin_post(_team)
@_done(_("Team deleted; its conversations are kept, without a team."))
def team_delete(request, team):
    services.delete_team(team=team, actor=request.user)


@_admin_post(_team)
@_done(_("Team members changed."))
def team_members(request, team):
    """action=add or remove, user=<a member's user id> (someone of another store: 404)."""
    membership = queries.get_member(request.store, request.POST.get("user", ""))
    if request.POST.get("action") == "remove":
        services.remove_member(team=team, user=membership.user, actor=request.user)
    else:
        services.add_member(team=team, user=membership.user, actor=request.user)


@_admin_post(_member)
@_done(_("Agent saved."))
def agent_update(request, membership):
    post = request.POST
    services.update_profile(
        store=request.store, user=membership.user, languages=post.get("languages", ""),
        skills=post.get("skills", ""), available=_checked(request, "available"),
        max_open=post.get("max_open", ""), actor=request.user,
    )  # fmt: skip


@store_required
@require_POST
def routing_settings(request):
    check_role(request, Membership.Role.ADMIN)
    return _save_routing(request)


@_done(_("Routing settings saved."))
def _save_routing(request):
    post = request.POST
    teams = {team.pk: team for team in list_teams(request.store)}

    def team(name):
        raw = post.get(name, "")
        if raw and parse_db_id(raw) not in teams:
            raise DomainError(_("No such team."), field=name)
        return teams.get(parse_db_id(raw)) if raw else None

    segment = None
    if raw := post.get("vip_segment", ""):
        segment = segments_queries.list_segments(request.store).filter(pk=parse_db_id(raw) or 0).first()
        if segment is None:
            raise DomainError(_("No such segment."), field="vip_segment")
    services.save_routing_settings(
        store=request.store, vip_spent=post.get("vip_spent", ""), vip_tags=post.get("vip_tags", ""),
        vip_team=team("vip_team"), default_team=team("default_team"), actor=request.user, vip_segment=segment,
    )  # fmt: skip


@store_required
@require_POST
def availability(request):
    """The signed-in member's own switch: available=1 or 0. htmx swaps the switch; otherwise back."""
    services.set_availability(
        store=request.store, user=request.user, available=_checked(request, "available")
    )
    if getattr(request, "htmx", None):
        context = {"available": queries.is_available(request.store, request.user)}
        return render(request, "helpdesk/_availability.html", context)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "helpdesk:inbox"
    return redirect(target)


def routing_context(request, conversations) -> dict:
    """What the inbox shows of routing: the member's availability switch and which rows are VIPs'."""
    return {
        "available": queries.is_available(request.store, request.user),
        "vip_ids": queries.list_vip_conversation_ids(request.store, conversations),
    }
