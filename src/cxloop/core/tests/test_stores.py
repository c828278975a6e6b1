"""Stores, staff, API keys and webhook secrets, through services and commands."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from cxloop.core import queries, services
from cxloop.core.errors import Conflict, InvalidInput
from cxloop.core.models import ApiKey, AuditLog, Membership, Store, WebhookSecret


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_store_create_command_prints_slug_and_a_working_key(db):
    output = run(
        "store",
        "create",
        "Sklep Łódź",
        "--currency",
        "pln",
        "--timezone",
        "Europe/Warsaw",
        "--language",
        "pl",
    )  # noqa: E501

    store = Store.objects.get()
    assert (store.slug, store.currency, store.timezone, store.default_language) == (
        "sklep-lodz", "PLN", "Europe/Warsaw", "pl",
    )  # fmt: skip
    raw_key = re.search(r"(cxk_\S+)", output).group(1)
    assert queries.get_store_for_api_key(raw_key) == store


def test_api_key_is_stored_only_as_a_hash(db):
    _, raw_key = services.create_store(name="Shop", currency="EUR")

    key = ApiKey.objects.get()
    assert raw_key not in (key.key_hash, key.lookup)
    assert key.key_hash == ApiKey.hash_key(raw_key)


@pytest.mark.parametrize("raw", ["", "cxk_", "cxk_abc", "cxk_abc_def", "Bearer x", " "])
def test_unknown_or_malformed_api_key_finds_no_store(db, raw):
    services.create_store(name="Shop", currency="EUR")

    assert queries.get_store_for_api_key(raw) is None


def test_revoked_api_key_finds_no_store(db):
    store, raw_key = services.create_store(name="Shop", currency="EUR")
    ApiKey.objects.filter(store=store).update(revoked_at="2026-01-01T00:00:00Z")

    assert queries.get_store_for_api_key(raw_key) is None


def test_api_key_with_altered_secret_part_finds_no_store(db):
    _, raw_key = services.create_store(name="Shop", currency="EUR")

    assert queries.get_store_for_api_key(raw_key[:-1] + ("A" if raw_key[-1] != "A" else "B")) is None


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"name": "", "currency": "EUR"}, "name"),
        ({"name": "S", "currency": "EURO"}, "currency"),
        ({"name": "S", "currency": "€"}, "currency"),
        ({"name": "S", "currency": "EUR", "timezone": "Mars/Olympus"}, "timezone"),
        ({"name": "S", "currency": "EUR", "language": "xx"}, "language"),
    ],
)
def test_invalid_store_is_refused_naming_the_field(db, kwargs, field):
    with pytest.raises(InvalidInput) as error:
        services.create_store(**kwargs)

    assert error.value.field == field
    assert Store.objects.count() == 0


def test_same_name_gets_a_distinct_slug(db):
    first, _ = services.create_store(name="Shop", currency="EUR")
    second, _ = services.create_store(name="Shop", currency="EUR")

    assert (first.slug, second.slug) == ("shop", "shop-2")


def test_explicit_slug_taken_is_a_conflict(db):
    services.create_store(name="Shop", currency="EUR", slug="shop")

    with pytest.raises(Conflict):
        services.create_store(name="Other", currency="EUR", slug="shop")


@pytest.mark.parametrize("currency", ["euros", "ABC"])
def test_store_command_with_bad_currency_fails_clearly(db, currency):
    with pytest.raises(CommandError, match="Currency must be an ISO 4217 code like EUR"):
        run("store", "create", "Shop", "--currency", currency)


def test_secret_command_sets_and_replaces_the_platform_secret(store):
    run("store", "secret", store.slug, "shopify", "first-secret")
    run("store", "secret", store.slug, "shopify", "second-secret")

    assert WebhookSecret.objects.get(store=store, platform="shopify").secret == "second-secret"


def test_secret_command_for_unknown_store_fails_clearly(db):
    with pytest.raises(CommandError, match="No store with slug"):
        run("store", "secret", "nope", "shopify", "a-secret-value")


def test_short_secret_is_refused(store):
    with pytest.raises(CommandError, match="at least 8"):
        run("store", "secret", store.slug, "woocommerce", "short")


def test_user_create_emails_an_invitation_and_prints_no_password(store, mailoutbox):
    output = run("user", "create", "Agent@Example.com", "--store", store.slug, "--role", "agent")

    assert output == "Invitation sent to agent@example.com: the link lets them set a password.\n"
    assert get_user_model().objects.count() == 0
    [message] = mailoutbox
    assert message.to == ["agent@example.com"]
    assert "/invitations/" in message.body


def test_user_create_with_a_password_adds_the_member_and_audits_it(store):
    run(
        "user",
        "create",
        "a@example.com",
        "--store",
        store.slug,
        "--role",
        "agent",
        "--password",
        "pw-1234567890",
    )  # noqa: E501

    user = get_user_model().objects.get()
    assert user.check_password("pw-1234567890")
    assert Membership.objects.get(user=user).role == "agent"
    assert AuditLog.objects.get().actor_label == "command line"


def test_user_create_for_an_existing_member_changes_nothing(store):
    run(
        "user",
        "create",
        "a@example.com",
        "--store",
        store.slug,
        "--role",
        "agent",
        "--password",
        "pw-1234567890",
    )  # noqa: E501

    with pytest.raises(CommandError, match="already a member"):
        run(
            "user",
            "create",
            "a@example.com",
            "--store",
            store.slug,
            "--role",
            "owner",
            "--password",
            "x-987654321",
        )  # noqa: E501

    assert get_user_model().objects.get().check_password("pw-1234567890")
    assert Membership.objects.get().role == "agent"


def test_user_can_belong_to_two_stores_with_different_roles(store, other_store):
    services.add_staff(store=store, email="x@example.com", role="owner", password="pw-1234567890")
    services.add_staff(store=other_store, email="x@example.com", role="agent")

    user = get_user_model().objects.get()
    assert {(m.store.slug, m.role) for m in queries.list_memberships(user)} == {
        ("sklep-ania", "owner"), ("other-shop", "agent"),
    }  # fmt: skip


def test_current_membership_ignores_a_store_the_user_does_not_belong_to(store, other_store):
    user, _ = services.add_staff(store=store, email="x@example.com", role="owner", password="pw-1234567890")  # noqa: E501

    membership = queries.get_current_membership(user, other_store.pk)

    assert membership.store == store


def test_storefront_origins_are_stored_as_csp_sources(db):
    store, _ = services.create_store(name="Sklep", currency="PLN")

    saved = services.set_storefront_origins(
        store=store,
        origins="https://Shop.Example.com/\n https://żabka.pl  http://localhost:8080\nhttps://*.example.com "
        "https://shop.example.com",
    )

    assert saved == [
        "https://shop.example.com",
        "https://xn--abka-99a.pl",
        "http://localhost:8080",
        "https://*.example.com",
    ]
    store.refresh_from_db()
    assert store.storefront_origin_list == saved


@pytest.mark.parametrize(
    "bad",
    [
        "shop.example.com",
        "javascript:alert(1)",
        "https://shop.example.com/path",
        "https://shop.example.com/?q=1",
        "https://user:pw@shop.example.com",
        "https://shop.example.com:99999",
        "https://shop;script-src",
        "https://'unsafe-inline'",
        "ftp://shop.example.com",
        "https://-bad-.example.com",
    ],
)
def test_a_bad_storefront_origin_is_named_and_changes_nothing(db, bad):
    store, _ = services.create_store(name="Sklep", currency="PLN")
    services.set_storefront_origins(store=store, origins="https://keep.example")

    with pytest.raises(InvalidInput) as error:
        services.set_storefront_origins(store=store, origins=f"https://fine.example\n{bad}")

    assert bad[:20] in error.value.message
    assert error.value.field == "storefront_origins"
    store.refresh_from_db()
    assert store.storefront_origins == "https://keep.example"


def test_at_most_twenty_storefront_origins(db):
    store, _ = services.create_store(name="Sklep", currency="PLN")
    origins = " ".join(f"https://shop{n}.example" for n in range(21))

    with pytest.raises(InvalidInput, match="At most 20"):
        services.set_storefront_origins(store=store, origins=origins)

    assert services.set_storefront_origins(store=store, origins="") == []
