"""Transfer a conversation to a colleague or a team (services.transfer); the chat's panel offers it.

    POST /helpdesk/<id>/transfer   to=agent:<user id> | team:<team id>, note=<optional internal note>

Who may: every member of the store, as for assigning on the conversation page (a signed-in user
of no store gets 403). An agent or team of another store answers 404 naming it, and changes nothing.
"""

from django.contrib import messages as flash
from django.utils.translation import gettext as _

from cxloop.core.errors import DomainError, InvalidInput, NotFound
from cxloop.core.inputs import parse_db_id, parse_text

from .models import Team
from .queries_teams import member_or_none
from .services import transfer as services
from .views import _back, _refuse, conversation_view


def parse_target(store, raw: str):
    """(agent, team) named by `to`: "agent:<user id>" or "team:<team id>" of this store."""
    kind, _sep, number = parse_text(raw, max_length=40).partition(":")
    pk = parse_db_id(number)
    if kind == "agent":
        membership = member_or_none(store, pk) if pk else None
        if membership is None:
            raise NotFound(_("No agent %(id)s in this store.") % {"id": number}, field="to")
        return membership.user, None
    if kind == "team":
        team = Team.objects.filter(store=store, pk=pk).first() if pk else None
        if team is None:
            raise NotFound(_("No team %(id)s in this store.") % {"id": number}, field="to")
        return None, team
    raise InvalidInput(_("Choose an agent or a team to transfer to."), field="to")


@conversation_view("POST")
def post_transfer(request, conversation):
    try:
        agent, team = parse_target(request.store, request.POST.get("to", ""))
        done = services.transfer(
            conversation=conversation, actor=request.user, agent=agent, team=team,
            note=request.POST.get("note", ""),
        )  # fmt: skip
    except DomainError as error:
        return _refuse(request, conversation, error)
    if done.agent is not None:
        flash.success(request, _("Transferred to %(name)s.") % {"name": services.display_name(done.agent)})
    else:
        flash.success(
            request,
            _("Transferred to team %(team)s: it waits in the team's queue.") % {"team": done.team.name},
        )
    return _back(conversation)
