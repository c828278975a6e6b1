"""A store's connection to its platform's admin API: set by owners, read by the actions."""

import ipaddress
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from cxloop.core import audit
from cxloop.core.encryption import DecryptionError
from cxloop.core.errors import InvalidInput
from cxloop.core.models import AuditLog, Platform

from ..models import PlatformConnection
from .results import ActionError, NotConnected

ACTION_PLATFORMS = (Platform.SHOPIFY, Platform.WOOCOMMERCE)
DEFAULT_SHOPIFY_API_VERSION = "2026-10"
API_VERSION = re.compile(r"^20[0-9]{2}-(01|04|07|10)$")
MYSHOPIFY = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


SECRETS = ("access_token", "consumer_key", "consumer_secret")


def get_connection(store, platform: str) -> PlatformConnection:
    """The store's connection to `platform`, credentials decrypted; NotConnected (in words) if none.

    Credentials that no configured key decrypts give an ActionError saying so.
    """
    try:
        connection = PlatformConnection.objects.filter(store=store, platform=platform).first()
    except DecryptionError:
        raise ActionError(
            _("The saved credentials for this store cannot be read: the server's encryption keys "
              "changed. An owner can set them again under Integrations."), code="credentials_unreadable",
        ) from None  # fmt: skip
    if connection is None:
        label = Platform(platform).label if platform in Platform.values else platform
        raise NotConnected(
            _("cxloop is not connected to this store's %(platform)s admin. An owner can connect "
              "it under Integrations.") % {"platform": label}
        )  # fmt: skip
    return connection


def list_connections(store) -> dict[str, PlatformConnection]:
    """The store's connections by platform, credentials not loaded (nor decrypted): for display."""
    return {c.platform: c for c in PlatformConnection.objects.filter(store=store).defer(*SECRETS)}


@transaction.atomic
def set_platform_connection(
    *, store, platform: str, address: str, access_token: str = "", consumer_key: str = "",
    consumer_secret: str = "", api_version: str = "", actor: audit.Actor | None = None,
) -> PlatformConnection:  # fmt: skip
    """Save (create or replace) how cxloop reaches the store's admin API.

    Credentials left empty keep the ones saved before, so an owner can change
    the address or version without typing the token again. Written to the
    audit log (address and platform, never a credential) when an actor is
    given. Raises InvalidInput naming the field at fault, saving nothing.
    """
    if platform not in ACTION_PLATFORMS:
        raise InvalidInput(_("Actions are available for Shopify and WooCommerce."), field="platform")
    try:
        existing = (
            PlatformConnection.objects.select_for_update().filter(store=store, platform=platform).first()
        )
    except DecryptionError:
        # Unreadable credentials (the keys changed): replacing them is the way out, so start afresh.
        PlatformConnection.objects.filter(store=store, platform=platform).delete()
        existing = None
    base_url = normalise_address(platform, address)
    connection = existing or PlatformConnection(store=store, platform=platform)
    connection.base_url = base_url
    if platform == Platform.SHOPIFY:
        connection.api_version = _api_version(api_version)
        _set_secret(connection, "access_token", access_token, existing)
        connection.credential_hint = connection.access_token[-4:]
    else:
        connection.api_version = ""
        _set_secret(connection, "consumer_key", consumer_key, existing)
        _set_secret(connection, "consumer_secret", consumer_secret, existing)
        connection.credential_hint = connection.consumer_key[-4:]
    connection.save()
    if actor is not None:
        audit.record(
            store=store, actor=actor, action=AuditLog.Action.PLATFORM_CONNECTION_SET, target=platform,
            detail={"address": base_url, "api_version": connection.api_version,
                    "credentials_changed": bool(access_token or consumer_key or consumer_secret)},
        )  # fmt: skip
    return connection


def _set_secret(connection, name: str, value: str, existing) -> None:
    value = (value or "").strip()
    if value:
        if len(value) > 500 or any(c.isspace() for c in value):
            raise InvalidInput(
                _("This does not look like a credential: no spaces, at most 500 characters."), field=name
            )
        setattr(connection, name, value)
    elif existing is None or not getattr(existing, name):
        raise InvalidInput(_("This credential is required."), field=name)


def _api_version(value: str) -> str:
    value = (value or "").strip() or DEFAULT_SHOPIFY_API_VERSION
    if not API_VERSION.match(value):
        raise InvalidInput(_('An API version looks like "2026-10".'), field="api_version")
    return value


def normalise_address(platform: str, address: str) -> str:
    """`https://host` (and a path, for WooCommerce) from what an owner typed; InvalidInput if unusable.

    Shopify needs the shop's *.myshopify.com address. Plain http is refused,
    except to this machine with DEBUG on or in the tests (the fake platforms).
    """
    raw = (address or "").strip().rstrip("/")
    if raw and "://" not in raw:
        raw = "https://" + raw
    parts = urlsplit(raw)
    host = (parts.hostname or "").lower()
    local = host in LOCAL_HOSTS and (settings.DEBUG or getattr(settings, "TESTING", False))
    if not host or parts.username or parts.password or parts.query or parts.fragment:
        raise InvalidInput(_("Enter the store's address, like https://shop.example.com."), field="address")
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        raise InvalidInput(_("The address must start with https://."), field="address")
    if platform == Platform.SHOPIFY and not (MYSHOPIFY.match(host) or local):
        raise InvalidInput(
            _("Enter the shop's myshopify.com address, like anna.myshopify.com."), field="address"
        )
    if not local and _is_ip_literal(host):
        raise InvalidInput(_("Enter the store's domain name, not an IP address."), field="address")
    port = f":{parts.port}" if parts.port else ""
    path = parts.path.rstrip("/") if platform == Platform.WOOCOMMERCE else ""
    return f"{parts.scheme}://{host}{port}{path}"


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True
