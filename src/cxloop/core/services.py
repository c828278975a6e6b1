"""Writes for stores, staff and credentials."""

import re
import secrets
import zoneinfo
from collections.abc import Callable
from urllib.parse import urlsplit

from babel.numbers import list_currencies
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from . import audit
from .audit import Actor
from .errors import Conflict, InvalidInput
from .identity import generate_identity_secret
from .models import ApiKey, AuditLog, Membership, Store, WebhookSecret
from .queries import WEBHOOK_PLATFORMS

StoreCreatedListener = Callable[[Store], object]
STORE_CREATED_LISTENERS: list[StoreCreatedListener] = []


def register_store_created_listener(listener: StoreCreatedListener) -> None:
    """Call `listener(store)` in the transaction of every new store, once per listener: an app gives the
    store what it starts with (the help centre its usual categories); a listener that raises rolls the
    store back."""
    if listener not in STORE_CREATED_LISTENERS:
        STORE_CREATED_LISTENERS.append(listener)


def _supported_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def _check_currency(currency: str) -> str:
    code = (currency or "").strip().upper()
    if code not in list_currencies():
        raise InvalidInput(f"Currency must be an ISO 4217 code like EUR, got {currency!r}.", field="currency")
    return code


def _check_timezone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"Unknown time zone {name!r}.", field="timezone") from None
    return name


# Letters that do not decompose into ASCII under NFKD, so slugify would drop them.
_SLUG_LETTERS = str.maketrans(
    {"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ø": "o", "Ø": "O", "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe"}
)  # noqa: E501


def _unique_slug(name: str) -> str:
    base = slugify(name.translate(_SLUG_LETTERS))[:50].strip("-") or "store"
    slug, n = base, 2
    while Store.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def create_store(
    *, name: str, currency: str, timezone: str = "UTC", language: str = "en", slug: str = ""
) -> tuple[Store, str]:
    """Create a store, its first API key and what the apps start it with (their store-created
    listeners); return (store, raw key shown once)."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput("A store needs a name.", field="name")
    if language not in _supported_languages():
        raise InvalidInput(f"Language must be one of {', '.join(_supported_languages())}.", field="language")
    if slug and Store.objects.filter(slug=slug).exists():
        raise Conflict(f"A store with slug {slug!r} already exists.", field="slug")
    store = Store.objects.create(
        name=name,
        slug=slug or _unique_slug(name),
        currency=_check_currency(currency),
        timezone=_check_timezone(timezone),
        default_language=language,
    )
    _, raw = create_api_key(store=store, name="default")
    for listener in STORE_CREATED_LISTENERS:
        listener(store)
    return store, raw


def create_api_key(*, store: Store, name: str = "default", kind: str = "secret") -> tuple[ApiKey, str]:
    """Create an API key; return (row, raw key). Only the hash is kept.

    A publishable key (for the storefront snippet) can only send events; it
    is public by design, so it is also kept readable (docs/adr/0007).
    """
    if kind not in ApiKey.Kind.values:
        raise InvalidInput("Key kind must be secret or publishable.", field="kind")
    raw, lookup = ApiKey.generate(kind)
    key = ApiKey.objects.create(
        store=store, name=name, kind=kind, lookup=lookup, key_hash=ApiKey.hash_key(raw),
        public_key=raw if kind == ApiKey.Kind.PUBLISHABLE else "",
    )  # fmt: skip
    return key, raw


MAX_STOREFRONT_ORIGINS = 20
HOST_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")


def _check_origin(text: str) -> str:
    """One storefront origin in the form a CSP source takes: scheme://host[:port], host in ASCII."""
    shown = text if len(text) <= 80 else text[:77] + "..."
    problem = InvalidInput(
        f"{shown!r} is not a storefront address like https://shop.example.com.", field="storefront_origins"
    )
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise problem from None
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.username or parts.password:
        raise problem
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise problem
    wildcard = parts.hostname.startswith("*.")
    host = parts.hostname[2:] if wildcard else parts.hostname
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise problem from None
    labels = host.split(".")
    if len(host) > 253 or not all(HOST_LABEL.fullmatch(label) for label in labels):
        raise problem
    origin = f"{parts.scheme}://{'*.' if wildcard else ''}{host}"
    return f"{origin}:{port}" if port else origin


def set_storefront_origins(*, store: Store, origins: str) -> list[str]:
    """Set the storefront addresses that may show the survey widget (one per line or space apart).

    An empty list falls back to the installation's CXLOOP_WIDGET_FRAME_ANCESTORS.
    """
    checked = check_storefront_origins(origins)
    store.storefront_origins = "\n".join(checked)
    store.save(update_fields=["storefront_origins"])
    return checked


def check_storefront_origins(origins: str) -> list[str]:
    """Storefront addresses (one per line or space apart) checked and normalised; raises InvalidInput."""
    entries = (origins or "").split()
    if len(entries) > MAX_STOREFRONT_ORIGINS:
        raise InvalidInput(
            f"At most {MAX_STOREFRONT_ORIGINS} storefront addresses, not {len(entries)}.",
            field="storefront_origins",
        )
    return list(dict.fromkeys(_check_origin(entry) for entry in entries))


@transaction.atomic
def set_webhook_secret(
    *,
    store: Store,
    platform: str,
    secret: str,
    api_token: str = "",
    external_store_id: str = "",
    actor: Actor | None = None,
) -> WebhookSecret:
    """Set (or replace) the secret a platform signs this store's webhooks with.

    With an `actor` (staff or the command line), the change is written to the
    audit log in the same transaction; the secret itself never is.
    """
    if platform not in WEBHOOK_PLATFORMS:
        raise InvalidInput("Platform must be shopify, woocommerce or ecwid.", field="platform")
    secret = (secret or "").strip()
    if len(secret) < 8:
        raise InvalidInput("A webhook secret must be at least 8 characters.", field="secret")
    row, _ = WebhookSecret.objects.update_or_create(
        store=store,
        platform=platform,
        defaults={"secret": secret, "api_token": api_token, "external_store_id": external_store_id},
    )
    if actor is not None:
        audit.record(store=store, actor=actor, action=AuditLog.Action.WEBHOOK_SECRET_SET, target=platform)
    return row


@transaction.atomic
def add_staff(
    *, store: Store, email: str, role: str, password: str | None = None
) -> tuple[object, str | None]:
    """Give a person a role in a store, creating their account if needed.

    Returns (user, generated password or None). An existing membership has its
    role changed.
    """
    email = (email or "").strip().lower()
    if "@" not in email or len(email) > 254:
        raise InvalidInput(f"{email!r} is not an email address.", field="email")
    if role not in Membership.Role.values:
        raise InvalidInput("Role must be owner, admin or agent.", field="role")
    User = get_user_model()
    user = User.objects.filter(username=email).first()
    generated = None
    if user is None:
        if password is None:
            password = generated = secrets.token_urlsafe(12)
        try:
            user = User.objects.create_user(username=email, email=email, password=password)
        except IntegrityError:
            raise Conflict(f"A user {email} already exists.") from None
    elif password:
        user.set_password(password)
        user.save(update_fields=["password"])
    Membership.objects.update_or_create(user=user, store=store, defaults={"role": role})
    return user, generated


@transaction.atomic
def rotate_identity_secret(*, store: Store, actor: Actor | None = None) -> str:
    """Replace the store's identity secret; return the new one.

    The old secret stops working at once, with no grace period: an identify
    signed with it is still stored, only attributed to no customer, and the
    next identify signed with the new secret links that visitor's earlier
    events. A leaked secret, on the other hand, must not keep working.
    """
    store.identity_secret = generate_identity_secret()
    store.identity_secret_rotated_at = timezone.now()
    store.identity_mismatches = 0
    store.identity_mismatch_at = None
    store.save(
        update_fields=[
            "identity_secret", "identity_secret_rotated_at", "identity_mismatches", "identity_mismatch_at",
        ]
    )  # fmt: skip
    if actor is not None:
        audit.record(
            store=store, actor=actor, action=AuditLog.Action.IDENTITY_SECRET_ROTATED, target=store.slug
        )
    return store.identity_secret


def record_identity_mismatches(*, store: Store, count: int) -> None:
    """Count storefront identify calls whose identity_hash did not match (shown on the integrations page)."""
    if count:
        Store.objects.filter(pk=store.pk).update(
            identity_mismatches=F("identity_mismatches") + count, identity_mismatch_at=timezone.now()
        )
