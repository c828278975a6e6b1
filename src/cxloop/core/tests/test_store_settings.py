"""Store settings: each field checked before anything is written, changes audited; stores made by a user."""

import pytest
from django.contrib.auth import get_user_model

from cxloop.core import queries, services
from cxloop.core.audit import Actor
from cxloop.core.errors import Forbidden
from cxloop.core.models import DEFAULT_COUNTRY_LANGUAGES, ApiKey, AuditLog, Membership, Store
from cxloop.core.store_settings import (
    SettingsInvalid,
    StoreSettings,
    create_store_for,
    language_for_country,
    update_store_settings,
)
from cxloop.testing.fixtures import make_staff

pytestmark = pytest.mark.django_db
Role = Membership.Role


def actor_for(user) -> Actor:
    return Actor(user=user, label=user.email, ip="198.51.100.7", user_agent="tests")


def valid(store, **changes) -> StoreSettings:
    values = StoreSettings.of(store)
    for name, value in changes.items():
        setattr(values, name, value)
    return values


def test_a_new_store_maps_countries_to_their_languages(store):
    assert store.country_languages == DEFAULT_COUNTRY_LANGUAGES
    assert {code: store.country_languages[code] for code in ("PL", "LV", "IR", "AF", "CN", "SG")} == {
        "PL": "pl", "LV": "lv", "IR": "fa", "AF": "fa", "CN": "zh-hans", "SG": "zh-hans",
    }  # fmt: skip
    assert {store.country_languages[code] for code in ("TW", "HK", "MO")} == {"zh-hant"}


def test_owner_changes_the_settings_and_the_audit_log_names_each_change(store):
    # given
    owner = make_staff(store, Role.OWNER)

    # when
    changed = update_store_settings(
        store=store,
        actor=actor_for(owner),
        changes=valid(
            store,
            name="  Sklep Ani  ",
            timezone="Europe/Warsaw",
            currency="eur",
            support_email="pomoc@sklep-ania.pl",
            storefront_origins="https://sklep-ania.pl\nhttps://www.sklep-ania.pl/",
            country_languages=[("de", "en"), ("PL", "pl")],
        ),
    )

    # then
    store.refresh_from_db()
    assert changed == [
        "name",
        "timezone",
        "currency",
        "support_email",
        "storefront_origins",
        "country_languages",
    ]
    assert (store.name, store.timezone, store.currency, store.support_email) == (
        "Sklep Ani", "Europe/Warsaw", "EUR", "pomoc@sklep-ania.pl",
    )  # fmt: skip
    assert store.storefront_origins == "https://sklep-ania.pl\nhttps://www.sklep-ania.pl"
    # (rows for a language this installation does not ship are kept: see the test below)
    assert {c: lang for c, lang in store.country_languages.items() if lang != "zh-hant"} == {
        "DE": "en",
        "PL": "pl",
    }
    [entry] = AuditLog.objects.filter(store=store)
    assert (entry.action, entry.actor, entry.target, entry.ip) == (
        "store.settings_changed", owner, "sklep-ania", "198.51.100.7",
    )  # fmt: skip
    assert entry.detail["timezone"] == {"from": "UTC", "to": "Europe/Warsaw"}
    assert entry.detail["currency"] == {"from": "PLN", "to": "EUR"}
    assert entry.detail["country_languages"]["to"] == store.country_languages
    assert set(entry.detail) == set(changed)


def test_saving_unchanged_settings_writes_nothing(store):
    owner = make_staff(store, Role.OWNER)

    assert update_store_settings(store=store, changes=valid(store), actor=actor_for(owner)) == []
    assert AuditLog.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "   ", "A store needs a name."),
        ("name", "x" * 201, "at most 200 characters"),
        ("name", "Sklep\x00", "cannot contain a control character U+0000"),
        ("name", "Sklep \u202eainA", "cannot contain a bidirectional control character U+202E"),
        ("default_language", "de", "Language must be one of en, pl, lv, fa, zh-hans"),
        ("timezone", "Europe/Warsow", "Unknown time zone 'Europe/Warsow'"),
        ("timezone", "../../etc/passwd", "Unknown time zone"),
        ("currency", "EURO", "Unknown currency 'EURO'"),
        ("currency", "ABC", "Unknown currency 'ABC'"),
        ("support_email", "pomoc(at)sklep.pl", "'pomoc(at)sklep.pl' is not an email address."),
        ("storefront_origins", "https://shop.example.com/path", "is not a storefront address"),
        ("storefront_origins", "javascript:alert(1)", "is not a storefront address"),
        ("country_languages", [("XX", "pl")], "'XX' is not a country code like PL."),
        ("country_languages", [("PL", "de")], "Language must be one of"),
        ("country_languages", [("PL", "pl"), ("pl", "en")], "PL is listed twice."),
    ],
)
def test_a_bad_field_is_refused_by_name_and_nothing_is_saved(store, field, value, message):
    owner = make_staff(store, Role.OWNER)
    before = StoreSettings.of(store)

    with pytest.raises(SettingsInvalid) as refused:
        update_store_settings(
            store=store, changes=valid(store, **{"name": "Sklep Ani", field: value}), actor=actor_for(owner)
        )

    assert list(refused.value.errors) == [field]
    assert message in refused.value.errors[field]
    assert (refused.value.status, refused.value.field) == (422, field)
    store.refresh_from_db()
    assert StoreSettings.of(store) == before  # the valid new name was not saved either
    assert AuditLog.objects.count() == 0


def test_every_bad_field_is_named_at_once(store):
    owner = make_staff(store, Role.OWNER)

    with pytest.raises(SettingsInvalid) as refused:
        update_store_settings(
            store=store,
            changes=valid(store, name="", timezone="Mars/Olympus", currency="ZZZ"),
            actor=actor_for(owner),
        )

    assert list(refused.value.errors) == ["name", "timezone", "currency"]


def test_an_agent_may_not_change_the_settings(store):
    agent = make_staff(store, Role.AGENT)

    with pytest.raises(Forbidden):
        update_store_settings(store=store, changes=valid(store, name="Mine now"), actor=actor_for(agent))

    store.refresh_from_db()
    assert store.name == "Sklep Ania"


def test_an_admin_may_change_the_settings(store):
    admin = make_staff(store, Role.ADMIN)

    assert update_store_settings(
        store=store, changes=valid(store, currency="EUR"), actor=actor_for(admin)
    ) == ["currency"]


def test_a_country_mapped_to_a_language_not_shipped_is_kept_but_not_used(store, settings):
    # given the default map points Taiwan at zh-hant, which this installation may not ship
    settings.LANGUAGES = [code for code in settings.LANGUAGES if code[0] != "zh-hant"]
    owner = make_staff(store, Role.OWNER)

    # when a save lists only the shipped rows (as the page does)
    shown = [(c, lang) for c, lang in store.country_languages.items() if lang != "zh-hant"]
    update_store_settings(store=store, changes=valid(store, country_languages=shown), actor=actor_for(owner))

    # then the row stays for when the language ships, and meanwhile the store's language applies
    store.refresh_from_db()
    assert store.country_languages["TW"] == "zh-hant"
    assert language_for_country(store, "TW") == ""
    settings.LANGUAGES = [*settings.LANGUAGES, ("zh-hant", "繁體中文")]
    assert language_for_country(store, "tw") == "zh-hant"


@pytest.mark.parametrize(
    ("country", "expected"),
    [("PL", "pl"), ("lv", "lv"), ("IR", "fa"), ("CN", "zh-hans"), ("DE", ""), ("", "")],
)
def test_language_for_country(store, country, expected):
    assert language_for_country(store, country) == expected


def test_a_user_creates_a_store_and_becomes_its_owner_with_two_keys_shown_once(store):
    # given someone who works in another store
    user = make_staff(store, Role.AGENT, email="kasia@example.com")

    # when
    created = create_store_for(
        user=user, name="Kasia's Shop", currency="pln", timezone="Europe/Warsaw", language="pl",
        actor=actor_for(user),
    )  # fmt: skip

    # then
    new = Store.objects.get(pk=created.store.pk)
    assert (new.name, new.currency, new.timezone, new.default_language) == (
        "Kasia's Shop", "PLN", "Europe/Warsaw", "pl",
    )  # fmt: skip
    assert Membership.objects.get(store=new, user=user).role == Role.OWNER
    assert queries.get_store_for_api_key(created.secret_key) == new
    assert queries.get_store_for_api_key(created.publishable_key, allow_publishable=True) == new
    secret = ApiKey.objects.get(store=new, kind=ApiKey.Kind.SECRET)
    assert secret.public_key == "" and created.secret_key not in str(list(ApiKey.objects.values()))
    assert queries.get_storefront_key(new).public_key == created.publishable_key
    [entry] = AuditLog.objects.filter(store=new)
    assert (entry.action, entry.actor) == ("store.created", user)


def test_a_store_with_bad_fields_is_not_created(db):
    user = get_user_model().objects.create_user(username="a@example.com", email="a@example.com")

    with pytest.raises(SettingsInvalid) as refused:
        create_store_for(
            user=user, name="", currency="XYZ1", timezone="Nowhere", language="xx", actor=actor_for(user)
        )

    assert list(refused.value.errors) == ["name", "currency", "timezone", "default_language"]
    assert Store.objects.count() == 0 and Membership.objects.count() == 0


def test_only_publishable_keys_are_kept_readable(store):
    _, secret = services.create_api_key(store=store, name="server")
    key, publishable = services.create_api_key(store=store, name="storefront", kind="publishable")

    assert key.public_key == publishable
    assert ApiKey.objects.get(key_hash=ApiKey.hash_key(secret)).public_key == ""
    assert queries.get_storefront_key(store) == key


def test_a_revoked_publishable_key_is_not_the_storefront_key(store):
    key, _ = services.create_api_key(store=store, name="storefront", kind="publishable")
    ApiKey.objects.filter(pk=key.pk).update(revoked_at=key.created_at)

    assert queries.get_storefront_key(store) is None
