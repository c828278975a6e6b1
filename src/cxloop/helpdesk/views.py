"""Staff pages of the help desk: the inbox, a conversation, its controls and presence.

Views are thin: they read through `queries` (always scoped to `request.store`,
so another store's id is a 404), write through `services.conversations`, and
render. Customer-written HTML is never put in the page: it is served on its
own URL, with a CSP that blocks every remote load and runs nothing, inside a
sandboxed iframe.
"""

import base64
import re
import time
from datetime import datetime
from functools import wraps
from html import unescape
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages as flash
from django.core.cache import cache
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET

from cxloop.commerce import queries as commerce_queries
from cxloop.core import jalali_inputs
from cxloop.core import queries as core_queries
from cxloop.core.errors import DomainError
from cxloop.core.inputs import parse_db_id, parse_text
from cxloop.core.models import Membership
from cxloop.core.names import person_name
from cxloop.core.roles import has_role
from cxloop.segments import queries as segment_queries
from cxloop.surveys import queries as survey_queries
from cxloop.web.access import store_required, wants_partial

from . import filetypes, inbox_queries, live_channels, queries, queries_sla, views_sla
from .actions_panel import build_actions_panel
from .models import Channel, Conversation
from .services import conversations as services
from .services.routing import ROUTING
from .sla import TARGET_LABELS as SLA_TARGET_LABELS
from .views_teams import routing_context

PER_PAGE = 25
PRESENCE_SECONDS = 30  # someone not seen for this long has left (the page polls every 10 s)
FRAME_STYLE = "body{margin:0;font:15px/1.55 system-ui,'Segoe UI',Tahoma,sans-serif;color:#18181b}"
HTML_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:{images}; sandbox; frame-ancestors 'self'"
)


def conversation_view(*methods: str):
    """Load the store's conversation (404 for another store's id, before any 405), then check the method."""

    def decorate(view):
        @store_required
        @wraps(view)
        def wrapper(request, conversation_id, **kwargs):
            conversation = queries.get_conversation(request.store, conversation_id)
            if request.method not in methods:
                return HttpResponseNotAllowed(methods)
            return view(request, conversation, **kwargs)

        return wrapper

    return decorate


def _filters(request) -> queries.InboxFilter:
    get = request.GET
    status = get.get("status", Conversation.Status.OPEN)
    return queries.InboxFilter(
        status=status if status in Conversation.Status.values else "",
        assignee=parse_text(get.get("assignee"), max_length=20),
        team_id=parse_db_id(get.get("team")),
        tag_id=parse_db_id(get.get("tag")),
        channel=get.get("channel") if get.get("channel") in Channel.values else "",
        priority=get.get("priority") if get.get("priority") in Conversation.Priority.values else "",
        search=parse_text(get.get("q"), max_length=200),
    )


@store_required
@require_GET
def inbox(request):
    filters = _filters(request)
    sla_state = views_sla.inbox_sla_state(request)
    page = inbox_queries.build_inbox_page(
        request.store, filters, request.user, request.GET.get("page"), per_page=PER_PAGE, sla_state=sla_state
    )
    queries_sla.label_inbox_rows(request.store, page.items)
    if filters.search:
        queries.list_snippets(request.store, page.items, filters.search)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "section": "helpdesk",
        "page": page,
        "filters": filters,
        "can_manage_mailboxes": has_role(request.membership, Membership.Role.ADMIN),
        "status_param": request.GET.get("status", Conversation.Status.OPEN),
        "query": query.urlencode(),
        "search_everywhere": urlencode({"q": filters.search, "status": "all"}),
        "statuses": Conversation.Status.choices,
        "priorities": Conversation.Priority.choices,
        "channels": Channel.choices,
        "teams": queries.list_teams(request.store),
        "tags": queries.list_tags(request.store),
        "members": core_queries.list_members(request.store),
        "macros": queries.list_macros(request.store),
        "sla_state": sla_state,
        "sla_states": queries_sla.SLA_STATES.items(),
        "live_parts": live_channels.inbox_parts(request),
        "store_is_new": not Conversation.objects.filter(store=request.store).exists()
        if not page.items
        else False,
    }
    context |= routing_context(request, page.items)
    if wants_partial(request, "inbox-results"):
        return render(request, "helpdesk/inbox.html#results", context)
    return render(request, "helpdesk/inbox.html", context)


def _sidebar(store, conversation: Conversation) -> dict:
    customer = conversation.customer
    sidebar = {"customer": customer, "previous": queries.list_previous_conversations(conversation)}
    if customer is not None:
        orders = commerce_queries.list_orders(store, customer_id=customer.pk)
        sidebar["orders"] = list(commerce_queries.with_fulfilments(orders)[:5])
        sidebar["responses"] = list(survey_queries.list_responses(store, customer_id=customer.pk)[:3])
        sidebar["prediction"] = segment_queries.prediction_for(store, customer.pk)
    return sidebar


def _name(user) -> str:
    if user is None:
        return ""
    return person_name(user.first_name, user.last_name) or user.email


def activity_text(activity, names: dict[int, str]) -> str:
    """ "Ania assigned it to Bob", "Ania resolved it": one activity row in words."""
    rule = _("Routing") if activity.rule_name == ROUTING else activity.rule_name  # stored untranslated
    actor = _name(activity.actor) or rule or _("Someone")
    data = activity.data or {}
    Kind = activity.Kind
    if activity.kind == Kind.CREATED:
        return _("Conversation opened")
    if activity.kind == Kind.STATUS:
        to = Conversation.Status(data["to"]).label if data.get("to") in Conversation.Status.values else ""
        if data.get("why") == "customer_replied":
            return _("The customer wrote again: reopened")
        if data.get("why") == "snooze_ended":
            return _("The snooze ended: reopened")
        return _("%(actor)s set the status to %(status)s") % {"actor": actor, "status": to}
    if activity.kind == Kind.ASSIGNED and data.get("transfer"):
        return _transfer_text(actor, data, names)
    if activity.kind == Kind.ASSIGNED:
        if not data.get("to"):
            return _("%(actor)s unassigned it") % {"actor": actor}
        return _("%(actor)s assigned it to %(name)s") % {"actor": actor, "name": names.get(data["to"], "?")}
    if activity.kind == Kind.TEAM and data.get("transfer"):
        return _transfer_text(actor, {"team": data.get("to", "")}, names)
    if activity.kind == Kind.TEAM:
        if not data.get("to"):
            return _("%(actor)s removed the team") % {"actor": actor}
        return _("%(actor)s moved it to team %(team)s") % {"actor": actor, "team": data["to"]}
    if activity.kind == Kind.PRIORITY:
        to = Conversation.Priority(data["to"]).label if data.get("to") in Conversation.Priority.values else ""
        return _("%(actor)s set the priority to %(priority)s") % {"actor": actor, "priority": to}
    if activity.kind == Kind.TAGGED:
        return _("%(actor)s changed the tags (added: %(added)s; removed: %(removed)s)") % {
            "actor": actor, "added": ", ".join(data.get("added", [])) or "—",
            "removed": ", ".join(data.get("removed", [])) or "—",
        }  # fmt: skip
    if activity.kind in (Kind.RULE, Kind.RULE_FAILED):
        from .views_rules import rule_activity_text

        return rule_activity_text(activity)
    if activity.kind == Kind.MERGED:
        if "target" in data:
            return _("%(actor)s merged it into #%(number)s") % {"actor": actor, "number": data["target"]}
        return _("%(actor)s merged #%(number)s into it") % {"actor": actor, "number": data.get("source", "?")}
    if activity.kind == Kind.ACTION and data.get("summary"):
        return _("%(actor)s: %(summary)s") % {"actor": actor, "summary": data["summary"]}
    if activity.kind == Kind.SLA and data.get("target") in SLA_TARGET_LABELS:
        return _("SLA target missed: %(target)s") % {"target": SLA_TARGET_LABELS[data["target"]]}
    return activity.get_kind_display()


def _transfer_text(actor: str, data: dict, names: dict[int, str]) -> str:
    """ "Ania transferred it to Bob", "... to team Returns: Bob takes it", "... (waiting in its queue)"."""
    team, name = data.get("team", ""), names.get(data.get("to"), "?")
    if team and data.get("to"):
        return _("%(actor)s transferred it to team %(team)s: %(name)s takes it") % {
            "actor": actor, "team": team, "name": name,
        }  # fmt: skip
    if team:
        return _("%(actor)s transferred it to team %(team)s (waiting in its queue)") % {
            "actor": actor, "team": team,
        }  # fmt: skip
    return _("%(actor)s transferred it to %(name)s") % {"actor": actor, "name": name}


def _by_macro(activity, text: str) -> str:
    """ "Ania set the status to Resolved (macro “Refund sent”)" for a change a macro made."""
    macro = (activity.data or {}).get("macro")
    return _("%(text)s (macro “%(macro)s”)") % {"text": text, "macro": macro} if macro else text


def _conversation_context(request, conversation: Conversation, **extra) -> dict:
    messages = list(queries.list_messages(conversation))
    members = list(core_queries.list_members(request.store))
    names = {m.user_id: _name(m.user) for m in members}
    activities = [(a, _by_macro(a, activity_text(a, names))) for a in queries.list_activities(conversation)]
    timeline = sorted(
        [("message", m.created_at, m) for m in messages]
        + [("activity", a[0].created_at, a) for a in activities],
        key=lambda entry: (entry[1], entry[0] == "message"),  # "opened" before the message it opened with
    )
    return {
        "section": "helpdesk",
        "conversation": conversation,
        "timeline": timeline,
        "last_message_id": max((m.pk for m in messages), default=0),
        "show_images": parse_db_id(request.GET.get("images")),
        "statuses": Conversation.Status.choices,
        "priorities": Conversation.Priority.choices,
        "teams": queries.list_teams(request.store),
        "members": members,
        "tag_names": ", ".join(conversation.tags.values_list("name", flat=True)),
        "sidebar": _sidebar(request.store, conversation),
        "canned_replies": queries.list_canned_replies(request.store),
        "macros": queries.list_macros(request.store),
        "actions_panel": extra.pop("actions_panel", None) or build_actions_panel(request, conversation),
        "sla_clocks": queries_sla.list_clock_rows(conversation),
        "live_panel": live_channels.conversation_panel(request, conversation),
        "file_limits": _file_limits(),
        "snooze_input": jalali_inputs.moment_input(),
        **extra,
    }


def _file_limits() -> dict:
    """The attach control's limits, and its words for a file over them (its script fills in the name)."""
    per_file, total = settings.CXLOOP_REPLY_MAX_FILE_BYTES, settings.CXLOOP_REPLY_MAX_TOTAL_BYTES
    return {
        "file": per_file,
        "total": total,
        "file_text": filesizeformat(per_file),
        "total_text": filesizeformat(total),
        "types": ",".join(sorted(filetypes.EXTENSIONS))
        + "".join(f",.{ext}" for exts in filetypes.EXTENSIONS.values() for ext in exts),
        "too_large": _("%(name)s: larger than %(limit)s, the largest file a reply or a note may carry.")
        % {"name": "{name}", "limit": filesizeformat(per_file)},
        "too_much": _("The files come to %(size)s together; a reply or a note may carry %(limit)s in all.")
        % {"size": "{size}", "limit": filesizeformat(total)},
        "remove": _("Remove %(name)s") % {"name": "{name}"},
    }


@conversation_view("GET")
def conversation_detail(request, conversation):
    _mark_seen(conversation, request.user)
    return render(request, "helpdesk/conversation.html", _conversation_context(request, conversation))


@conversation_view("GET")
@xframe_options_sameorigin
def message_html(request, conversation, message_id):
    """The sanitised HTML of a customer's message, for a sandboxed iframe; nothing in it runs or loads."""
    message = queries.get_message(request.store, conversation, message_id)
    # Sanitised once on arrival (mail.sanitize); the sandbox and the CSP are the second wall.
    html = _with_inline_images(message, message.html)
    images = request.GET.get("images") == "1"
    if images:
        html = html.replace(" data-remote-src=", " src=")
    response = HttpResponse(
        # dir="auto": a Persian mail reads right to left; the frame's own style sets a plain face.
        f'<!doctype html><html dir="auto"><meta charset="utf-8"><base target="_blank">'
        f'<style>{FRAME_STYLE}</style><body dir="auto">{html}</body></html>',
        content_type="text/html; charset=utf-8",
    )
    response["Content-Security-Policy"] = HTML_CSP.format(images=" https:" if images else "")
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"
    return response


INLINE_IMAGE_TYPES = filetypes.IMAGE_TYPES  # never SVG: it can run script
INLINE_IMAGE_BYTES = 2 * 1024 * 1024
CID = re.compile(r'data-cid="([^"]*)"')


def _with_inline_images(message, html: str) -> str:
    """Show `cid:` images from the message's own raster image attachments, as data: URLs.

    (The sandboxed frame has no origin, so it could not fetch them from the
    store's pages with the agent's session; data: needs no request at all.)
    """
    if "data-cid=" not in html:
        return html
    images = {
        attachment.content_id: attachment
        for attachment in message.attachments.all()
        if attachment.content_id
        and attachment.purged_at is None
        and attachment.content_type in INLINE_IMAGE_TYPES
        and attachment.size <= INLINE_IMAGE_BYTES
    }

    def point(match: re.Match) -> str:
        attachment = images.get(unescape(match.group(1)))
        if attachment is None:
            return match.group(0)
        try:
            with attachment.file.open("rb") as handle:
                data = base64.b64encode(handle.read(INLINE_IMAGE_BYTES)).decode()
        except FileNotFoundError:
            return match.group(0)
        return f'src="data:{attachment.content_type};base64,{data}"'

    return CID.sub(point, html)


@conversation_view("GET")
def attachment_download(request, conversation, attachment_id):
    """An attachment as a download, never shown inline (an SVG or HTML file runs nothing)."""
    attachment = queries.get_attachment(request.store, conversation, attachment_id)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as error:
        raise Http404("The file is missing") from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.filename or "attachment",
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _back(conversation: Conversation):
    return redirect("helpdesk:conversation", conversation_id=conversation.pk)


def _refuse(request, conversation, error: DomainError, **extra):
    """The conversation again, with the error said and `extra` for the page (what the agent typed)."""
    flash.error(request, error.message)
    response = render(
        request,
        "helpdesk/conversation.html",
        _conversation_context(request, conversation, **extra),
        status=error.status,
    )
    return response


def _parse_until(raw: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(parse_text(raw, max_length=40))
    except ValueError:
        return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment  # the store's zone is active


def _snoozed_until(post) -> datetime | None:
    """The snooze time sent: a typed Solar Hijri day and time on a Persian page, else the ISO input's."""
    typed = post.get(jalali_inputs.jalali_name("snoozed_until"))
    if typed is None:
        return _parse_until(post.get("snoozed_until", ""))
    # the store's zone is active, as for the ISO input; InvalidInput names the field at fault
    raw = parse_text(typed, max_length=60)
    return jalali_inputs.read_moment(raw, name="snoozed_until", label=_("Snooze until"))


@conversation_view("POST")
def post_status(request, conversation):
    try:
        services.set_status(
            conversation=conversation,
            status=request.POST.get("status", ""),
            actor=request.user,
            snoozed_until=_snoozed_until(request.POST),
        )
    except DomainError as error:  # the snooze time comes back as typed, to be corrected
        post = request.POST
        jalali = jalali_inputs.jalali_name("snoozed_until")
        typed = post.get(jalali, post.get("snoozed_until", ""))
        wrong = error.field in ("snoozed_until", jalali)
        return _refuse(request, conversation, error, snooze_typed=typed[:60], snooze_wrong=wrong)
    return _back(conversation)


@conversation_view("POST")
def post_properties(request, conversation):
    """Assignee, team, priority and tags, from one form (only what changed is recorded)."""
    post = request.POST
    try:
        if "assignee" in post:
            assignee = None
            if post["assignee"]:
                membership = (
                    core_queries.list_members(request.store)
                    .filter(user_id=parse_db_id(post["assignee"]) or 0)
                    .first()
                )
                if membership is None:
                    raise services.NotAMember(
                        _("Only a member of this store can be assigned."), field="assignee"
                    )
                assignee = membership.user
            services.assign(conversation=conversation, assignee=assignee, actor=request.user)
        if "team" in post:
            team = queries.list_teams(request.store).filter(pk=parse_db_id(post["team"]) or 0).first()
            if post["team"] and team is None:
                raise DomainError(_("No such team."), field="team")
            services.set_team(conversation=conversation, team=team, actor=request.user)
        if "priority" in post:
            services.set_priority(conversation=conversation, priority=post["priority"], actor=request.user)
        if "tags" in post:
            names = [name for name in parse_text(post["tags"], max_length=2000).split(",")]
            services.set_tags(conversation=conversation, names=names, actor=request.user)
    except DomainError as error:
        return _refuse(request, conversation, error)
    return _back(conversation)


@conversation_view("POST")
def post_merge(request, conversation):
    """Merge this conversation into another of the same customer (chosen by its id)."""
    target_id = parse_db_id(request.POST.get("target"))
    target = Conversation.objects.filter(store=request.store, pk=target_id).first() if target_id else None
    try:
        if target is None:
            raise DomainError(_("Choose a conversation of this store to merge into."), field="target")
        services.merge(source=conversation, target=target, actor=request.user)
    except DomainError as error:
        return _refuse(request, conversation, error)
    flash.success(request, _("Merged."))
    return _back(target)


def _presence_key(conversation_id: int, user_id: int) -> str:
    return f"helpdesk:seen:{conversation_id}:{user_id}"


def _mark_seen(conversation: Conversation, user) -> None:
    cache.set(_presence_key(conversation.pk, user.pk), time.time(), PRESENCE_SECONDS)


@conversation_view("GET")
def presence(request, conversation):
    """Who else has this conversation open (polled every 10 s; each poll marks the caller as here)."""
    _mark_seen(conversation, request.user)
    members = {m.user_id: m.user for m in core_queries.list_members(request.store)}
    keys = {
        _presence_key(conversation.pk, user_id): user_id for user_id in members if user_id != request.user.pk
    }
    now = time.time()
    seen = cache.get_many(list(keys))
    viewers = [members[keys[key]] for key, at in seen.items() if now - at < PRESENCE_SECONDS]
    return render(request, "helpdesk/_presence.html", {"viewers": viewers, "conversation": conversation})


def conversation_url(conversation: Conversation) -> str:
    return reverse("helpdesk:conversation", args=[conversation.pk])
