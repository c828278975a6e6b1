"""Staff pages: the team, the audit log, the invitation link, and API-key actions on the integrations page."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cxloop.core import formats, invitations
from cxloop.core.audit import Actor
from cxloop.core.models import ApiKey, AuditLog, MemberInvitation, Membership
from cxloop.testing.fixtures import PASSWORD, make_staff

pytestmark = pytest.mark.django_db
Role = Membership.Role
WHERE = {"REMOTE_ADDR": "198.51.100.23", "HTTP_USER_AGENT": "Firefox/140"}


def signed_in(user) -> Client:
    client = Client(**WHERE)
    client.force_login(user)
    return client


def membership_of(user, store) -> Membership:
    return Membership.objects.get(user=user, store=store)


def invite(store, email="new@example.com", role=Role.AGENT) -> tuple[MemberInvitation, str]:
    invitation, _ = invitations.invite_member(store=store, email=email, role=role, actor=Actor.command_line())
    return invitation, invitation_path_from_mail()


def invitation_path_from_mail() -> str:
    from django.core import mail

    return re.search(r"https?://[^/]+(/invitations/[^/\s]+/)", mail.outbox[-1].body).group(1)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# The team page.


def test_team_page_lists_members_and_pending_invitations(store, owner, agent):
    invite(store, "pending@example.com")

    page = signed_in(owner).get(reverse("web:team"))

    assert page.status_code == 200
    html = page.content.decode()
    assert owner.email in html and agent.email in html and "pending@example.com" in html


def test_team_page_says_when_no_invitation_is_pending(store, owner):
    page = signed_in(owner).get(reverse("web:team"))

    assert "No pending invitations." in page.content.decode()


def test_agents_cannot_open_the_team_page(store, agent_client):
    assert agent_client.get(reverse("web:team")).status_code == 403


def test_invite_form_sends_the_email_and_says_so(store, owner, mailoutbox):
    answer = signed_in(owner).post(
        reverse("web:team-invite"), {"email": "New@Example.com", "role": "admin"}, follow=True
    )  # noqa: E501

    assert answer.redirect_chain[-1][0] == reverse("web:team")
    assert messages_of(answer) == ["An invitation was sent to new@example.com."]
    assert mailoutbox[0].to == ["new@example.com"]
    row = AuditLog.objects.get()
    assert (row.actor, row.ip, row.user_agent) == (owner, "198.51.100.23", "Firefox/140")


@pytest.mark.parametrize("data", [{"email": "nope", "role": "agent"}, {"email": "x@ex.com", "role": "root"}])
def test_bad_invitation_is_refused_and_shown(store, owner, mailoutbox, data):
    answer = signed_in(owner).post(reverse("web:team-invite"), data)

    assert answer.status_code == 422
    assert answer.context["form"].errors
    assert (MemberInvitation.objects.count(), len(mailoutbox)) == (0, 0)


def test_admin_cannot_invite_an_owner(store):
    admin = make_staff(store, Role.ADMIN)

    answer = signed_in(admin).post(reverse("web:team-invite"), {"email": "x@example.com", "role": "owner"})

    assert answer.status_code == 422
    assert "You cannot give a role above your own." in answer.content.decode()
    assert MemberInvitation.objects.count() == 0


def test_role_change_and_removal_through_the_page(store, owner, agent):
    client = signed_in(owner)
    member = membership_of(agent, store)

    changed = client.post(reverse("web:team-role", args=[member.pk]), {"role": "admin"}, follow=True)
    assert membership_of(agent, store).role == Role.ADMIN
    removed = client.post(reverse("web:team-remove", args=[member.pk]), follow=True)

    assert messages_of(changed) == [f"The role of {agent.email} was changed."]
    assert messages_of(removed) == [f"{agent.email} was removed from the store."]
    assert not Membership.objects.filter(pk=member.pk).exists()


def test_refused_change_is_a_message_and_changes_nothing(store, owner):
    answer = signed_in(owner).post(
        reverse("web:team-role", args=[membership_of(owner, store).pk]), {"role": "agent"}, follow=True
    )

    assert messages_of(answer) == [
        "The store's last owner cannot be demoted: make another member owner first."
    ]
    assert membership_of(owner, store).role == Role.OWNER


def test_another_stores_member_and_invitation_are_404(store, other_store, owner):
    stranger = make_staff(other_store, Role.AGENT)
    other_invitation, _ = invite(other_store)
    client = signed_in(owner)

    theirs = membership_of(stranger, other_store).pk
    answers = [
        client.post(reverse("web:team-role", args=[theirs]), {"role": "admin"}),
        client.post(reverse("web:team-remove", args=[theirs])),
        client.post(reverse("web:team-resend", args=[other_invitation.pk])),
        client.post(reverse("web:team-revoke", args=[other_invitation.pk])),
    ]

    assert [a.status_code for a in answers] == [404, 404, 404, 404]
    assert membership_of(stranger, other_store).role == Role.AGENT
    assert MemberInvitation.objects.get(pk=other_invitation.pk).is_pending


def test_resend_makes_a_new_link_and_revoke_withdraws_it(store, owner, mailoutbox):
    invitation, first_path = invite(store)
    client = signed_in(owner)

    client.post(reverse("web:team-resend", args=[invitation.pk]))
    second_path = invitation_path_from_mail()
    client.post(reverse("web:team-revoke", args=[invitation.pk]))

    assert first_path != second_path
    assert Client().get(first_path).status_code == 404
    assert Client().get(second_path).status_code == 410


def test_team_actions_take_post(store, owner, agent):
    path = reverse("web:team-remove", args=[membership_of(agent, store).pk])

    assert signed_in(owner).get(path).status_code == 405


# The audit log page.


def test_audit_log_shows_changes_newest_first_in_store_time(store, owner, agent):
    store.timezone = "Asia/Tehran"
    store.save(update_fields=["timezone"])
    client = signed_in(owner)
    client.post(reverse("web:team-role", args=[membership_of(agent, store).pk]), {"role": "admin"})
    client.post(reverse("web:team-invite"), {"email": "n@example.com", "role": "agent"})

    page = client.get(reverse("web:audit-log"))

    entries = page.context["page"].items
    assert [e.action for e in entries] == ["member.invited", "member.role_changed"]
    html = page.content.decode()
    assert "198.51.100.23" in html and "Firefox/140" in html
    assert "Role before: <bdi>Agent</bdi>" in html and "Role after: <bdi>Admin</bdi>" in html
    with timezone.override("Asia/Tehran"):
        assert formats.datetime_text(entries[0].created_at) in html
    with timezone.override("UTC"):
        assert formats.datetime_text(entries[0].created_at) not in html  # not UTC


def test_audit_log_pages_fifty_at_a_time(store, owner, django_assert_max_num_queries):
    AuditLog.objects.bulk_create(
        AuditLog(store=store, actor_label="command line", action="member.removed", target=f"m{n}@example.com")
        for n in range(51)
    )
    client = signed_in(owner)

    with django_assert_max_num_queries(8):
        first = client.get(reverse("web:audit-log"))
    second = client.get(reverse("web:audit-log"), {"page": "2"})

    assert (len(first.context["page"].items), first.context["page"].has_next) == (50, True)
    assert [e.target for e in second.context["page"].items] == ["m0@example.com"]


def test_audit_log_says_when_empty(store, owner):
    assert "Nothing yet" in signed_in(owner).get(reverse("web:audit-log")).content.decode()


@pytest.mark.parametrize("role", [Role.ADMIN, Role.AGENT])
def test_audit_log_is_for_owners_only(store, role):
    member = make_staff(store, role)

    assert signed_in(member).get(reverse("web:audit-log")).status_code == 403


def test_audit_log_shows_only_this_stores_changes(store, other_store, owner):
    AuditLog.objects.create(store=other_store, actor_label="x", action="member.removed", target="canary@o.t")

    assert "canary@o.t" not in signed_in(owner).get(reverse("web:audit-log")).content.decode()


# The invitation link.


def test_new_invitee_sets_name_and_password_and_lands_in_the_store(store, owner):
    _, path = invite(store, role=Role.ADMIN)
    client = Client(**WHERE)

    form = client.get(path)
    answer = client.post(path, {"name": "Zofia Nowak", "password": PASSWORD, "password_again": PASSWORD})

    assert form.status_code == 200
    assert answer.status_code == 302 and answer["Location"] == reverse("web:overview")
    user = get_user_model().objects.get(username="new@example.com")
    assert (user.first_name, membership_of(user, store).role) == ("Zofia Nowak", Role.ADMIN)
    assert client.get(reverse("web:team")).status_code == 200  # signed in, as admin of the store
    row = AuditLog.objects.get(action="invitation.accepted")
    assert (row.actor, row.ip, row.user_agent) == (user, "198.51.100.23", "Firefox/140")


def test_link_used_once_cannot_be_used_again(store, owner):
    _, path = invite(store)
    Client().post(path, {"name": "Z", "password": PASSWORD, "password_again": PASSWORD})

    other = "another pass 987"
    again = Client().post(path, {"name": "Y", "password": other, "password_again": other})

    assert again.status_code == 410
    assert "already used" in again.content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {"name": "Z", "password": "123", "password_again": "123"},
        {"name": "Z", "password": PASSWORD, "password_again": PASSWORD + "!"},
        {"name": "", "password": PASSWORD, "password_again": PASSWORD},
    ],
)
def test_bad_account_details_are_shown_and_the_link_still_works(store, data):
    _, path = invite(store)

    answer = Client().post(path, data)

    assert answer.status_code == 422
    assert get_user_model().objects.filter(username="new@example.com").count() == 0
    assert Client().get(path).status_code == 200


def test_expired_link_says_so(store):
    _, path = invite(store)

    with time_machine.travel(timezone.now() + timedelta(hours=73)):
        answer = Client().get(path)

    assert answer.status_code == 410
    assert "expired" in answer.content.decode()


@pytest.mark.parametrize("path", ["/invitations/x/", "/invitations/1.abc.def/", "/invitations/%20/"])
def test_made_up_link_is_404(store, path):
    assert Client().get(path).status_code == 404


def test_invitee_with_an_account_is_asked_to_sign_in_then_joins(store, other_store):
    existing = make_staff(other_store, Role.OWNER, email="new@example.com")
    _, path = invite(store)

    anonymous = Client().get(path)
    client = signed_in(existing)
    joined = client.post(path)

    assert f'href="{reverse("web:login")}?next=' in anonymous.content.decode()
    assert "password" not in anonymous.context or anonymous.context["form"] is None
    assert joined.status_code == 302
    assert membership_of(existing, store).role == Role.AGENT
    assert client.session["store_id"] == store.pk


def test_another_signed_in_account_cannot_take_the_invitation(store, other_store):
    make_staff(other_store, Role.OWNER, email="new@example.com")
    someone_else = make_staff(other_store, Role.AGENT, email="someone@example.com")
    _, path = invite(store)

    answer = signed_in(someone_else).post(path)

    assert answer.status_code == 403
    assert not Membership.objects.filter(user=someone_else, store=store).exists()


# API keys on the integrations page.


def only_key(store) -> ApiKey:
    return ApiKey.objects.get(store=store, revoked_at__isnull=True)


def test_rotate_shows_the_new_key_once_and_revokes_the_old_one(store, owner):
    old = only_key(store)

    page = signed_in(owner).post(reverse("commerce:integrations-api-key-rotate", args=[old.pk]))

    new = only_key(store)
    raw = page.context["new_key"]
    assert raw.startswith(f"cxk_{new.lookup}_") and raw in page.content.decode()
    assert ApiKey.objects.get(pk=old.pk).revoked_at is not None
    assert raw not in signed_in(owner).get(reverse("commerce:integrations")).content.decode()


def test_revoke_from_the_integrations_page(store, owner):
    key = only_key(store)

    path = reverse("commerce:integrations-api-key-revoke", args=[key.pk])

    answer = signed_in(owner).post(path, follow=True)

    assert messages_of(answer) == [f"The API key cxk_{key.lookup} was revoked."]
    assert ApiKey.objects.get(pk=key.pk).revoked_at is not None
    assert AuditLog.objects.get().action == "api_key.revoked"


def test_key_actions_on_another_stores_key_are_404(store, other_store, owner):
    theirs = only_key(other_store)
    client = signed_in(owner)

    revoke = client.post(reverse("commerce:integrations-api-key-revoke", args=[theirs.pk]))
    rotate = client.post(reverse("commerce:integrations-api-key-rotate", args=[theirs.pk]))

    assert (revoke.status_code, rotate.status_code) == (404, 404)
    assert ApiKey.objects.get(pk=theirs.pk).revoked_at is None


def test_agents_cannot_revoke_keys(store, agent_client):
    key = only_key(store)

    path = reverse("commerce:integrations-api-key-revoke", args=[key.pk])

    assert agent_client.post(path).status_code == 403
    assert ApiKey.objects.get(pk=key.pk).revoked_at is None


def test_creating_a_key_on_the_page_is_audited(store, owner):
    signed_in(owner).post(reverse("commerce:integrations-api-key"), {"name": "erp", "kind": "secret"})

    row = AuditLog.objects.get()
    assert (row.action, row.actor, row.detail) == ("api_key.created", owner, {"kind": "secret"})
