"""core.store_config: a store's configuration kept in the process while its version is unchanged."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from cxloop.core import batch_cache, store_config
from cxloop.core.models import Store
from cxloop.core.services import create_store
from cxloop.helpdesk.models import Conversation, Rule
from cxloop.helpdesk.services import rules as rule_services
from cxloop.helpdesk.services import sla as sla_services
from cxloop.helpdesk.services.inbound import receive_email
from cxloop.hooks import services as hooks
from cxloop.hooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db


def counting_loader():
    calls = []

    def load():
        calls.append(1)
        return len(calls)

    return load, calls


def mail(subject: str) -> bytes:
    return (
        "From: Ola <ola@example.com>\r\nTo: support@shop.example\r\n"
        f"Subject: {subject}\r\nMessage-ID: <{subject.lower()}@example.com>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nWhere is my parcel?\r\n"
    ).encode()


def make_rule(store, name, tag):
    return rule_services.save_rule(
        store=store,
        fields={"name": name, "trigger": "created", "conditions": [],
                "actions": [{"kind": "add_tags", "value": tag}]},
        actor=None,
    )  # fmt: skip


def test_a_value_is_loaded_once_while_the_version_is_unchanged(store):
    load, calls = counting_loader()

    values = [store_config.cached(store.pk, "thing", load) for _ in range(3)]

    assert values == [1, 1, 1] and len(calls) == 1


def test_a_saved_or_deleted_watched_row_loads_the_value_again(store):
    load, calls = counting_loader()
    store_config.cached(store.pk, "thing", load)

    rule = make_rule(store, "Tag", "a")
    after_save = store_config.cached(store.pk, "thing", load)
    rule.delete()
    after_delete = store_config.cached(store.pk, "thing", load)

    assert (after_save, after_delete) == (2, 3)


def test_another_stores_change_keeps_this_stores_value(store):
    other, _created = create_store(name="Other", currency="EUR", slug="other-config")
    load, calls = counting_loader()
    store_config.cached(store.pk, "thing", load)

    make_rule(other, "Tag", "a")

    assert store_config.cached(store.pk, "thing", load) == 1


def test_a_rolled_back_change_loads_again_and_never_reuses_its_version(store):
    load, calls = counting_loader()
    store_config.cached(store.pk, "thing", load)
    before = store_config.read_version(store.pk)

    with pytest.raises(RuntimeError), transaction.atomic():
        make_rule(store, "Rolled back", "a")
        inside = store_config.cached(store.pk, "thing", load)  # kept under the new, uncommitted version
        raise RuntimeError

    assert inside == 2 and store_config.read_version(store.pk) == before
    # The value kept under the rolled-back version is not taken for the restored one.
    assert store_config.cached(store.pk, "thing", load) == 3
    make_rule(store, "Kept", "b")
    assert store_config.read_version(store.pk) not in (before, None)


def test_saving_the_store_sets_a_new_version_and_a_new_store_has_its_own(store):
    first = store_config.read_version(store.pk)
    stale = Store.objects.get(pk=store.pk)  # loaded before the change below
    make_rule(store, "Tag", "a")
    changed = store_config.read_version(store.pk)

    stale.name = "Renamed"
    stale.save()  # writes the old version back, then a new one

    assert len({first, changed, store_config.read_version(store.pk)}) == 3
    other, _created = create_store(name="Other", currency="EUR", slug="other-version")
    assert store_config.read_version(other.pk) not in (first, changed, None)


def test_moving_a_rule_by_update_sets_a_new_version(store):
    make_rule(store, "First", "a")
    second = make_rule(store, "Second", "b")
    before = store_config.read_version(store.pk)

    rule_services.move_rule(rule=second, up=True)

    assert store_config.read_version(store.pk) != before
    assert [rule.name for rule in Rule.objects.order_by("position")] == ["Second", "First"]


def test_in_a_batch_the_version_is_read_once(store):
    load, calls = counting_loader()
    store_config.cached(store.pk, "a", load)

    with batch_cache.batch(), CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            store_config.cached(store.pk, "a", load)
            store_config.cached(store.pk, "b", load)

    assert len(calls) == 2 and len(queries) == 1


def test_a_mail_sees_a_rule_added_after_the_last_mail(store):
    receive_email(store=store, raw=mail("First"))
    make_rule(store, "Tag new ones", "triage")

    message = receive_email(store=store, raw=mail("Second"))

    tags = set(message.conversation.tags.values_list("name", flat=True))
    assert tags == {"triage"}
    assert not Conversation.objects.get(subject="First").tags.exists()


def test_a_mail_sees_a_disabled_rule_and_a_new_sla_policy(store):
    rule = make_rule(store, "Tag new ones", "triage")
    receive_email(store=store, raw=mail("First"))
    rule_services.set_rule_enabled(rule=rule, enabled=False)
    fields = {"name": "Fast", "first_response_minutes": "30", "enabled": "on"}
    sla_services.save_policy(store=store, fields=fields)

    message = receive_email(store=store, raw=mail("Second"))

    conversation = message.conversation
    assert not conversation.tags.exists()
    assert conversation.sla_policy is not None and conversation.sla_policy.name == "Fast"


def test_a_new_webhook_endpoint_gets_the_next_event_and_a_disabled_one_not(store):
    receive_email(store=store, raw=mail("First"))
    endpoint = hooks.create_endpoint(
        store=store, url="https://hooks.example/in", events=["conversation.created"]
    )

    receive_email(store=store, raw=mail("Second"))
    hooks.set_active(endpoint=endpoint, active=False)
    receive_email(store=store, raw=mail("Third"))

    payloads = WebhookDelivery.objects.filter(endpoint=endpoint).values_list("payload", flat=True)
    assert [payload["subject"] for payload in payloads] == ["Second"]
