"""Canned replies, macros and bulk actions: the pages that manage them and the doors that use them.

Admins and owners write canned replies and macros; every member uses them
(the picker and "Apply macro" on a conversation, the bulk bar of the inbox).
Objects come through `queries` (another store's id is a 404), changes go
through services.canned, services.macros and services.bulk.
"""

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseNotAllowed, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from cxloop.core import queries as core_queries
from cxloop.core.errors import DomainError
from cxloop.core.inputs import parse_db_id, parse_int, parse_text
from cxloop.core.models import Membership
from cxloop.core.roles import check_role, has_role
from cxloop.web.access import admin_required, store_required

from . import queries
from .models import Conversation
from .services import bulk, canned, macros
from .views import _conversation_context, conversation_view

MAX_FIELD = 20_000


# Canned replies


def _canned_fields(request) -> dict:
    return {
        name: request.POST.get(name, "")[:MAX_FIELD] for name in ("title", "body", "language", "shortcut")
    }


def _canned_context(request, **extra) -> dict:
    return {
        "section": "helpdesk",
        "variables": canned.list_variables(),
        "languages": settings.LANGUAGES,
        "can_manage": has_role(request.membership, Membership.Role.ADMIN),
        **extra,
    }


@store_required
def canned_list(request):
    """The store's canned replies (every member), and the form that adds one (admins)."""
    values, errors, status = {"title": "", "body": "", "language": "", "shortcut": ""}, {}, 200
    if request.method == "POST":
        check_role(request, Membership.Role.ADMIN)
        values = _canned_fields(request)
        try:
            canned.save_canned(store=request.store, fields=values, actor=request.user)
        except DomainError as error:
            errors, status = {error.field or "form": error.message}, error.status
        else:
            messages.success(request, _("Canned reply saved."))
            return redirect("helpdesk:canned-list")
    elif request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    context = _canned_context(
        request, replies=list(queries.list_canned_replies(request.store)), values=values, errors=errors
    )
    return render(request, "helpdesk/canned_list.html", context, status=status)


@admin_required
def canned_detail(request, canned_id: int):
    """Change one canned reply."""
    reply = queries.get_canned_reply(request.store, canned_id)
    values, errors, status = (
        {n: getattr(reply, n) for n in ("title", "body", "language", "shortcut")},
        {},
        200,
    )
    if request.method == "POST":
        values = _canned_fields(request)
        try:
            canned.save_canned(store=request.store, fields=values, actor=request.user, canned=reply)
        except DomainError as error:
            errors, status = {error.field or "form": error.message}, error.status
            reply.refresh_from_db()
        else:
            messages.success(request, _("Canned reply saved."))
            return redirect("helpdesk:canned-list")
    context = _canned_context(request, canned=reply, values=values, errors=errors)
    return render(request, "helpdesk/canned_detail.html", context, status=status)


@admin_required
def canned_delete(request, canned_id: int):
    reply = queries.get_canned_reply(request.store, canned_id)
    if request.method != "POST":  # after the lookup: another store's id is a 404 whatever the method
        return HttpResponseNotAllowed(["POST"])
    canned.delete_canned(canned=reply)
    messages.success(request, _("Canned reply deleted."))
    return redirect("helpdesk:canned-list")


@conversation_view("GET")
def canned_render(request, conversation, canned_id: int):
    """The canned reply's text for this conversation, as JSON {"text", "missing", "warning"}."""
    reply = queries.get_canned_reply(request.store, canned_id)
    text, missing = canned.render_canned(reply, conversation, request.user)
    warning = ""
    if missing:
        warning = _("No value for: %(names)s. Check the text before sending.") % {"names": ", ".join(missing)}
    return JsonResponse({"text": text, "missing": missing, "warning": warning})


# Macros


def _macro_values(request) -> dict:
    post = request.POST
    return {
        "name": post.get("name", "")[:MAX_FIELD],
        "reply_body": post.get("reply_body", "")[:MAX_FIELD],
        "add_tags": post.get("add_tags", "")[:2000],
        "status": post.get("status", "")[:20],
        "snooze_hours": post.get("snooze_hours", "")[:10],
        "assignee": post.get("assignee", "")[:20],
        "team": post.get("team", "")[:20],
        "priority": post.get("priority", "")[:20],
    }


def _macro_fields(request, values: dict) -> dict:
    """The form's values as the service takes them (model instances; a stranger's id is no one)."""
    store = request.store
    assignee_id, team_id = parse_db_id(values["assignee"]), parse_db_id(values["team"])
    member = core_queries.list_members(store).filter(user_id=assignee_id).first() if assignee_id else None
    if values["assignee"] and member is None:
        raise DomainError(_("Only a member of this store can be assigned."), field="assignee")
    team = queries.list_teams(store).filter(pk=team_id).first() if team_id else None
    if values["team"] and team is None:
        raise DomainError(_("No such team."), field="team")
    hours = (
        parse_int(values["snooze_hours"], minimum=0, maximum=1_000_000) if values["snooze_hours"] else None
    )
    return {**values, "assignee": member.user if member else None, "team": team, "snooze_hours": hours}


def _macro_form_values(macro) -> dict:
    return {
        "name": macro.name, "reply_body": macro.reply_body, "add_tags": ", ".join(macro.add_tags),
        "status": macro.status, "snooze_hours": macro.snooze_hours or "", "priority": macro.priority,
        "assignee": str(macro.assignee_id or ""), "team": str(macro.team_id or ""),
    }  # fmt: skip


def _macro_context(request, **extra) -> dict:
    return {
        "section": "helpdesk",
        "variables": canned.list_variables(),
        "statuses": Conversation.Status.choices,
        "priorities": Conversation.Priority.choices,
        "members": core_queries.list_members(request.store),
        "teams": queries.list_teams(request.store),
        **extra,
    }


def _save_macro(request, macro=None):
    values = _macro_values(request)
    try:
        fields = _macro_fields(request, values)
        saved = macros.save_macro(store=request.store, fields=fields, actor=request.user, macro=macro)
    except DomainError as error:
        return None, values, {error.field or "form": error.message}, error.status
    return saved, values, {}, 200


@admin_required
def macro_list(request):
    """The store's macros and the form that adds one (owners and admins)."""
    values, errors, status = {"status": "", "priority": ""}, {}, 200
    if request.method == "POST":
        saved, values, errors, status = _save_macro(request)
        if saved is not None:
            messages.success(request, _("Macro saved."))
            return redirect("helpdesk:macro-list")
    context = _macro_context(
        request, macros=list(queries.list_macros(request.store)), values=values, errors=errors
    )
    return render(request, "helpdesk/macro_list.html", context, status=status)


@admin_required
def macro_detail(request, macro_id: int):
    macro = queries.get_macro(request.store, macro_id)
    values, errors, status = _macro_form_values(macro), {}, 200
    if request.method == "POST":
        saved, values, errors, status = _save_macro(request, macro)
        if saved is not None:
            messages.success(request, _("Macro saved."))
            return redirect("helpdesk:macro-list")
        macro.refresh_from_db()
    context = _macro_context(request, macro=macro, values=values, errors=errors)
    return render(request, "helpdesk/macro_detail.html", context, status=status)


@admin_required
def macro_delete(request, macro_id: int):
    macro = queries.get_macro(request.store, macro_id)
    if request.method != "POST":  # after the lookup: another store's id is a 404 whatever the method
        return HttpResponseNotAllowed(["POST"])
    macros.delete_macro(macro=macro)
    messages.success(request, _("Macro deleted."))
    return redirect("helpdesk:macro-list")


@conversation_view("POST")
def macro_apply(request, conversation):
    """Apply one of the store's macros; a reply with empty variables asks first (409)."""
    macro = queries.get_macro(request.store, request.POST.get("macro", ""))
    try:
        macros.apply_macro(
            macro=macro,
            conversation=conversation,
            actor=request.user,
            allow_missing=request.POST.get("confirm") == "1",
        )
    except macros.MissingValues as error:
        context = _conversation_context(request, conversation, macro_confirm=macro, macro_missing=error.names)
        return render(request, "helpdesk/conversation.html", context, status=409)
    except DomainError as error:
        messages.error(request, error.message)
        context = _conversation_context(request, conversation)
        return render(request, "helpdesk/conversation.html", context, status=error.status)
    messages.success(request, _("Macro “%(name)s” applied.") % {"name": macro.name})
    return redirect("helpdesk:conversation", conversation_id=conversation.pk)


# Bulk actions of the inbox


def _inbox_url(request) -> str:
    """Back to the inbox page the selection was made on (its filters and page), never elsewhere."""
    query = QueryDict(parse_text(request.POST.get("next_query"), max_length=2000), mutable=True)
    encoded = query.urlencode()
    return reverse("helpdesk:inbox") + (f"?{encoded}" if encoded else "")


def _bulk_action(request) -> bulk.BulkAction:
    """`action` is "kind:value" ("status:resolved", "assign:12", "team:", "macro:3") or "tag"."""
    kind, _sep, value = parse_text(request.POST.get("action"), max_length=100).partition(":")
    store = request.store
    if kind == "assign":
        member = core_queries.list_members(store).filter(user_id=parse_db_id(value) or 0).first()
        if value and member is None:
            raise DomainError(_("Only a member of this store can be assigned."), field="action")
        return bulk.BulkAction(kind, member.user if member else None)
    if kind == "team":
        team = queries.list_teams(store).filter(pk=parse_db_id(value) or 0).first()
        if value and team is None:
            raise DomainError(_("No such team."), field="action")
        return bulk.BulkAction(kind, team)
    if kind == "macro":
        return bulk.BulkAction(kind, queries.list_macros(store).filter(pk=parse_db_id(value) or 0).first())
    if kind == "tag":
        return bulk.BulkAction(kind, parse_text(request.POST.get("tag"), max_length=60))
    return bulk.BulkAction(kind, value)


def _done_message(action: bulk.BulkAction, count: int) -> str:
    kind, target = action.kind, action.target
    if kind == "status" and target == Conversation.Status.RESOLVED:
        text = ngettext("%(count)d conversation resolved", "%(count)d conversations resolved", count)
    elif kind == "status" and target == Conversation.Status.PENDING:
        text = ngettext(
            "%(count)d conversation set to pending", "%(count)d conversations set to pending", count
        )
    elif kind == "status":
        text = ngettext("%(count)d conversation reopened", "%(count)d conversations reopened", count)
    elif kind == "assign" and target is None:
        text = ngettext("%(count)d conversation unassigned", "%(count)d conversations unassigned", count)
    elif kind == "assign":
        text = ngettext("%(count)d conversation assigned", "%(count)d conversations assigned", count)
    elif kind == "team":
        text = ngettext("%(count)d conversation moved", "%(count)d conversations moved", count)
    elif kind == "tag":
        text = ngettext("%(count)d conversation tagged", "%(count)d conversations tagged", count)
    elif kind == "priority":
        text = ngettext(
            "%(count)d conversation given a new priority",
            "%(count)d conversations given a new priority",
            count,
        )
    else:
        text = ngettext(
            "Macro applied to %(count)d conversation", "Macro applied to %(count)d conversations", count
        )
    return text % {"count": count}


@store_required
@require_POST
def inbox_bulk(request):
    """Do one action to the selected conversations of this store (others' ids are ignored)."""
    ids = [
        pk
        for pk in (parse_db_id(raw) for raw in request.POST.getlist("conversation")[: bulk.MAX_SELECTED + 1])
        if pk
    ]
    try:
        action = _bulk_action(request)
        result = bulk.apply_bulk(store=request.store, conversation_ids=ids, action=action, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(_inbox_url(request))
    messages.success(request, _done_message(action, result.done))
    if result.skipped:
        skipped = ngettext(
            "%(count)d conversation was left as it was: %(why)s",
            "%(count)d conversations were left as they were: %(why)s",
            result.skipped,
        )
        messages.warning(request, skipped % {"count": result.skipped, "why": " ".join(result.problems)})
    return redirect(_inbox_url(request))
