"""The help desk's settings and SLA policies (owners and admins), and the SLA bits of the inbox.

Thin views: `services.desk` and `services.sla` check every field and raise
InvalidInput naming it; the page shows the message next to that field. Another
store's policy id is a 404 through `queries_sla`, an agent gets 403.
"""

from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cxloop.core.errors import DomainError
from cxloop.web.access import admin_required

from . import queries_sla
from .hours import DAYS, HoursError
from .models import Channel, Conversation, SlaPolicy
from .services import desk
from .services import sla as services

MAX_FIELD = 2000
DAY_LABELS = {
    "mon": gettext_lazy("Monday"),
    "tue": gettext_lazy("Tuesday"),
    "wed": gettext_lazy("Wednesday"),
    "thu": gettext_lazy("Thursday"),
    "fri": gettext_lazy("Friday"),
    "sat": gettext_lazy("Saturday"),
    "sun": gettext_lazy("Sunday"),
}
NEW_POLICY = {
    "name": "", "priority": "", "channel": "", "first_response_minutes": "", "next_response_minutes": "",
    "resolution_minutes": "", "position": "0", "enabled": True,
}  # fmt: skip


def _form_field(field: str | None) -> str:
    """The form field an error belongs to: "week.mon[1]" is the Monday field, "holidays[0]" the holidays."""
    field = field or "form"
    if field.startswith("week."):
        return field[5:8]
    return field.split("[")[0]


# Settings


@admin_required
def desk_settings(request):
    """Business hours (several intervals a day, holidays) and how long attachments are kept."""
    settings = desk.settings_for(request.store)
    week, holidays = desk.hours_as_text(settings.business_hours)
    retention = (
        "" if settings.attachment_retention_months is None else str(settings.attachment_retention_months)
    )
    errors, status = {}, 200
    if request.method == "POST":
        week = {day: request.POST.get(day, "")[:MAX_FIELD] for day in DAYS}
        holidays = request.POST.get("holidays", "")[: MAX_FIELD * 5]
        retention = request.POST.get("attachment_retention_months", "")[:20]
        try:
            hours = desk.hours_from_text(week, holidays)
            desk.save_desk_settings(store=request.store, hours=hours, attachment_retention_months=retention)
        except HoursError as error:
            errors, status = {_form_field(error.field): error.message}, 422
        except DomainError as error:
            errors, status = {_form_field(error.field): error.message}, error.status
        else:
            messages.success(request, _("The help desk's settings were saved."))
            return redirect("helpdesk:settings")
    context = {
        "section": "helpdesk",
        "days": [(day, DAY_LABELS[day], week.get(day, "")) for day in DAYS],
        "holidays": holidays,
        "retention": retention,
        "errors": errors,
        "zone": request.store.timezone or "UTC",
    }
    return render(request, "helpdesk/desk_settings.html", context, status=status)


# Policies


def _posted_policy(request) -> dict:
    fields = {name: request.POST.get(name, "")[:MAX_FIELD] for name in services.POLICY_FIELDS}
    fields["enabled"] = request.POST.get("enabled") == "1"
    return fields


def _policy_values(policy: SlaPolicy) -> dict:
    values = {name: getattr(policy, name) for name in services.POLICY_FIELDS}
    return {name: "" if value is None else value for name, value in values.items()}


def _policy_context(**extra) -> dict:
    return {
        "section": "helpdesk",
        "priorities": Conversation.Priority.choices,
        "channels": Channel.choices,
        **extra,
    }


@admin_required
def policy_list(request):
    """The store's SLA policies in the order they are tried, and the form that adds one."""
    values, errors, status = dict(NEW_POLICY), {}, 200
    if request.method == "POST":
        values = _posted_policy(request)
        try:
            services.save_policy(store=request.store, fields=values)
        except DomainError as error:
            errors, status = {error.field or "form": error.message}, error.status
        else:
            messages.success(request, _("The SLA policy was added."))
            return redirect("helpdesk:sla-policy-list")
    context = _policy_context(
        policies=list(queries_sla.list_policies(request.store)), values=values, errors=errors
    )
    return render(request, "helpdesk/sla_policy_list.html", context, status=status)


@admin_required
def policy_detail(request, policy_id: int):
    """One policy, to change."""
    policy = queries_sla.get_policy(request.store, policy_id)
    values, errors, status = _policy_values(policy), {}, 200
    if request.method == "POST":
        values = _posted_policy(request)
        try:
            services.save_policy(store=request.store, fields=values, policy=policy)
        except DomainError as error:
            errors, status = {error.field or "form": error.message}, error.status
            policy.refresh_from_db()
        else:
            messages.success(request, _("The SLA policy was saved."))
            return redirect("helpdesk:sla-policy-list")
    context = _policy_context(policy=policy, values=values, errors=errors)
    return render(request, "helpdesk/sla_policy_detail.html", context, status=status)


@admin_required
def policy_delete(request, policy_id: int):
    policy = queries_sla.get_policy(request.store, policy_id)
    if request.method != "POST":  # after the lookup: another store's id is a 404 whatever the method
        return HttpResponseNotAllowed(["POST"])
    services.delete_policy(policy=policy)
    messages.success(request, _("The SLA policy was deleted."))
    return redirect("helpdesk:sla-policy-list")


# The inbox


def inbox_sla_state(request) -> str:
    """The SLA state the inbox is kept to (?sla=), or "" for any."""
    state = request.GET.get("sla", "")
    return state if state in queries_sla.SLA_STATES else ""
