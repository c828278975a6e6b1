"""A store's settings, as its owners and admins edit them: checked whole, saved whole, audited.

    update_store_settings(store=store, actor=Actor.from_request(request), changes=StoreSettings(
        name="Sklep Ania", default_language="pl", timezone="Europe/Warsaw", currency="PLN",
        support_email="pomoc@sklep-ania.pl", storefront_origins="https://sklep-ania.pl",
        country_languages={"PL": "pl", "DE": "en"},
    ))

Every field is checked before anything is written: bad input raises
`SettingsInvalid` with one message per field, and the store stays as it was.
A saved change writes one audit row naming each changed field, before and after.
Creating a store from the staff pages (its creator becomes its owner) is here too.
"""

import zoneinfo
from dataclasses import dataclass, field, replace
from functools import lru_cache

from babel import Locale
from babel.numbers import list_currencies
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from . import audit, services
from .audit import Actor
from .errors import InvalidInput
from .members import authority, lock_team
from .models import AuditLog, Membership, Store
from .textchecks import find_forbidden_character

MAX_NAME = 200
MAX_COUNTRY_LANGUAGES = 300
# CLDR regions that are not countries a customer lives in.
NOT_COUNTRIES = {"ZZ", "EU", "EZ", "UN", "QO"}


class SettingsInvalid(InvalidInput):
    """Some fields were refused; `errors` holds one message per field name."""

    def __init__(self, errors: dict[str, str]):
        first = next(iter(errors))
        super().__init__(errors[first], field=first)
        self.errors = errors


@dataclass
class StoreSettings:
    """The editable settings of a store (as submitted, or as stored)."""

    name: str
    default_language: str
    timezone: str
    currency: str
    support_email: str = ""
    storefront_origins: str = ""
    country_languages: dict[str, str] | list[tuple[str, str]] = field(default_factory=dict)

    @classmethod
    def of(cls, store: Store) -> "StoreSettings":
        return cls(
            name=store.name,
            default_language=store.default_language,
            timezone=store.timezone,
            currency=store.currency,
            support_email=store.support_email,
            storefront_origins=store.storefront_origins,
            # Sorted by code: PostgreSQL's jsonb keeps no key order, so the page would differ by database.
            country_languages=dict(sorted((store.country_languages or {}).items())),
        )


def shipped_languages() -> list[str]:
    """The language codes cxloop speaks (settings.LANGUAGES), in their order."""
    return [code for code, _name in settings.LANGUAGES]


@lru_cache(maxsize=1)
def list_timezones() -> list[str]:
    """Every IANA time zone name this machine knows, sorted."""
    return sorted(zoneinfo.available_timezones())


@lru_cache(maxsize=1)
def list_currency_codes() -> list[str]:
    """ISO 4217 currency codes (CLDR, through Babel), sorted."""
    return sorted(list_currencies())


@lru_cache(maxsize=1)
def list_country_codes() -> list[str]:
    """ISO 3166-1 alpha-2 country codes (CLDR, through Babel), sorted."""
    return sorted(
        code
        for code in Locale("en").territories
        if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES
    )


def check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidInput("A store needs a name.", field="name")
    if len(name) > MAX_NAME:
        raise InvalidInput(f"A store's name has at most {MAX_NAME} characters.", field="name")
    if problem := find_forbidden_character(name):
        raise InvalidInput(f"A store's name cannot contain a {problem}.", field="name")
    return name


def check_language(code: str, *, field: str = "default_language") -> str:
    code = (code or "").strip().lower()
    if code not in shipped_languages():
        raise InvalidInput(
            f"Language must be one of {', '.join(shipped_languages())}, not {code[:20]!r}.", field=field
        )
    return code


def check_timezone(name: str) -> str:
    name = (name or "").strip()
    if name not in list_timezones():
        raise InvalidInput(
            f"Unknown time zone {name[:64]!r}: use an IANA name like Europe/Warsaw.", field="timezone"
        )
    return name


def check_currency(code: str) -> str:
    code = (code or "").strip().upper()
    if code not in list_currency_codes():
        raise InvalidInput(
            f"Unknown currency {code[:10]!r}: use an ISO 4217 code like EUR.", field="currency"
        )
    return code


def check_support_email(email: str) -> str:
    email = (email or "").strip()
    if not email:
        return ""
    try:
        if len(email) > 254:
            raise ValidationError("too long")
        validate_email(email)
    except ValidationError:
        raise InvalidInput(f"{email[:80]!r} is not an email address.", field="support_email") from None
    return email


def check_country_languages(mapping: dict | list) -> dict[str, str]:
    """Country code -> shipped language, from a dict or (country, language) rows; sorted by country.

    Codes are upper-cased; a country listed twice, an unknown country or a
    language cxloop does not speak raises InvalidInput.
    """
    if isinstance(mapping, dict):
        mapping = list(mapping.items())
    if not isinstance(mapping, list):
        raise InvalidInput(
            "Give the languages per country as country code -> language.", field="country_languages"
        )
    if len(mapping) > MAX_COUNTRY_LANGUAGES:
        raise InvalidInput(f"At most {MAX_COUNTRY_LANGUAGES} countries.", field="country_languages")
    checked = {}
    for country, language in mapping:
        code = str(country or "").strip().upper()
        if code not in list_country_codes():
            raise InvalidInput(f"{code[:10]!r} is not a country code like PL.", field="country_languages")
        if code in checked:
            raise InvalidInput(f"{code} is listed twice.", field="country_languages")
        checked[code] = check_language(str(language or ""), field="country_languages")
    return dict(sorted(checked.items()))


def check_settings(changes: StoreSettings) -> StoreSettings:
    """Every field checked and normalised; raises SettingsInvalid naming each bad field."""
    checks = {
        "name": lambda: check_name(changes.name),
        "default_language": lambda: check_language(changes.default_language),
        "timezone": lambda: check_timezone(changes.timezone),
        "currency": lambda: check_currency(changes.currency),
        "support_email": lambda: check_support_email(changes.support_email),
        "storefront_origins": lambda: "\n".join(
            services.check_storefront_origins(changes.storefront_origins)
        ),
        "country_languages": lambda: check_country_languages(changes.country_languages),
    }
    values, errors = {}, {}
    for name, check in checks.items():
        try:
            values[name] = check()
        except InvalidInput as error:
            errors[name] = error.message
    if errors:
        raise SettingsInvalid(errors)
    return StoreSettings(**values)


def update_store_settings(*, store: Store, changes: StoreSettings, actor: Actor) -> list[str]:
    """Save a store's settings; return the names of the fields that changed.

    Owners and admins only (Forbidden otherwise). Nothing is written unless
    every field is valid (SettingsInvalid). One audit row lists each changed
    field with its value before and after; an unchanged form writes nothing.
    """
    checked = check_settings(_without_kept_rows(changes, store))
    with transaction.atomic():
        authority(store, actor)
        lock_team(store)
        store.refresh_from_db()
        before = StoreSettings.of(store)
        # Countries mapped to a language this installation does not ship (yet) are
        # not shown on the page, so they are kept rather than dropped by a save.
        kept = {
            country: language for country, language in before.country_languages.items()
            if language not in shipped_languages() and country not in checked.country_languages
        }  # fmt: skip
        checked.country_languages = dict(sorted({**checked.country_languages, **kept}.items()))
        changed = [
            name for name in checked.__dataclass_fields__ if getattr(before, name) != getattr(checked, name)
        ]
        if not changed:
            return []
        for name in changed:
            setattr(store, name, getattr(checked, name))
        store.save(update_fields=changed)
        audit.record(
            store=store, actor=actor, action=AuditLog.Action.STORE_SETTINGS_CHANGED, target=store.slug,
            detail={name: {"from": getattr(before, name), "to": getattr(checked, name)} for name in changed},
        )  # fmt: skip
    return changed


def _without_kept_rows(changes: StoreSettings, store: Store) -> StoreSettings:
    """The changes less the stored rows for a language not shipped (yet), given back unchanged."""
    rows = changes.country_languages
    rows = list(rows.items()) if isinstance(rows, dict) else list(rows)
    stored, shipped = store.country_languages or {}, shipped_languages()
    rows = [
        (country, language) for country, language in rows
        if language in shipped or stored.get(str(country).strip().upper()) != language
    ]  # fmt: skip
    return replace(changes, country_languages=rows)


@dataclass(frozen=True)
class NewStore:
    store: Store
    secret_key: str
    publishable_key: str


def create_store_for(
    *, user, name: str, currency: str, timezone: str, language: str, actor: Actor
) -> NewStore:
    """Create a store whose owner is `user`, with a secret and a publishable API key.

    The raw keys are returned to be shown once. Bad input raises SettingsInvalid
    naming each bad field, and nothing is created.
    """
    errors = {}
    for field_name, check in (
        ("name", lambda: check_name(name)),
        ("currency", lambda: check_currency(currency)),
        ("timezone", lambda: check_timezone(timezone)),
        ("default_language", lambda: check_language(language)),
    ):
        try:
            check()
        except InvalidInput as error:
            errors[field_name] = error.message
    if errors:
        raise SettingsInvalid(errors)
    with transaction.atomic():
        store, secret_key = services.create_store(
            name=check_name(name), currency=check_currency(currency),
            timezone=check_timezone(timezone), language=check_language(language),
        )  # fmt: skip
        _, publishable_key = services.create_api_key(store=store, name="storefront", kind="publishable")
        Membership.objects.create(store=store, user=user, role=Membership.Role.OWNER)
        audit.record(store=store, actor=actor, action=AuditLog.Action.STORE_CREATED, target=store.slug)
    return NewStore(store=store, secret_key=secret_key, publishable_key=publishable_key)


def language_for_country(store: Store, country: str) -> str:
    """The language the store asks customers of `country` in, or "" (then the store's language applies).

    A mapped language cxloop does not speak is skipped.
    """
    code = (country or "").strip().upper()
    language = (store.country_languages or {}).get(code, "") if code else ""
    return language if language in shipped_languages() else ""
