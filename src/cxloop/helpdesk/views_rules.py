"""The store's automation rules (owners and admins): list them in run order, write, move, turn off.

Thin views: `services.rules` checks every field; the form offers triggers,
conditions and actions from lists (rulebook.py), each with one value. Another
store's rule is a 404 through `queries`, an agent gets 403.
"""

import re

from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cxloop.core import queries as core_queries
from cxloop.core.errors import DomainError
from cxloop.web.access import admin_required

from . import queries, rulebook
from .models import Activity, Rule, Team
from .services import rules as services

MAX_FIELD = 2000
MAX_ROWS = 20
EMPTY_ROWS = 3
ERROR_FIELD = re.compile(r"^(conditions|actions)\[(\d+)\]\.(kind|value)$")


def _value_text(store, kind: str, value) -> str:
    """A stored value as the form shows it: words joined, the agent's email, the team's name."""
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if kind == "assign_agent":
        member = core_queries.list_members(store).filter(user_id=value).select_related("user").first()
        return member.user.email if member else ""
    if kind == "assign_team":
        team = Team.objects.filter(store=store, pk=value).first()
        return team.name if team else ""
    return "" if value is None else str(value)


def _row(index: int, kind: str, value: str) -> dict:
    return {"index": index, "id": str(index), "kind": kind, "value": value, "error": ""}


def _rows(store, items: list[dict]) -> list[dict]:
    """The form's rows for stored conditions or actions, and a few empty ones to add more."""
    rows = [
        _row(i, item.get("kind", ""), _value_text(store, item.get("kind", ""), item.get("value")))
        for i, item in enumerate(items)
    ]
    for i in range(len(rows), min(len(rows) + EMPTY_ROWS, MAX_ROWS)):
        rows.append(_row(i, "", ""))
    return rows


def _posted_items(request, prefix: str) -> tuple[list[dict], list[dict], list[int]]:
    """(items for the service, rows to show again, row number of each item): empty rows are skipped."""
    items, rows, row_of = [], [], []
    for i in range(MAX_ROWS):
        kind = request.POST.get(f"{prefix}_kind_{i}", "")[:MAX_FIELD]
        value = request.POST.get(f"{prefix}_value_{i}", "")[:MAX_FIELD]
        if f"{prefix}_kind_{i}" not in request.POST:
            break
        rows.append(_row(i, kind, value))
        if kind:
            items.append({"kind": kind, "value": value})
            row_of.append(i)
    return items, rows, row_of


def _mark_error(error: DomainError, rows: dict, row_of: dict) -> dict:
    """The errors for the template: on the form's row for "conditions[1].value", else by field name."""
    match = ERROR_FIELD.match(error.field or "")
    if match is None:
        return {error.field or "form": error.message}
    name, index = match.group(1), int(match.group(2))
    if index < len(row_of[name]):
        rows[name][row_of[name][index]]["error"] = error.message
    return {name[:-1]: error.message}


def _context(request, **extra) -> dict:
    store = request.store
    return {
        "section": "rules",
        "triggers": Rule.Trigger.choices,
        "condition_kinds": [(kind, c.label) for kind, c in rulebook.CONDITIONS.items()],
        "action_kinds": [(kind, a.label) for kind, a in rulebook.ACTIONS.items()],
        "value_hints": _value_hints(store),
        **extra,
    }


def _value_hints(store) -> list[tuple[str, str]]:
    """Values the form suggests: every listed choice, the store's members and teams."""
    hints: dict[str, str] = {}
    for registry in (rulebook.CONDITIONS, rulebook.ACTIONS):
        for item in registry.values():
            for value, label in item.choices:
                hints.setdefault(str(value), str(label))
    for member in core_queries.list_members(store).select_related("user"):
        hints.setdefault(member.user.email, _("Agent"))
    for team in Team.objects.filter(store=store):
        hints.setdefault(team.name, _("Team"))
    return list(hints.items())


def _form(request, rule: Rule | None):
    """The rule form: shown, or posted and saved (then back to the list)."""
    store = request.store
    if request.method == "POST":
        conditions, condition_rows, condition_of = _posted_items(request, "condition")
        actions, action_rows, action_of = _posted_items(request, "action")
        fields = {
            "name": request.POST.get("name", "")[:MAX_FIELD],
            "trigger": request.POST.get("trigger", "")[:20],
            "idle_hours": request.POST.get("idle_hours", "")[:10],
            "enabled": request.POST.get("enabled") == "1",
            "conditions": conditions,
            "actions": actions,
        }
        try:
            services.save_rule(store=store, fields=fields, actor=request.user, rule=rule)
        except DomainError as error:
            rows = {"conditions": condition_rows, "actions": action_rows}
            errors = _mark_error(error, rows, {"conditions": condition_of, "actions": action_of})
            values = {**fields, **rows}
            context = _context(request, rule=rule, values=values, errors=errors)
            return render(request, "helpdesk/rule_form.html", context, status=error.status)
        messages.success(request, _("The rule was saved."))
        return redirect("helpdesk:rule-list")
    source = rule or Rule(enabled=True, trigger=Rule.Trigger.CONVERSATION_CREATED)
    values = {
        "name": source.name,
        "trigger": source.trigger,
        "idle_hours": source.idle_hours or "",
        "enabled": source.enabled,
        "conditions": _rows(store, source.conditions),
        "actions": _rows(store, source.actions),
    }
    return render(request, "helpdesk/rule_form.html", _context(request, rule=rule, values=values, errors={}))


def describe(store, items: list[dict], registry: dict) -> list[str]:
    """Conditions or actions in words: "Channel is: email"."""
    words = []
    for item in items:
        known = registry.get(item.get("kind"))
        label = str(known.label) if known else item.get("kind", "?")
        value = _value_text(store, item.get("kind", ""), item.get("value"))
        words.append(f"{label}: {value}" if value else label)
    return words


@admin_required
def rule_list(request):
    """The store's rules in the order they run, with when each last fired."""
    store = request.store
    rules = [
        {
            "rule": rule,
            "conditions": describe(store, rule.conditions, rulebook.CONDITIONS),
            "actions": describe(store, rule.actions, rulebook.ACTIONS),
        }
        for rule in queries.list_rules(store)
    ]
    return render(request, "helpdesk/rule_list.html", {"section": "rules", "rules": rules})


@admin_required
def rule_new(request):
    return _form(request, None)


@admin_required
def rule_detail(request, rule_id: int):
    return _form(request, queries.get_rule(request.store, rule_id))


@admin_required
def rule_move(request, rule_id: int):
    """Run a rule one place earlier ("up") or later."""
    rule = queries.get_rule(request.store, rule_id)
    if request.method != "POST":  # after the lookup: another store's id is a 404 whatever the method
        return HttpResponseNotAllowed(["POST"])
    services.move_rule(rule=rule, up=request.POST.get("direction") == "up")
    return redirect("helpdesk:rule-list")


@admin_required
def rule_enabled(request, rule_id: int):
    rule = queries.get_rule(request.store, rule_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    enabled = request.POST.get("enabled") == "1"
    services.set_rule_enabled(rule=rule, enabled=enabled)
    messages.success(request, _("The rule is on.") if enabled else _("The rule is off: it no longer runs."))
    return redirect("helpdesk:rule-list")


@admin_required
def rule_delete(request, rule_id: int):
    rule = queries.get_rule(request.store, rule_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.delete_rule(rule=rule)
    messages.success(request, _("The rule was deleted."))
    return redirect("helpdesk:rule-list")


def rule_activity_text(activity: Activity) -> str:
    """What a rule did that is not a field change, or why it failed, in words."""
    data, name = activity.data or {}, activity.rule_name or _("A rule")
    if activity.kind == Activity.Kind.RULE_FAILED:
        return _("Rule %(name)s failed: %(error)s") % {"name": name, "error": data.get("error", "")}
    if data.get("action") == "send_survey":
        return _("%(name)s sent the satisfaction survey (%(count)s invitations)") % {
            "name": name, "count": data.get("invited", 0),
        }  # fmt: skip
    if data.get("action") == "webhook":
        return _("%(name)s sent the rule.fired webhook event") % {"name": name}
    if data.get("action") == "reply_canned":
        return _("%(name)s replied with the canned reply “%(title)s”") % {
            "name": name, "title": data.get("canned", ""),
        }  # fmt: skip
    return _("%(name)s ran") % {"name": name}
