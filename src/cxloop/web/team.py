"""Staff pages of the team: members and invitations, the audit log, and the invitation link.

Views are thin: `core.queries` finds rows inside `request.store` (another
store's id is a 404), `core.members` decides what is allowed and writes.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cxloop.core import invitations, members
from cxloop.core import queries as core_queries
from cxloop.core.audit import Actor
from cxloop.core.errors import DomainError, Gone, NotFound
from cxloop.core.models import Membership
from cxloop.core.names import person_name
from cxloop.core.roles import RANK, check_role

from .access import store_required
from .paging import build_page

Role = Membership.Role
AUDIT_PER_PAGE = 50


class InviteForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email"), max_length=254)
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Role.choices, initial=Role.AGENT)


class NewAccountForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Your name"), max_length=150, strip=True)
    password = forms.CharField(label=gettext_lazy("Password"), strip=False, widget=forms.PasswordInput)
    password_again = forms.CharField(
        label=gettext_lazy("Password again"), strip=False, widget=forms.PasswordInput
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return data


def _grantable_roles(request) -> list[tuple[str, str]]:
    mine = RANK[request.membership.role]
    return [(value, label) for value, label in Role.choices if RANK[value] <= mine]


def _render_team(request, *, form=None, status=200):
    mine = RANK[request.membership.role]
    rows = [
        {
            "membership": m,
            "name": person_name(m.user.first_name, m.user.last_name),
            "manageable": RANK[m.role] <= mine,
            "is_me": m.user_id == request.user.pk,
        }
        for m in core_queries.list_members(request.store)
    ]
    return render(
        request,
        "web/team.html",
        {
            "section": "team",
            "rows": rows,
            "invitations": core_queries.list_pending_invitations(request.store),
            "form": form or InviteForm(),
            "roles": _grantable_roles(request),
            "now": timezone.now(),
        },
        status=status,
    )


@store_required
def team(request):
    check_role(request, Role.ADMIN)
    return _render_team(request)


@require_POST
@store_required
def invite(request):
    check_role(request, Role.ADMIN)
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            invitation, sent = invitations.invite_member(
                store=request.store, actor=Actor.from_request(request), **form.cleaned_data
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
    if not form.is_valid():
        return _render_team(request, form=form, status=422)
    _say_sent(request, invitation, sent)
    return redirect("web:team")


def _say_sent(request, invitation, sent: bool) -> None:
    if sent:
        messages.success(request, _("An invitation was sent to %(email)s.") % {"email": invitation.email})
    else:
        messages.error(
            request,
            _(
                "The invitation for %(email)s is saved, but the email could not be sent. "
                "Try “Send again” later."
            )
            % {"email": invitation.email},
        )


def _act(request, action, success: str):
    """Run a team change; a refusal becomes a message, never a half change."""
    try:
        action()
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect("web:team")


@store_required
def change_role(request, membership_id):
    check_role(request, Role.ADMIN)
    membership = core_queries.get_member(request.store, membership_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    role = request.POST.get("role", "")
    return _act(
        request,
        lambda: members.change_role(membership=membership, role=role, actor=Actor.from_request(request)),
        _("The role of %(email)s was changed.") % {"email": membership.user.email},
    )


@store_required
def remove_member(request, membership_id):
    check_role(request, Role.ADMIN)
    membership = core_queries.get_member(request.store, membership_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return _act(
        request,
        lambda: members.remove_member(membership=membership, actor=Actor.from_request(request)),
        _("%(email)s was removed from the store.") % {"email": membership.user.email},
    )


@store_required
def resend_invitation(request, invitation_id):
    check_role(request, Role.ADMIN)
    invitation = core_queries.get_pending_invitation(request.store, invitation_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        invitation, sent = invitations.resend_invitation(
            invitation=invitation, actor=Actor.from_request(request)
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        _say_sent(request, invitation, sent)
    return redirect("web:team")


@store_required
def revoke_invitation(request, invitation_id):
    check_role(request, Role.ADMIN)
    invitation = core_queries.get_pending_invitation(request.store, invitation_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return _act(
        request,
        lambda: invitations.revoke_invitation(invitation=invitation, actor=Actor.from_request(request)),
        _("The invitation for %(email)s was revoked.") % {"email": invitation.email},
    )


@store_required
def audit_log(request):
    check_role(request, Role.OWNER)
    entries = core_queries.list_audit_log(request.store)
    page = build_page(entries, request.GET.get("page"), per_page=AUDIT_PER_PAGE)
    rows = [{"entry": entry, "details": _details(entry.detail)} for entry in page.items]
    return render(request, "web/audit_log.html", {"section": "audit", "page": page, "rows": rows})


DETAIL_LABELS = {
    "role": gettext_lazy("Role"),
    "from": gettext_lazy("Role before"),
    "to": gettext_lazy("Role after"),
    "kind": gettext_lazy("Kind"),
    "replaced_by": gettext_lazy("Replaced by"),
    "invitation": gettext_lazy("Invitation"),
    "already_member": gettext_lazy("Was already a member"),
    # Store settings (store.settings_changed)
    "name": gettext_lazy("Store name"),
    "default_language": gettext_lazy("Default language"),
    "timezone": gettext_lazy("Time zone"),
    "currency": gettext_lazy("Currency"),
    "support_email": gettext_lazy("Support email address"),
    "storefront_origins": gettext_lazy("Storefront addresses"),
    "country_languages": gettext_lazy("Language by country"),
}


def _details(detail: dict) -> list[tuple[str, str]]:
    """An audit row's details as (label, value) in the reader's language; roles by their names."""
    roles = dict(Role.choices)
    shown = []
    for name, value in detail.items():
        if value is True:
            value = _("yes")
        elif name in ("role", "from", "to"):
            value = roles.get(value, value)
        elif name == "invitation":
            value = f"#{value}"
        elif isinstance(value, dict) and set(value) == {"from", "to"}:
            value = f"{_detail_value(value['from'])} → {_detail_value(value['to'])}"
        shown.append((DETAIL_LABELS.get(name, name), value))
    return shown


def _detail_value(value) -> str:
    """One side of a settings change as text: "—" for empty, "PL: pl, LV: lv" for a mapping."""
    if isinstance(value, dict):
        return ", ".join(f"{key}: {item}" for key, item in value.items()) or "—"
    return " ".join(str(value).split()) or "—"


def invitation(request, token):
    """The link in an invitation email: set a name and password, or join after signing in."""
    try:
        found = invitations.get_invitation_by_token(token)
    except (NotFound, Gone) as error:
        return render(request, "web/invitation.html", {"problem": error.message}, status=error.status)
    has_account = invitations.has_account(found.email)
    signed_in_as_invitee = request.user.is_authenticated and found.email in {
        (request.user.email or "").lower(),
        request.user.get_username().lower(),
    }
    form = NewAccountForm(request.POST or None) if not has_account else None
    if request.method == "POST":
        try:
            membership = _accept(request, token, form, has_account, signed_in_as_invitee)
        except DomainError as error:
            if form is None or error.field not in form.fields:
                return render(request, "web/invitation.html", {"problem": error.message}, status=error.status)
            form.add_error(error.field, error.message)
            membership = None
        if membership is not None:
            request.session["store_id"] = membership.store_id
            messages.success(request, _("Welcome to %(store)s.") % {"store": membership.store.name})
            return redirect("web:overview")
    context = {
        "invitation": found,
        "has_account": has_account,
        "signed_in_as_invitee": signed_in_as_invitee,
        "form": form,
    }
    status = 422 if form is not None and form.errors else 200
    return render(request, "web/invitation.html", context, status=status)


def _accept(request, token, form, has_account: bool, signed_in_as_invitee: bool):
    if has_account:
        if not signed_in_as_invitee:
            raise PermissionDenied("Sign in with the invited account first.")
        return invitations.accept_invitation(token=token, actor=Actor.from_request(request))
    if not form.is_valid():
        return None
    membership = invitations.accept_invitation_with_new_account(
        token=token,
        name=form.cleaned_data["name"],
        password=form.cleaned_data["password"],
        actor=Actor.from_request(request),
    )
    login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
    return membership
