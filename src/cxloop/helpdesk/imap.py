"""Talking to a store's IMAP server: connect, sign in, open the folder; failures in plain words.

    with open_folder(mailbox) as folder:          # raises MailboxUnreachable("The server refused ...")
        folder.uidvalidity, folder.uidnext, folder.count
        folder.client                             # an imapclient.IMAPClient, UIDs everywhere

The folder is opened read-only (EXAMINE) and messages are read with BODY.PEEK[]:
cxloop never changes the store's mailbox, so a message read here stays unread in
the owner's mail client, and nothing is moved or deleted.

Security: SSL/TLS (implicit, usually port 993) or STARTTLS (usually 143), with the
certificate checked against the system's trust store; an unencrypted connection is
allowed only to this machine (a local test server), never over a network. The server
must have a public address unless `settings.CXLOOP_IMAP_ALLOW_PRIVATE` (as for webhooks:
an owner's "Test connection" must not probe the private network).
"""

import ipaddress
import socket
import ssl
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from cxloop.core.errors import DomainError

from .models import Mailbox


class MailboxUnreachable(DomainError):
    """The mailbox could not be read; the message says why in a store owner's words."""

    status = 400
    code = "mailbox_unreachable"


@dataclass
class OpenFolder:
    client: IMAPClient
    uidvalidity: int
    uidnext: int | None
    count: int


def is_local(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def connect(mailbox: Mailbox, *, ssl_context: ssl.SSLContext | None = None) -> IMAPClient:
    """Connect and sign in; raise MailboxUnreachable naming what went wrong."""
    if mailbox.security == Mailbox.Security.NONE and not is_local(mailbox.host):
        raise MailboxUnreachable(
            _("An unencrypted connection is allowed only to this machine; choose SSL/TLS or STARTTLS."),
            field="security",
        )
    _check_address(mailbox)
    context = ssl_context or ssl.create_default_context()
    timeout = getattr(settings, "CXLOOP_IMAP_TIMEOUT_SECONDS", 30)
    client = None
    try:
        client = IMAPClient(
            mailbox.host, port=mailbox.port, ssl=mailbox.security == Mailbox.Security.SSL,
            ssl_context=context, timeout=timeout,
        )  # fmt: skip
        if mailbox.security == Mailbox.Security.STARTTLS:
            client.starttls(context)
        if (mailbox.username + mailbox.password).isascii():
            client.login(mailbox.username, mailbox.password)
        else:  # LOGIN takes ASCII only; AUTHENTICATE PLAIN carries UTF-8
            client.plain_login(mailbox.username, mailbox.password)
        return client
    except Exception as error:
        if client is not None:
            _close(client)
        raise MailboxUnreachable(describe(error, mailbox)) from error


def is_public(address: str) -> bool:
    """True for a global unicast address (an IPv4-mapped IPv6 address is judged as its IPv4)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _check_address(mailbox: Mailbox) -> None:
    """Refuse a server on this machine or the private network unless the installation allows it.

    The name is resolved here and again by the connection: a name that changes its
    address in between (DNS rebinding) is not caught; the timeouts bound what it gains.
    """
    if getattr(settings, "CXLOOP_IMAP_ALLOW_PRIVATE", False):
        return
    try:
        found = socket.getaddrinfo(mailbox.host, mailbox.port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise MailboxUnreachable(describe(error, mailbox), field="host") from error
    if not found or not all(is_public(info[4][0]) for info in found):
        raise MailboxUnreachable(
            _("The server's address is on a private network, which this installation does not allow."),
            field="host",
        )


@contextmanager
def open_folder(mailbox: Mailbox, *, ssl_context: ssl.SSLContext | None = None):
    """Connect, sign in and open the mailbox's folder read-only; log out afterwards."""
    client = connect(mailbox, ssl_context=ssl_context)
    try:
        try:
            status = client.select_folder(mailbox.folder, readonly=True)
        except IMAPClientError as error:
            raise MailboxUnreachable(
                _("The folder “%(folder)s” was not found on the server.") % {"folder": mailbox.folder},
                field="folder",
            ) from error
        yield OpenFolder(
            client=client,
            uidvalidity=int(status[b"UIDVALIDITY"]),
            uidnext=int(status[b"UIDNEXT"]) if b"UIDNEXT" in status else None,
            count=int(status.get(b"EXISTS", 0)),
        )
    finally:
        _close(client)


def _close(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:  # the connection may already be gone; nothing to tell anyone
        try:
            client.shutdown()
        except Exception:
            pass


def describe(error: BaseException, mailbox: Mailbox) -> str:
    """What went wrong, in words a store owner understands (never a traceback)."""
    if isinstance(error, MailboxUnreachable):
        return error.message
    if isinstance(error, LoginError):
        return _("The server refused the user name or password.")
    if isinstance(error, ssl.SSLCertVerificationError):
        return _("The server's certificate could not be verified (%(reason)s).") % {
            "reason": error.verify_message or error.reason
        }
    if isinstance(error, ssl.SSLError):
        return _("The secure connection to the server failed; check the port and the security setting.")
    if isinstance(error, socket.gaierror):
        return _("The server name “%(host)s” could not be found.") % {"host": mailbox.host}
    if isinstance(error, ConnectionRefusedError):
        return _("The server refused the connection on port %(port)s.") % {"port": mailbox.port}
    if isinstance(error, TimeoutError | socket.timeout):
        return _("The server did not answer in time.")
    if isinstance(error, IMAPClientError):
        if "STARTTLS" in str(error).upper():
            return _("The server does not offer STARTTLS; choose another security setting.")
        return _("The server answered with an error: %(error)s") % {"error": str(error)[:200]}
    if isinstance(error, OSError):
        return _("The connection to the server failed: %(error)s") % {
            "error": error.strerror or error.__class__.__name__
        }
    return _("Reading the mailbox failed unexpectedly.")
