"""Send one email over an SMTP connection the worker keeps open between messages.

    from cxloop.core import mailer
    mailer.send(message)          # raises the backend's error; nothing is retried here

Background tasks send one message each. Opening a connection for each costs
a TCP handshake, EHLO, QUIT and, in production, STARTTLS and AUTH: more than
the message itself. So each thread keeps its connection to the configured
server and reuses it for the next message:

- A connection idle for more than CHECK_AFTER seconds is checked with NOOP
  first; if the server has dropped it, a new one is opened. Nothing has been
  sent at that point, so this never sends a message twice.
- After any error while sending, the connection is closed and the error
  raised: whether the server took the message is then for the caller's
  retry rule to decide (see surveys.services.delivery). A refused recipient
  is the exception: smtplib has reset the transaction (RSET), so the next
  message of a batch goes over the same connection.
- A connection idle for more than CLOSE_AFTER seconds, or opened under other
  email settings, is closed and replaced.

With a backend that is not SMTP (console, locmem in tests) the backend's
connection object is reused the same way, without the NOOP.

A message that builds its own bytes (core.mime.TwoPartEmail) goes over
Django's SMTP backend's connection as those bytes; any other message, or
any other backend (a subclass too: it may sign or rewrite), sends through
the backend as usual.
"""

import smtplib
import threading
import time

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend

CHECK_AFTER = 0.5  # seconds idle before a reused connection is checked with NOOP
CLOSE_AFTER = 60.0  # seconds idle before it is closed (servers drop idle clients after a few minutes)

_local = threading.local()


def send(message: EmailMessage) -> None:
    """Send one message over this thread's open connection, opening or replacing it as needed."""
    connection = _connection()
    try:
        sent = _send_over(connection, message)
    except smtplib.SMTPRecipientsRefused:
        _local.used_at = time.monotonic()  # reset by smtplib: the connection stays usable
        raise
    except BaseException:
        close()
        raise
    _local.used_at = time.monotonic()
    if not sent:
        close()
        raise smtplib.SMTPException("The mail backend did not send the message.")


def _send_over(connection, message: EmailMessage) -> int:
    envelope = None
    if type(connection) is SmtpBackend and hasattr(message, "smtp_envelope"):
        envelope = message.smtp_envelope()
    if envelope is None:
        return connection.send_messages([message])
    if connection.connection is None:
        connection.open()
    connection.connection.sendmail(*envelope)
    return 1


def close() -> None:
    """Close this thread's connection, if any (errors while closing are ignored)."""
    connection = getattr(_local, "connection", None)
    _local.connection = None
    if connection is not None:
        try:
            connection.close()
        except Exception:  # noqa: BLE001 - a connection that failed is being dropped anyway
            pass


def _settings_key() -> tuple:
    return (
        settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_HOST_USER,
        settings.EMAIL_USE_TLS, settings.EMAIL_USE_SSL,
    )  # fmt: skip


def _connection():
    connection = getattr(_local, "connection", None)
    idle = time.monotonic() - getattr(_local, "used_at", 0.0)
    if connection is not None and (_local.key != _settings_key() or idle > CLOSE_AFTER):
        close()
        connection = None
    if connection is not None and idle > CHECK_AFTER and not _alive(connection):
        close()
        connection = None
    if connection is None:
        connection = get_connection(fail_silently=False)
        connection.open()
        _local.connection, _local.key, _local.used_at = connection, _settings_key(), time.monotonic()
    return connection


def _alive(connection) -> bool:
    smtp = getattr(connection, "connection", None)
    if not isinstance(smtp, smtplib.SMTP):
        return True
    try:
        code, _reply = smtp.noop()
    except (smtplib.SMTPException, OSError):
        return False
    return code == 250
