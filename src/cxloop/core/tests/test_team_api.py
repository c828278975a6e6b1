"""The team API through the client: members, invitations, API keys, the audit log.

Signed-in staff only (session and CSRF); another store's ids answer 404,
an agent 403, and every change leaves an audit row naming who and from where.
"""

import json

import pytest
from django.core import mail
from django.test import Client

from cxloop.core.models import ApiKey, AuditLog, MemberInvitation, Membership
from cxloop.testing.fixtures import make_staff

pytestmark = pytest.mark.django_db
Role = Membership.Role
WHERE = {"REMOTE_ADDR": "203.0.113.40", "HTTP_USER_AGENT": "team-script/1.0"}


def signed_in(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def call(client, method, path, body=None):
    kwargs = {"content_type": "application/json", **WHERE}
    if body is not None:
        kwargs["data"] = json.dumps(body)
    return getattr(client, method)(path, **kwargs)


def base(store) -> str:
    return f"/api/v1/stores/{store.pk}"


def membership_of(user, store) -> Membership:
    return Membership.objects.get(user=user, store=store)


@pytest.fixture
def owner_api(owner):
    return signed_in(owner)


def test_owner_lists_members_owners_first(store, owner, agent, owner_api):
    answer = call(owner_api, "get", f"{base(store)}/members")

    assert answer.status_code == 200
    assert [(m["email"], m["role"]) for m in answer.json()] == [
        (owner.email, "owner"), (agent.email, "agent"),
    ]  # fmt: skip


def test_invite_sends_the_link_and_audits_who_and_where(store, owner, owner_api):
    answer = call(
        owner_api, "post", f"{base(store)}/members/invitations", {"email": "New@Example.com", "role": "admin"}
    )  # noqa: E501

    assert answer.status_code == 201
    body = answer.json()
    assert (body["invitation"]["email"], body["invitation"]["role"], body["email_sent"]) == (
        "new@example.com", "admin", True,
    )  # fmt: skip
    assert mail.outbox[0].to == ["new@example.com"]
    row = AuditLog.objects.get(store=store)
    assert (row.action, row.actor, row.ip, row.user_agent) == (
        "member.invited", owner, "203.0.113.40", "team-script/1.0",
    )  # fmt: skip


@pytest.mark.parametrize(
    "body,field",
    [
        ({"email": "x@example.com", "role": "superuser"}, "role"),
        ({"email": "x@example.com"}, "role"),
        ({"email": "x@example.com", "role": "agent", "store": 2}, "store"),
        ({"email": 42, "role": "agent"}, "email"),
    ],
)
def test_invite_with_bad_input_is_422_and_changes_nothing(store, owner_api, body, field):
    answer = call(owner_api, "post", f"{base(store)}/members/invitations", body)

    assert answer.status_code == 422
    assert field in answer.json()["detail"]
    assert (MemberInvitation.objects.count(), AuditLog.objects.count(), len(mail.outbox)) == (0, 0, 0)


def test_invite_to_a_bad_address_names_the_field(store, owner_api):
    answer = call(owner_api, "post", f"{base(store)}/members/invitations", {"email": "nope", "role": "agent"})

    assert (answer.status_code, answer.json()["field"]) == (422, "email")


def test_role_change_and_removal(store, owner, agent, owner_api):
    member_id = membership_of(agent, store).pk

    changed = call(owner_api, "patch", f"{base(store)}/members/{member_id}", {"role": "admin"})
    removed = call(owner_api, "delete", f"{base(store)}/members/{member_id}")

    assert (changed.status_code, changed.json()["role"]) == (200, "admin")
    assert removed.status_code == 204
    assert not Membership.objects.filter(pk=member_id).exists()
    assert list(AuditLog.objects.order_by("pk").values_list("action", flat=True)) == [
        "member.role_changed", "member.removed",
    ]  # fmt: skip


def test_last_owner_cannot_demote_themselves(store, owner, owner_api):
    answer = call(
        owner_api, "patch", f"{base(store)}/members/{membership_of(owner, store).pk}", {"role": "agent"}
    )  # noqa: E501

    assert (answer.status_code, answer.json()["error"]) == (409, "last_owner")
    assert membership_of(owner, store).role == Role.OWNER


def test_admin_cannot_make_an_owner(store, agent):
    admin = make_staff(store, Role.ADMIN)

    answer = call(
        signed_in(admin),
        "patch",
        f"{base(store)}/members/{membership_of(agent, store).pk}",
        {"role": "owner"},
    )  # noqa: E501

    assert (answer.status_code, answer.json()["error"]) == (403, "role_above_yours")
    assert membership_of(agent, store).role == Role.AGENT


def test_api_keys_list_revoke_and_rotate(store, owner, owner_api):
    first = ApiKey.objects.filter(store=store).get()
    listed = call(owner_api, "get", f"{base(store)}/api-keys")
    rotated = call(owner_api, "post", f"{base(store)}/api-keys/{first.pk}/rotate")
    second = ApiKey.objects.get(pk=rotated.json()["key"]["id"])
    revoked = call(owner_api, "post", f"{base(store)}/api-keys/{second.pk}/revoke")

    assert listed.status_code == 200
    assert listed.json()[0]["starts_with"] == f"cxk_{first.lookup}"
    assert "key_hash" not in listed.json()[0]
    assert rotated.status_code == 201
    assert rotated.json()["secret"].startswith(f"cxk_{second.lookup}_")
    assert rotated.json()["revoked"]["revoked_at"] is not None
    assert (revoked.status_code, revoked.json()["revoked_at"] is not None) == (200, True)
    assert call(owner_api, "post", f"{base(store)}/api-keys/{second.pk}/revoke").status_code == 409


def test_audit_log_lists_changes_newest_first_for_owners(store, owner, agent, owner_api):
    call(owner_api, "patch", f"{base(store)}/members/{membership_of(agent, store).pk}", {"role": "admin"})
    call(owner_api, "post", f"{base(store)}/members/invitations", {"email": "n@example.com", "role": "agent"})

    answer = call(owner_api, "get", f"{base(store)}/audit-log?limit=1")

    assert answer.status_code == 200
    assert answer.json()["count"] == 2
    [newest] = answer.json()["items"]
    assert (newest["action"], newest["actor"], newest["ip"], newest["user_agent"]) == (
        "member.invited", owner.email, "203.0.113.40", "team-script/1.0",
    )  # fmt: skip


def test_audit_log_is_for_owners_only(store):
    admin = make_staff(store, Role.ADMIN)

    assert call(signed_in(admin), "get", f"{base(store)}/audit-log").status_code == 403


def agent_calls(store, agent, owner):
    member = membership_of(owner, store).pk
    key = ApiKey.objects.filter(store=store).first().pk
    return [
        ("get", f"{base(store)}/members", None),
        ("get", f"{base(store)}/members/invitations", None),
        ("post", f"{base(store)}/members/invitations", {"email": "x@example.com", "role": "agent"}),
        ("patch", f"{base(store)}/members/{member}", {"role": "agent"}),
        ("delete", f"{base(store)}/members/{member}", None),
        ("get", f"{base(store)}/api-keys", None),
        ("post", f"{base(store)}/api-keys/{key}/revoke", None),
        ("post", f"{base(store)}/api-keys/{key}/rotate", None),
        ("get", f"{base(store)}/audit-log", None),
    ]


def test_an_agent_gets_403_everywhere_and_changes_nothing(store, owner, agent):
    client = signed_in(agent)

    answers = [
        call(client, method, path, body).status_code
        for method, path, body in agent_calls(store, agent, owner)
    ]  # noqa: E501

    assert answers == [403] * 9
    assert (AuditLog.objects.count(), MemberInvitation.objects.count()) == (0, 0)
    assert ApiKey.objects.filter(revoked_at__isnull=False).count() == 0


def test_another_stores_ids_answer_404(store, other_store, owner, owner_api):
    # given: the other store's member, pending invitation and key
    other_owner = make_staff(other_store, Role.OWNER)
    other_agent = make_staff(other_store, Role.AGENT)
    invitation = MemberInvitation.objects.create(
        store=other_store, email="x@example.com", role="agent", nonce_hash="0" * 64,
        sent_at="2026-01-01T00:00:00Z", expires_at="2099-01-01T00:00:00Z",
    )  # fmt: skip
    member = membership_of(other_agent, other_store).pk
    key = ApiKey.objects.filter(store=other_store).first().pk
    # when: they are reached through this store, or through the other store's id
    calls = [
        ("patch", f"{base(store)}/members/{member}", {"role": "admin"}),
        ("delete", f"{base(store)}/members/{member}", None),
        ("post", f"{base(store)}/members/invitations/{invitation.pk}/resend", None),
        ("delete", f"{base(store)}/members/invitations/{invitation.pk}", None),
        ("post", f"{base(store)}/api-keys/{key}/revoke", None),
        ("post", f"{base(store)}/api-keys/{key}/rotate", None),
        ("get", f"{base(other_store)}/members", None),
        ("get", f"{base(other_store)}/api-keys", None),
        ("get", f"{base(other_store)}/audit-log", None),
        ("post", f"{base(other_store)}/api-keys/{key}/revoke", None),
    ]
    answers = [call(owner_api, method, path, body) for method, path, body in calls]
    # then
    assert [a.status_code for a in answers] == [404] * len(calls)
    assert answers[0].json()["error"] == "not_found"
    assert membership_of(other_agent, other_store).role == Role.AGENT
    assert ApiKey.objects.filter(revoked_at__isnull=False).count() == 0
    assert AuditLog.objects.count() == 0
    assert other_owner


def test_store_api_key_is_not_enough_for_the_team_api(store, api_client):
    answer = api_client.get(f"{base(store)}/members")

    assert (answer.status_code, answer.json()["error"]) == (401, "unauthorized")
    assert "staff session" in answer.json()["detail"]


def test_team_api_checks_the_csrf_token(store, owner):
    client = signed_in(owner, enforce_csrf_checks=True)

    answer = call(client, "post", f"{base(store)}/members/invitations", {"email": "x@e.co", "role": "agent"})

    assert (answer.status_code, answer.json()["error"]) == (403, "csrf_failed")
    assert MemberInvitation.objects.count() == 0


def test_an_id_no_row_can_have_is_a_422_naming_it_not_a_server_error(staff_client, store):
    # an id past 2^63 cannot be stored by SQLite or PostgreSQL; it is refused where it is parsed
    response = staff_client.get(f"/api/v1/stores/{2**63}/api-keys")

    assert response.status_code == 422
    assert "store_id" in response.content.decode()
