"""The store settings page (owners and admins), creating a store from the staff pages, team names."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from cxloop.core.models import ApiKey, AuditLog, Membership, Store
from cxloop.core.store_settings import StoreSettings
from cxloop.testing.fixtures import make_staff

pytestmark = pytest.mark.django_db
Role = Membership.Role
URL = "/settings/"


def signed_in(user) -> Client:
    client = Client(REMOTE_ADDR="198.51.100.23", HTTP_USER_AGENT="Firefox/140")
    client.force_login(user)
    return client


def form_of(store, **changes) -> dict:
    values = StoreSettings.of(store)
    data = {
        "name": values.name,
        "default_language": values.default_language,
        "timezone": values.timezone,
        "currency": values.currency,
        "support_email": values.support_email,
        "storefront_origins": values.storefront_origins,
        "country": list(values.country_languages),
        "country_language": list(values.country_languages.values()),
    }
    return data | changes


def test_owner_sees_the_settings_with_the_navigation_link(store, owner):
    page = signed_in(owner).get(URL)

    assert page.status_code == 200
    html = page.content.decode()
    assert f'href="{URL}" aria-current="page"' in html
    assert 'value="Sklep Ania"' in html
    assert '<option value="Europe/Warsaw">' in html  # the time zone list to search
    countries = re.findall(r'id="country-\d+" name="country" value="([A-Z]{2})"', html)
    assert "PL" in countries and countries == sorted(countries)  # the same order on every database


def test_owner_saves_the_time_zone_and_sees_it_saved(store, owner):
    client = signed_in(owner)

    saved = client.post(URL, form_of(store, timezone="Asia/Tehran", support_email="help@sklep-ania.pl"))

    assert (saved.status_code, saved["Location"]) == (302, URL)
    store.refresh_from_db()
    assert (store.timezone, store.support_email) == ("Asia/Tehran", "help@sklep-ania.pl")
    page = client.get(URL)
    assert "The store&#x27;s settings were saved." in page.content.decode()
    entry = AuditLog.objects.get(store=store)
    assert entry.detail == {
        "timezone": {"from": "UTC", "to": "Asia/Tehran"},
        "support_email": {"from": "", "to": "help@sklep-ania.pl"},
    }
    log = client.get(reverse("web:audit-log")).content.decode()
    assert "Changed the store&#x27;s settings" in log
    assert "Time zone: <bdi>UTC → Asia/Tehran</bdi>" in log


def test_admin_may_save_the_settings(store):
    admin = make_staff(store, Role.ADMIN)

    assert signed_in(admin).post(URL, form_of(store, currency="EUR")).status_code == 302
    store.refresh_from_db()
    assert store.currency == "EUR"


def test_agent_neither_sees_nor_changes_the_settings(store, agent):
    client = signed_in(agent)

    assert client.get(URL).status_code == 403
    assert client.post(URL, form_of(store, name="Agent's shop")).status_code == 403
    store.refresh_from_db()
    assert store.name == "Sklep Ania"
    assert f'href="{URL}"' not in client.get("/").content.decode()


def test_bad_fields_answer_422_naming_each_and_change_nothing(store, owner):
    before = StoreSettings.of(store)

    page = signed_in(owner).post(
        URL,
        form_of(
            store,
            name="Renamed",
            timezone="Europe/Warsow",
            currency="EURO",
            support_email="not-an-address",
            storefront_origins="ftp://shop.example.com",
            country=["PL", "QQ"],
            country_language=["pl", "pl"],
        ),
    )

    assert page.status_code == 422
    html = page.content.decode()
    assert "Nothing was saved. Correct the fields marked below." in html
    for error_id, text in [
        ("settings-timezone-error", "Unknown time zone &#x27;Europe/Warsow&#x27;"),
        ("settings-currency-error", "Unknown currency &#x27;EURO&#x27;"),
        ("settings-support-email-error", "is not an email address."),
        ("settings-origins-error", "is not a storefront address"),
        ("country-languages-error", "&#x27;QQ&#x27; is not a country code like PL."),
    ]:
        assert f'<p class="field__error" id="{error_id}">' in html and text in html
    assert 'value="Europe/Warsow"' in html  # what was typed stays, to be corrected
    assert "settings-name-error" not in html
    store.refresh_from_db()
    assert StoreSettings.of(store) == before
    assert AuditLog.objects.count() == 0


def test_a_country_row_left_empty_is_dropped_and_a_new_one_added(store, owner):
    data = form_of(store)
    data["country"] = [c if c != "PL" else "" for c in data["country"]] + ["de"]
    data["country_language"] = [*data["country_language"], "pl"]

    assert signed_in(owner).post(URL, data).status_code == 302

    store.refresh_from_db()
    assert "PL" not in store.country_languages
    assert store.country_languages["DE"] == "pl"


def test_another_stores_settings_are_untouched(store, other_store, owner):
    signed_in(owner).post(URL, form_of(store, name="Renamed"))

    other_store.refresh_from_db()
    assert other_store.name == "Other Shop"


def test_a_user_creates_a_store_sees_its_keys_once_and_works_in_it(store, owner):
    client = signed_in(owner)

    page = client.post(
        reverse("web:store-new"),
        {"name": "Ania Outlet", "currency": "EUR", "timezone": "Europe/Warsaw", "default_language": "pl"},
    )

    assert page.status_code == 200
    new = Store.objects.get(name="Ania Outlet")
    html = page.content.decode()
    secret = ApiKey.objects.get(store=new, kind="secret")
    publishable = ApiKey.objects.get(store=new, kind="publishable")
    [raw_secret] = re.findall(r"cxk_[0-9a-f]{12}_[A-Za-z0-9_-]{20,}", html)
    assert ApiKey.hash_key(raw_secret) == secret.key_hash
    assert publishable.public_key in html
    assert Membership.objects.get(store=new, user=owner).role == Role.OWNER
    # the new store is the current one; the header switches between the two
    overview = client.get("/").content.decode()
    assert '<span class="topbar__store"><bdi>Ania Outlet</bdi></span>' in overview
    assert f'<option value="{store.pk}">Sklep Ania</option>' in overview
    # and the keys are not shown again
    assert raw_secret not in client.get(reverse("commerce:integrations")).content.decode()


def test_a_store_with_bad_fields_is_not_created_and_each_is_named(owner):
    page = signed_in(owner).post(
        reverse("web:store-new"),
        {"name": " ", "currency": "EURO", "timezone": "UTC", "default_language": "pl"},
    )

    assert page.status_code == 422
    html = page.content.decode()
    assert 'id="store-name-error">A store needs a name.' in html
    assert 'id="store-currency-error">Unknown currency' in html
    assert Store.objects.count() == 1


def test_someone_without_a_store_can_create_one(db):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(username="new@example.com", email="new@example.com")
    client = signed_in(user)

    assert 'href="/stores/new/"' in client.get("/").content.decode()
    client.post(
        reverse("web:store-new"),
        {"name": "Fresh", "currency": "USD", "timezone": "UTC", "default_language": "en"},
    )
    assert client.get("/").status_code == 200


def test_a_signed_out_visitor_is_sent_to_sign_in(db):
    page = Client().get(reverse("web:store-new"))

    assert page.status_code == 302 and page["Location"].startswith("/login/")


def test_team_page_writes_a_chinese_name_family_name_first(store, owner):
    colleague = make_staff(store, Role.AGENT, email="wei@example.cn")
    colleague.first_name, colleague.last_name = "伟", "王"
    colleague.save()
    owner.first_name, owner.last_name = "Anna", "Kowalska"
    owner.save()

    html = signed_in(owner).get(reverse("web:team")).content.decode()

    assert "<bdi>王伟</bdi>" in html and "伟 王" not in html
    assert "<bdi>Anna Kowalska</bdi>" in html
