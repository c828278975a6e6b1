"""Revoking and rotating API keys: who may, the audit row, and how soon the API refuses the key."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from cxloop.core import apikeys, queries
from cxloop.core.audit import Actor
from cxloop.core.errors import Conflict, Forbidden
from cxloop.core.models import ApiKey, AuditLog, Membership
from cxloop.testing.fixtures import make_staff

pytestmark = pytest.mark.django_db
Role = Membership.Role
CUSTOMERS = "/api/v1/customers"


def actor_for(user) -> Actor:
    return Actor(user=user, label=user.email, ip="2001:db8::7", user_agent="curl/8")


def key_row(raw: str) -> ApiKey:
    return ApiKey.objects.get(key_hash=ApiKey.hash_key(raw))


def bearer(raw: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {raw}"})


@pytest.mark.parametrize("role,outcome", [(Role.OWNER, "ok"), (Role.ADMIN, "ok"), (Role.AGENT, Forbidden)])
def test_revoking_a_key_takes_an_owner_or_admin(store, api_key, role, outcome):
    member = make_staff(store, role)

    if outcome == "ok":
        apikeys.revoke_api_key(key=key_row(api_key), actor=actor_for(member))
        assert key_row(api_key).revoked_at is not None
    else:
        with pytest.raises(outcome):
            apikeys.revoke_api_key(key=key_row(api_key), actor=actor_for(member))
        assert key_row(api_key).revoked_at is None


@pytest.mark.parametrize("role,outcome", [(Role.ADMIN, "ok"), (Role.AGENT, Forbidden)])
def test_rotating_a_key_takes_an_owner_or_admin(store, api_key, role, outcome):
    member = make_staff(store, role)

    if outcome == "ok":
        new_key, raw = apikeys.rotate_api_key(key=key_row(api_key), actor=actor_for(member))
        assert (new_key.name, new_key.kind) == ("tests", "secret")
        assert key_row(raw) == new_key
    else:
        with pytest.raises(outcome):
            apikeys.rotate_api_key(key=key_row(api_key), actor=actor_for(member))
        assert ApiKey.objects.filter(store=store, revoked_at__isnull=True).count() == 2


def test_a_member_of_another_store_cannot_revoke_this_stores_key(store, other_store, api_key):
    stranger = make_staff(other_store, Role.OWNER)

    with pytest.raises(Forbidden):
        apikeys.revoke_api_key(key=key_row(api_key), actor=actor_for(stranger))


def test_revoked_key_is_refused_by_the_api_at_once_in_the_process_that_revoked_it(store, owner, api_key):
    assert bearer(api_key).get(CUSTOMERS).status_code == 200  # now in this process's cache

    apikeys.revoke_api_key(key=key_row(api_key), actor=actor_for(owner))

    assert bearer(api_key).get(CUSTOMERS).status_code == 401


def test_key_revoked_elsewhere_is_refused_once_the_cache_seconds_pass(store, api_key):
    # given: this process has the key cached, and another process revokes it
    assert bearer(api_key).get(CUSTOMERS).status_code == 200
    ApiKey.objects.filter(pk=key_row(api_key).pk).update(revoked_at=timezone.now())
    # when: the cache's seconds pass
    with time_machine.travel(timezone.now() + timedelta(seconds=queries.API_KEY_CACHE_SECONDS)):
        answer = bearer(api_key).get(CUSTOMERS)
    # then
    assert answer.status_code == 401


def test_cached_key_is_looked_up_again_when_the_clock_was_set_back(store, api_key):
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        assert bearer(api_key).get(CUSTOMERS).status_code == 200
    ApiKey.objects.filter(pk=key_row(api_key).pk).update(revoked_at=timezone.now())

    assert bearer(api_key).get(CUSTOMERS).status_code == 401


def test_rotated_key_is_replaced_by_a_working_one(store, owner, api_key):
    assert bearer(api_key).get(CUSTOMERS).status_code == 200

    _, raw = apikeys.rotate_api_key(key=key_row(api_key), actor=actor_for(owner))

    assert (bearer(api_key).get(CUSTOMERS).status_code, bearer(raw).get(CUSTOMERS).status_code) == (401, 200)


def test_revoking_twice_is_a_conflict_and_changes_nothing(store, owner, api_key):
    apikeys.revoke_api_key(key=key_row(api_key), actor=actor_for(owner))
    revoked_at = key_row(api_key).revoked_at

    with pytest.raises(Conflict):
        apikeys.revoke_api_key(key=key_row(api_key), actor=actor_for(owner))
    with pytest.raises(Conflict):
        apikeys.rotate_api_key(key=key_row(api_key), actor=actor_for(owner))

    assert key_row(api_key).revoked_at == revoked_at
    assert AuditLog.objects.filter(store=store).count() == 1


def test_revoke_and_rotate_are_audited_with_who_and_where(store, owner, api_key):
    key = key_row(api_key)

    new_key, _ = apikeys.rotate_api_key(key=key, actor=actor_for(owner))
    apikeys.revoke_api_key(key=new_key, actor=Actor.command_line())

    rotated, revoked = AuditLog.objects.filter(store=store).order_by("pk")
    assert (rotated.action, rotated.actor, rotated.ip, rotated.user_agent) == (
        "api_key.rotated", owner, "2001:db8::7", "curl/8",
    )  # fmt: skip
    assert rotated.target == f"cxk_{key.lookup} (tests)"
    assert rotated.detail == {"kind": "secret", "replaced_by": f"cxk_{new_key.lookup}"}
    assert (revoked.action, revoked.actor, revoked.actor_label, revoked.ip) == (
        "api_key.revoked", None, "command line", None,
    )  # fmt: skip


def test_a_rate_limit_from_a_service_answers_429_with_retry_after_in_the_header_and_the_body(rf):
    import json

    from cxloop.api import domain_error
    from cxloop.core.errors import RateLimited

    response = domain_error(rf.get("/api/v1/customers"), RateLimited("Too many requests.", retry_after=12))

    assert response.status_code == 429
    assert response["Retry-After"] == "12"
    assert json.loads(response.content)["retry_after"] == 12
