"""The store's support mailboxes (owners and admins): connect one, test it, turn reading on or off.

Thin views: `services.mailboxes` checks every field and does the work; another
store's id is a 404 through `queries`, an agent gets 403. The password is never
shown back: the form leaves it empty and an empty password keeps the stored one.
"""

from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cxloop.core.errors import DomainError
from cxloop.web.access import admin_required

from . import queries
from .models import Mailbox
from .services import mailboxes as services

MAX_FIELD = 1000
NEW = {
    "address": "",
    "host": "",
    "port": "993",
    "security": Mailbox.Security.SSL,
    "username": "",
    "folder": "INBOX",
}


def _posted(request) -> tuple[dict, str]:
    fields = {name: request.POST.get(name, "")[:MAX_FIELD] for name in services.MAILBOX_FIELDS}
    return fields, request.POST.get("password", "")[:MAX_FIELD]


def _values(mailbox: Mailbox) -> dict:
    return {name: getattr(mailbox, name) for name in services.MAILBOX_FIELDS}


def _context(request, **extra) -> dict:
    return {"section": "helpdesk", "securities": Mailbox.Security.choices, **extra}


@admin_required
def mailbox_list(request):
    """The store's mailboxes, and the form that connects one."""
    values, errors, status = dict(NEW), {}, 200
    if request.method == "POST":
        values, password = _posted(request)
        try:
            mailbox = services.save_mailbox(store=request.store, fields=values, password=password)
        except DomainError as error:
            errors, status = {error.field or "form": error.message}, error.status
        else:
            messages.success(request, _("The mailbox is connected; use “Test connection” to check it."))
            return redirect("helpdesk:mailbox-detail", mailbox.pk)
    context = _context(
        request, mailboxes=list(queries.list_mailboxes(request.store)), values=values, errors=errors
    )
    return render(request, "helpdesk/mailbox_list.html", context, status=status)


@admin_required
def mailbox_detail(request, mailbox_id: int):
    """One mailbox: how reading goes, and its settings to change."""
    mailbox = queries.get_mailbox(request.store, mailbox_id)
    values, errors, status = _values(mailbox), {}, 200
    if request.method == "POST":
        values, password = _posted(request)
        try:
            services.save_mailbox(store=request.store, fields=values, password=password, mailbox=mailbox)
        except DomainError as error:
            errors, status = {error.field or "form": error.message}, error.status
            mailbox.refresh_from_db()
        else:
            messages.success(request, _("The mailbox's settings were saved."))
            return redirect("helpdesk:mailbox-detail", mailbox.pk)
    context = _context(request, mailbox=mailbox, values=values, errors=errors)
    return render(request, "helpdesk/mailbox_detail.html", context, status=status)


@admin_required
def mailbox_test(request, mailbox_id: int):
    """Sign in to the server now and say what happened."""
    mailbox = queries.get_mailbox(request.store, mailbox_id)
    if request.method != "POST":  # after the lookup: another store's id is a 404 whatever the method
        return HttpResponseNotAllowed(["POST"])
    worked, words = services.check_connection(mailbox)
    (messages.success if worked else messages.error)(request, words)
    return redirect("helpdesk:mailbox-detail", mailbox.pk)


@admin_required
def mailbox_enabled(request, mailbox_id: int):
    mailbox = queries.get_mailbox(request.store, mailbox_id)
    if request.method != "POST":  # after the lookup: another store's id is a 404 whatever the method
        return HttpResponseNotAllowed(["POST"])
    enabled = request.POST.get("enabled") == "1"
    services.set_mailbox_enabled(mailbox=mailbox, enabled=enabled)
    messages.success(
        request, _("New mail is read from this mailbox.") if enabled else _("This mailbox is no longer read.")
    )
    return redirect("helpdesk:mailbox-detail", mailbox.pk)
