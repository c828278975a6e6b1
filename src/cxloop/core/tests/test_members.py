"""The team: invitations by one-time link, role changes and removals, and who may make them."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone

from cxloop.core import invitations, members, queries
from cxloop.core.audit import Actor
from cxloop.core.errors import Conflict, Forbidden, Gone, InvalidInput, NotFound
from cxloop.core.models import AuditLog, MemberInvitation, Membership
from cxloop.testing.fixtures import PASSWORD, make_staff

pytestmark = pytest.mark.django_db
Role = Membership.Role
NOBODY = Actor(user=None, label="")


def actor_for(user) -> Actor:
    return Actor(user=user, label=user.email, ip="203.0.113.5", user_agent="pytest-browser")


def membership_of(user, store) -> Membership:
    return Membership.objects.get(user=user, store=store)


def invite(store, email="new@example.com", role=Role.AGENT, by=None):
    actor = actor_for(by) if by else Actor.command_line()
    invitation, sent = invitations.invite_member(store=store, email=email, role=role, actor=actor)
    assert sent
    return invitation, link_token(mail.outbox[-1].body)


def link_token(body: str) -> str:
    return re.search(r"/invitations/([^/\s]+)/", body).group(1)


# Role changes and removals: who may do what.


@pytest.mark.parametrize(
    "actor_role,target_role,new_role,outcome",
    [
        (Role.OWNER, Role.AGENT, Role.ADMIN, "ok"),
        (Role.OWNER, Role.ADMIN, Role.OWNER, "ok"),
        (Role.OWNER, Role.OWNER, Role.AGENT, "ok"),  # another owner remains (the actor)
        (Role.ADMIN, Role.AGENT, Role.ADMIN, "ok"),
        (Role.ADMIN, Role.ADMIN, Role.AGENT, "ok"),
        (Role.ADMIN, Role.AGENT, Role.OWNER, Forbidden),  # above their own role
        (Role.ADMIN, Role.OWNER, Role.AGENT, Forbidden),  # an admin cannot demote an owner
        (Role.ADMIN, Role.OWNER, Role.ADMIN, Forbidden),
        (Role.AGENT, Role.AGENT, Role.ADMIN, Forbidden),
        (Role.AGENT, Role.ADMIN, Role.AGENT, Forbidden),
    ],
)
def test_role_change_follows_the_role_rules(store, actor_role, target_role, new_role, outcome):
    # given
    make_staff(store, Role.OWNER, email="first-owner@example.com")
    actor = make_staff(store, actor_role, email="actor@example.com")
    target = make_staff(store, target_role, email="target@example.com")
    # when / then
    if outcome == "ok":
        members.change_role(membership=membership_of(target, store), role=new_role, actor=actor_for(actor))
        assert membership_of(target, store).role == new_role
        assert AuditLog.objects.filter(store=store, action=AuditLog.Action.MEMBER_ROLE_CHANGED).count() == 1
    else:
        with pytest.raises(outcome):
            members.change_role(
                membership=membership_of(target, store), role=new_role, actor=actor_for(actor)
            )
        assert membership_of(target, store).role == target_role
        assert AuditLog.objects.filter(store=store).count() == 0


@pytest.mark.parametrize(
    "actor_role,target_role,outcome",
    [
        (Role.OWNER, Role.AGENT, "ok"),
        (Role.OWNER, Role.ADMIN, "ok"),
        (Role.OWNER, Role.OWNER, "ok"),
        (Role.ADMIN, Role.AGENT, "ok"),
        (Role.ADMIN, Role.ADMIN, "ok"),
        (Role.ADMIN, Role.OWNER, Forbidden),
        (Role.AGENT, Role.AGENT, Forbidden),
    ],
)
def test_removal_follows_the_role_rules(store, actor_role, target_role, outcome):
    make_staff(store, Role.OWNER, email="first-owner@example.com")
    actor = make_staff(store, actor_role, email="actor@example.com")
    target = make_staff(store, target_role, email="target@example.com")

    if outcome == "ok":
        members.remove_member(membership=membership_of(target, store), actor=actor_for(actor))
        assert not Membership.objects.filter(user=target, store=store).exists()
    else:
        with pytest.raises(outcome):
            members.remove_member(membership=membership_of(target, store), actor=actor_for(actor))
        assert membership_of(target, store).role == target_role


@pytest.mark.parametrize("actor", ["self", "command line"])
def test_last_owner_can_be_neither_demoted_nor_removed(store, owner, actor):
    by = actor_for(owner) if actor == "self" else Actor.command_line()

    with pytest.raises(Conflict) as demoted:
        members.change_role(membership=membership_of(owner, store), role=Role.ADMIN, actor=by)
    with pytest.raises(Conflict) as removed:
        members.remove_member(membership=membership_of(owner, store), actor=by)

    assert (demoted.value.code, removed.value.code) == ("last_owner", "last_owner")
    assert membership_of(owner, store).role == Role.OWNER


def test_an_owner_may_step_down_when_another_owner_remains(store, owner):
    make_staff(store, Role.OWNER, email="second-owner@example.com")

    members.change_role(membership=membership_of(owner, store), role=Role.AGENT, actor=actor_for(owner))

    assert membership_of(owner, store).role == Role.AGENT


def test_a_member_of_another_store_has_no_authority_here(store, other_store):
    stranger = make_staff(other_store, Role.OWNER)
    target = make_staff(store, Role.AGENT)

    with pytest.raises(Forbidden):
        members.remove_member(membership=membership_of(target, store), actor=actor_for(stranger))


def test_unknown_role_is_refused_naming_the_field(store, owner):
    target = make_staff(store, Role.AGENT)

    with pytest.raises(InvalidInput) as error:
        members.change_role(membership=membership_of(target, store), role="superuser", actor=actor_for(owner))

    assert error.value.field == "role"


def test_role_change_is_audited_with_who_what_and_where(store, owner):
    target = make_staff(store, Role.AGENT, email="target@example.com")

    members.change_role(membership=membership_of(target, store), role=Role.ADMIN, actor=actor_for(owner))

    row = AuditLog.objects.get(store=store)
    assert (row.actor, row.actor_label, row.action, row.target, row.detail, row.ip, row.user_agent) == (
        owner, owner.email, "member.role_changed", "target@example.com", {"from": "agent", "to": "admin"},
        "203.0.113.5", "pytest-browser",
    )  # fmt: skip


def test_removed_member_no_longer_reaches_the_store_on_the_next_request(store, owner, agent, agent_client):
    assert agent_client.get("/customers/").status_code == 200

    members.remove_member(membership=membership_of(agent, store), actor=actor_for(owner))

    assert agent_client.get("/customers/").status_code == 403


# Invitations.


@pytest.mark.parametrize(
    "actor_role,role,outcome",
    [
        (Role.OWNER, Role.OWNER, "ok"),
        (Role.OWNER, Role.AGENT, "ok"),
        (Role.ADMIN, Role.ADMIN, "ok"),
        (Role.ADMIN, Role.AGENT, "ok"),
        (Role.ADMIN, Role.OWNER, Forbidden),
        (Role.AGENT, Role.AGENT, Forbidden),
    ],
)
def test_invitation_follows_the_role_rules(store, actor_role, role, outcome):
    actor = make_staff(store, actor_role, email="actor@example.com")

    if outcome == "ok":
        invitation, sent = invitations.invite_member(
            store=store, email="new@example.com", role=role, actor=actor_for(actor)
        )
        assert (sent, invitation.role, len(mail.outbox)) == (True, role, 1)
    else:
        with pytest.raises(outcome):
            invitations.invite_member(store=store, email="new@example.com", role=role, actor=actor_for(actor))
        assert (MemberInvitation.objects.count(), len(mail.outbox)) == (0, 0)


def test_invitation_email_carries_a_link_and_the_store_keeps_only_a_hash(store, owner):
    invitation, token = invite(store, email=" New@Example.COM ", by=owner)

    message = mail.outbox[0]
    assert message.to == ["new@example.com"]
    assert "Sklep Ania" in message.subject
    assert f"{settings.CXLOOP_PUBLIC_URL}/invitations/{token}/\n" in message.body
    nonce = token.split(".")[1]
    assert nonce not in invitation.nonce_hash
    assert invitation.expires_at - invitation.sent_at == timedelta(hours=72)
    row = AuditLog.objects.get(store=store)
    assert (row.action, row.target, row.actor) == ("member.invited", "new@example.com", owner)


@pytest.mark.parametrize("email", ["", "not-an-address", "a@", "@b.example", "x" * 250 + "@example.com"])
def test_invitation_to_a_bad_address_is_refused(store, owner, email):
    with pytest.raises(InvalidInput) as error:
        invitations.invite_member(store=store, email=email, role=Role.AGENT, actor=actor_for(owner))

    assert error.value.field == "email"
    assert MemberInvitation.objects.count() == 0


def test_inviting_an_existing_member_is_a_conflict(store, owner, agent):
    with pytest.raises(Conflict):
        invitations.invite_member(
            store=store, email=agent.email.upper(), role=Role.ADMIN, actor=actor_for(owner)
        )


def test_new_invitee_sets_name_and_password_and_joins(store, owner):
    _, token = invite(store, by=owner)

    membership = invitations.accept_invitation_with_new_account(
        token=token, name="Zofia Nowak", password=PASSWORD, actor=Actor(None, "", "198.51.100.2")
    )

    user = membership.user
    assert (user.username, user.email, user.first_name, membership.role) == (
        "new@example.com", "new@example.com", "Zofia Nowak", Role.AGENT,
    )  # fmt: skip
    assert user.check_password(PASSWORD)
    row = AuditLog.objects.filter(action=AuditLog.Action.INVITATION_ACCEPTED).get()
    assert (row.actor, row.actor_label, row.ip) == (user, "new@example.com", "198.51.100.2")


def test_link_works_only_once(store, owner):
    _, token = invite(store, by=owner)
    invitations.accept_invitation_with_new_account(token=token, name="Z", password=PASSWORD, actor=NOBODY)

    with pytest.raises(Gone) as error:
        invitations.accept_invitation_with_new_account(
            token=token, name="Other", password=PASSWORD + "x", actor=Actor(None, "")
        )

    assert error.value.code == "invitation_used"
    assert get_user_model().objects.get(username="new@example.com").check_password(PASSWORD)


def test_link_expires_after_72_hours(store, owner):
    _, token = invite(store, by=owner)

    with time_machine.travel(timezone.now() + timedelta(hours=72, seconds=1)):
        with pytest.raises(Gone) as error:
            invitations.get_invitation_by_token(token)

    assert error.value.code == "invitation_expired"


def test_link_still_works_just_before_it_expires(store, owner):
    _, token = invite(store, by=owner)

    with time_machine.travel(timezone.now() + timedelta(hours=71, minutes=59)):
        assert invitations.get_invitation_by_token(token).email == "new@example.com"


def tamper(token: str, how: str) -> str:
    invitation_id, nonce, signature = token.split(".")
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    return {
        "empty": "",
        "space": "%20",
        "trailing space": token + " ",
        "upper case": token.upper(),
        "flipped signature": f"{invitation_id}.{nonce}.{flipped}",
        "other id": f"{int(invitation_id) + 1}.{nonce}.{signature}",
        "no signature": f"{invitation_id}.{nonce}",
    }[how]


@pytest.mark.parametrize(
    "how", ["empty", "space", "trailing space", "upper case", "flipped signature", "other id", "no signature"]
)
def test_altered_link_is_not_found(store, owner, how):
    _, token = invite(store, by=owner)

    with pytest.raises(NotFound):
        invitations.get_invitation_by_token(tamper(token, how))


def test_sending_again_makes_the_old_link_stop_working(store, owner):
    invitation, old_token = invite(store, by=owner)

    invitations.resend_invitation(invitation=invitation, actor=actor_for(owner))
    new_token = link_token(mail.outbox[-1].body)

    with pytest.raises(NotFound):
        invitations.get_invitation_by_token(old_token)
    assert invitations.get_invitation_by_token(new_token).pk == invitation.pk


def test_revoked_invitation_link_is_gone(store, owner):
    invitation, token = invite(store, by=owner)

    invitations.revoke_invitation(invitation=invitation, actor=actor_for(owner))

    with pytest.raises(Gone) as error:
        invitations.get_invitation_by_token(token)
    assert error.value.code == "invitation_revoked"
    assert queries.list_pending_invitations(store).count() == 0


def test_inviting_the_same_address_again_revokes_the_earlier_link(store, owner):
    _, first = invite(store, by=owner)
    _, second = invite(store, by=owner)

    with pytest.raises(Gone):
        invitations.get_invitation_by_token(first)
    assert invitations.get_invitation_by_token(second)


def test_invitee_with_an_account_cannot_set_its_password_through_the_link(store, other_store, owner):
    existing = make_staff(other_store, Role.OWNER, email="new@example.com")
    _, token = invite(store, by=owner)

    with pytest.raises(Conflict):
        invitations.accept_invitation_with_new_account(
            token=token, name="X", password="another pass 123", actor=NOBODY
        )

    existing.refresh_from_db()
    assert existing.check_password(PASSWORD)
    assert not Membership.objects.filter(user=existing, store=store).exists()


def test_invitee_with_an_account_joins_after_signing_in(store, other_store, owner):
    existing = make_staff(other_store, Role.OWNER, email="new@example.com")
    _, token = invite(store, role=Role.ADMIN, by=owner)

    membership = invitations.accept_invitation(token=token, actor=actor_for(existing))

    assert (membership.user, membership.store, membership.role) == (existing, store, Role.ADMIN)


def test_invitation_cannot_be_accepted_by_another_account(store, other_store, owner):
    someone_else = make_staff(other_store, Role.OWNER, email="someone@example.com")
    _, token = invite(store, by=owner)

    with pytest.raises(Forbidden):
        invitations.accept_invitation(token=token, actor=actor_for(someone_else))

    assert not Membership.objects.filter(user=someone_else, store=store).exists()


def test_weak_password_is_refused_and_the_link_still_works(store, owner):
    _, token = invite(store, by=owner)

    with pytest.raises(InvalidInput) as error:
        invitations.accept_invitation_with_new_account(token=token, name="Z", password="123", actor=NOBODY)

    assert error.value.field == "password"
    assert get_user_model().objects.filter(username="new@example.com").count() == 0
    assert invitations.get_invitation_by_token(token)


def test_invitation_survives_a_mail_server_that_refuses_it(store, owner, smtp_server):
    smtp_server.refuse_next(1, code=550, stage="rcpt", text="5.1.1 No such user")

    invitation, sent = invitations.invite_member(
        store=store, email="new@example.com", role=Role.AGENT, actor=actor_for(owner)
    )  # noqa: E501

    assert sent is False
    assert queries.list_pending_invitations(store).get() == invitation
