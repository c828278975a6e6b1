"""`cxloop member ...` and `cxloop apikey ...`: thin doors onto the same rules, audited as "command line"."""

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from cxloop.core.models import ApiKey, AuditLog, MemberInvitation, Membership
from cxloop.testing.fixtures import make_staff

pytestmark = pytest.mark.django_db
Role = Membership.Role


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_member_invite_emails_a_link_and_prints_no_secret(store, mailoutbox):
    output = run("member", "invite", "New@Example.com", "--store", store.slug, "--role", "admin")

    invitation = MemberInvitation.objects.get()
    assert output.startswith("Invited new@example.com to sklep-ania as admin; the link works until ")
    assert "/invitations/" not in output
    assert (mailoutbox[0].to, invitation.role) == (["new@example.com"], "admin")
    row = AuditLog.objects.get()
    assert (row.action, row.actor, row.actor_label, row.ip) == ("member.invited", None, "command line", None)


def test_member_role_and_remove(store, owner, agent):
    assert run("member", "role", agent.email, "--store", store.slug, "--role", "admin") == (
        f"{agent.email} is admin of sklep-ania.\n"
    )
    assert run("member", "remove", agent.email.upper(), "--store", store.slug) == (
        f"{agent.email} is no longer a member of sklep-ania.\n"
    )

    assert not Membership.objects.filter(user=agent).exists()
    assert list(AuditLog.objects.order_by("pk").values_list("action", "actor_label")) == [
        ("member.role_changed", "command line"), ("member.removed", "command line"),
    ]  # fmt: skip


def test_member_command_keeps_the_last_owner(store, owner):
    with pytest.raises(CommandError, match="last owner"):
        run("member", "remove", owner.email, "--store", store.slug)
    with pytest.raises(CommandError, match="last owner"):
        run("member", "role", owner.email, "--store", store.slug, "--role", "agent")

    assert Membership.objects.get(user=owner).role == Role.OWNER


def test_member_command_for_someone_of_another_store_fails_clearly(store, other_store):
    stranger = make_staff(other_store, Role.AGENT)

    with pytest.raises(CommandError, match="is not a member of sklep-ania"):
        run("member", "remove", stranger.email, "--store", store.slug)


def test_apikey_rotate_prints_the_new_key_once_and_the_old_one_stops(store, api_key):
    lookup = ApiKey.objects.get(key_hash=ApiKey.hash_key(api_key)).lookup

    output = run("apikey", "rotate", f"cxk_{lookup}", "--store", store.slug)

    new_raw = re.search(r"New key \(shown once, keep it safe\): (cxk_\S+)", output).group(1)
    assert Client(headers={"Authorization": f"Bearer {api_key}"}).get("/api/v1/customers").status_code == 401
    assert Client(headers={"Authorization": f"Bearer {new_raw}"}).get("/api/v1/customers").status_code == 200
    assert AuditLog.objects.get().action == "api_key.rotated"


def test_apikey_list_and_revoke(store, api_key):
    lookup = ApiKey.objects.get(key_hash=ApiKey.hash_key(api_key)).lookup

    run("apikey", "revoke", lookup, "--store", store.slug)
    listing = run("apikey", "list", "--store", store.slug)

    assert re.search(rf"^cxk_{lookup}\tsecret\trevoked .*\ttests$", listing, re.M)
    assert AuditLog.objects.get().actor_label == "command line"


def test_apikey_of_another_store_is_not_found(store, other_store, other_api_key):
    lookup = ApiKey.objects.get(key_hash=ApiKey.hash_key(other_api_key)).lookup

    with pytest.raises(CommandError, match="has no API key starting"):
        run("apikey", "revoke", f"cxk_{lookup}", "--store", store.slug)

    assert ApiKey.objects.filter(revoked_at__isnull=False).count() == 0
