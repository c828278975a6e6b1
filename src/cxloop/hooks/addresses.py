"""Where a webhook may be delivered: public addresses only, in production.

A store owner types the URL, and cxloop's worker calls it: without a check
an owner could make the worker call the cloud's metadata service or a
database port on the private network (server-side request forgery). So:

- an endpoint URL is https; plain http only to 127.0.0.1, localhost or [::1]
  while private addresses are allowed (DEBUG, tests);
- at every connection the host name is resolved and each address checked:
  a private, loopback, link-local, multicast or reserved one is refused
  unless `settings.CXLOOP_WEBHOOKS_ALLOW_PRIVATE`. The address checked is the
  address connected to, so a name that resolves differently a moment later
  (DNS rebinding) gains nothing. Redirects are never followed.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

import httpcore
from django.conf import settings
from django.utils.translation import gettext as _

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
MAX_URL_LENGTH = 2000


class AddressRefused(Exception):
    """The endpoint's host is, or resolves to, an address cxloop does not deliver to."""


def allows_private() -> bool:
    return bool(getattr(settings, "CXLOOP_WEBHOOKS_ALLOW_PRIVATE", False))


def is_public(address: str) -> bool:
    """True for a global unicast address (an IPv4-mapped IPv6 address is judged as its IPv4)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def url_problem(url: str) -> str | None:
    """What is wrong with an endpoint URL, in words, or None when cxloop may deliver to it."""
    if len(url) > MAX_URL_LENGTH:
        return _("The URL is longer than %(max)s characters.") % {"max": MAX_URL_LENGTH}
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 (raises ValueError for a port out of range)
    except ValueError:
        return _("This is not a URL.")
    if not host or any(ch.isspace() for ch in url):
        return _("This is not a URL.")
    if parts.username or parts.password:
        return _("Put no user name or password in the URL.")
    local = host in LOCAL_HOSTS and allows_private()
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        return _("The URL must start with https://.")
    if not allows_private():
        if host in LOCAL_HOSTS or host.endswith(".localhost"):
            return _("Webhooks cannot be sent to this server itself.")
        try:
            private = not is_public(host)
        except ValueError:
            private = False  # a host name: its addresses are checked at each connection
        if private:
            return _("Webhooks cannot be sent to a private, loopback or link-local address.")
    return None


class PublicOnlyBackend(httpcore.SyncBackend):
    """httpcore's network backend, connecting only to addresses `is_public` allows (unless allowed)."""

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        if allows_private():
            return super().connect_tcp(host, port, timeout, local_address, socket_options)
        try:
            found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as error:
            raise httpcore.ConnectError(str(error)) from error
        addresses = list(dict.fromkeys(info[4][0] for info in found))
        for address in addresses:
            if not is_public(address):
                raise AddressRefused(
                    _("%(host)s resolves to %(address)s, a private, loopback or link-local address.")
                    % {"host": host, "address": address}
                )
        error = httpcore.ConnectError(f"{host} has no address")
        for address in addresses:
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as failed:
                error = failed
        raise error
