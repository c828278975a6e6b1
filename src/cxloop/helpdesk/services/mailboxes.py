"""Reading a store's support mailbox by IMAP, and the owner's verbs on mailboxes.

    poll_mailbox(mailbox, deliver)       # deliver(raw: bytes, external_id: str) stores one email

Each message is handed to `deliver` with the external id
"imap:<mailbox id>:<uidvalidity>:<uid>". The messages of one fetch (at most
FETCH_BATCH mails and FETCH_BYTES, by the sizes the server gives first) are
stored in one transaction, each in a savepoint, and `last_uid` moves past
them in that same transaction (`store_fetched`): what is stored and where the
mailbox stands commit together, once per batch. A poll cut off anywhere (a
kill -9, a lost connection) loses nothing: the next poll hands over the batch it
was on again, and `deliver` stores each message once (it is idempotent on
external_id).

UIDVALIDITY: a message's UID means something only under the folder's UIDVALIDITY.
When the server changes it (a rebuilt index, a migrated mailbox), every UID is
new, so reading starts again from the first message that arrived since a day
before the last poll, and a message whose Message-ID this mailbox already
delivered under an earlier UIDVALIDITY is skipped, so a renumbered folder is not
stored twice and a message that arrived during the change is not lost. A
mailbox read for the first time starts with the last HISTORY_DAYS days of mail.

Two polls never read one mailbox at once: a poll claims it (`claimed_until`,
renewed as it reads) with a conditional UPDATE, which works the same on SQLite
and PostgreSQL; a claim left by a crashed worker runs out by itself.
"""

import logging
import re
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from imapclient.exceptions import IMAPClientError

from cxloop.core import batch_cache
from cxloop.core.errors import InvalidInput
from cxloop.core.models import Store

from ..imap import MailboxUnreachable, describe, is_local, open_folder
from ..mail import headers as mail_headers
from ..models import Mailbox, Message

logger = logging.getLogger(__name__)

HISTORY_DAYS = 7  # a newly connected mailbox brings in this many days of mail
FETCH_BATCH = 50  # messages fetched per round trip and stored per transaction, at most ...
FETCH_BYTES = 32 * 1024 * 1024  # ... and this many bytes (bounded memory; a larger mail goes alone)

Deliver = Callable[[bytes, str], None]
MESSAGE_ID_HEADER = re.compile(
    rb"^message-id:[ \t]*([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)", re.IGNORECASE | re.MULTILINE
)


@dataclass
class PollResult:
    delivered: int = 0
    skipped: int = 0
    error: str = ""
    idled: bool = False  # watch_mailbox: the server took IDLE


class _NotStored(Exception):
    """`deliver` raised (its exception is the cause)."""


def lease() -> timedelta:
    return timedelta(seconds=getattr(settings, "CXLOOP_IMAP_LEASE_SECONDS", 300))


def external_id(mailbox: Mailbox, uidvalidity: int, uid: int) -> str:
    return f"imap:{mailbox.pk}:{uidvalidity}:{uid}"


def claim_mailbox(mailbox: Mailbox) -> bool:
    """Claim an enabled mailbox for one poll; False when another poll holds it (or it is disabled)."""
    now = timezone.now()
    claimed = (
        Mailbox.objects.filter(pk=mailbox.pk, enabled=True)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + lease())
    )
    return claimed == 1


def poll_mailbox(mailbox: Mailbox, deliver: Deliver, *, ssl_context: ssl.SSLContext | None = None):
    """Hand every new message of the mailbox's folder to `deliver`, oldest first; return a PollResult.

    Returns None when another poll holds the mailbox. Never raises for the server's
    failures: they are recorded in `last_error` in words. An exception from `deliver`
    stops the poll there (the message is tried again next time) and is raised.
    """
    if not claim_mailbox(mailbox):
        return None
    result = PollResult()
    try:
        with open_folder(mailbox, ssl_context=ssl_context) as folder:
            _read_new(mailbox, folder, deliver, result)
    except _NotStored as failed:
        result.error = _("A message could not be stored; it will be read again on the next poll.")
        raise failed.__cause__ from None
    except MailboxUnreachable as error:
        result.error = error.message
    except (OSError, ssl.SSLError, EOFError, IMAPClientError) as error:
        result.error = describe(error, mailbox)
    finally:
        now = timezone.now()
        Mailbox.objects.filter(pk=mailbox.pk).update(
            claimed_until=None, last_polled_at=now, last_error=result.error[:500]
        )
        mailbox.claimed_until, mailbox.last_polled_at, mailbox.last_error = None, now, result.error[:500]
    return result


def watch_mailbox(
    mailbox: Mailbox,
    deliver: Deliver,
    *,
    until: Callable[[], bool],
    idle_seconds: float = 240,
    on_idle: Callable[[], None] | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> PollResult | None:
    """Read new mail, then wait for more with IMAP IDLE and read it as it arrives, until `until()`.

    A server that does not advertise IDLE is read once, like `poll_mailbox` (the caller
    polls again later). Each IDLE lasts at most `idle_seconds` (RFC 2177 asks for under 29
    minutes; some servers and NATs drop a quiet connection sooner), and the folder is searched
    after each, whatever the server said, so a message that arrived between a read and the
    IDLE is never missed. The claim is renewed after each wait; `on_idle` is called once the
    server has accepted each IDLE. Returns None when another poll holds the mailbox. Failures
    are recorded as for `poll_mailbox`.
    """
    if not claim_mailbox(mailbox):
        return None
    result = PollResult()
    try:
        with open_folder(mailbox, ssl_context=ssl_context) as folder:
            _read_new(mailbox, folder, deliver, result)
            result.idled = folder.client.has_capability("IDLE")
            while result.idled and not until():
                _wait_for_mail(folder.client, idle_seconds, on_idle)
                Mailbox.objects.filter(pk=mailbox.pk).update(claimed_until=timezone.now() + lease())
                _read_new(mailbox, folder, deliver, result)
    except _NotStored as failed:
        result.error = _("A message could not be stored; it will be read again on the next poll.")
        raise failed.__cause__ from None
    except MailboxUnreachable as error:
        result.error = error.message
    except (OSError, ssl.SSLError, EOFError, IMAPClientError) as error:
        result.error = describe(error, mailbox)
    finally:
        now = timezone.now()
        Mailbox.objects.filter(pk=mailbox.pk).update(
            claimed_until=None, last_polled_at=now, last_error=result.error[:500]
        )
        mailbox.claimed_until, mailbox.last_polled_at, mailbox.last_error = None, now, result.error[:500]
    return result


def _wait_for_mail(client, idle_seconds: float, on_idle: Callable[[], None] | None) -> None:
    """One IDLE: until the server reports a change or `idle_seconds` pass (bounded by the lease)."""
    client.idle()
    try:
        if on_idle is not None:
            on_idle()
        client.idle_check(timeout=min(idle_seconds, lease().total_seconds() / 2))
    finally:
        client.idle_done()


def _read_new(mailbox: Mailbox, folder, deliver: Deliver, result: PollResult) -> None:
    if mailbox.uidvalidity != folder.uidvalidity:
        _start_again(mailbox, folder)
    uids = sorted(
        uid for uid in folder.client.search(["UID", f"{mailbox.last_uid + 1}:*"]) if uid > mailbox.last_uid
    )
    sizes = folder.client.fetch(uids, [b"RFC822.SIZE"]) if uids else {}
    for batch in plan_batches([(uid, sizes.get(uid, {}).get(b"RFC822.SIZE", 0)) for uid in uids]):
        fetched = folder.client.fetch(batch, [b"BODY.PEEK[]"])
        raws = [(uid, fetched.get(uid, {}).get(b"BODY[]")) for uid in batch]
        store_fetched(mailbox, folder.uidvalidity, raws, deliver, result)


def plan_batches(sizes: list[tuple[int, int]]) -> list[list[int]]:
    """The (uid, size) pairs, in order, cut into fetches of at most FETCH_BATCH mails and FETCH_BYTES
    (a mail larger than that alone)."""
    batches: list[list[int]] = []
    count = total = 0
    for uid, size in sizes:
        if not batches or count == FETCH_BATCH or (count and total + size > FETCH_BYTES):
            batches.append([])
            count = total = 0
        batches[-1].append(uid)
        count, total = count + 1, total + size
    return batches


def store_fetched(
    mailbox: Mailbox,
    uidvalidity: int,
    raws: list[tuple[int, bytes | None]],
    deliver: Deliver,
    result: PollResult,
) -> None:
    """Hand one fetched batch to `deliver`, oldest first, and move `last_uid` past it, in ONE transaction.

    Each message is delivered in a savepoint of its own; the batch's messages and
    the new `last_uid` commit together, so the stored mail and the mailbox's
    position never disagree, and a poll commits once per batch instead of twice per
    message (with SQLite's synchronous=FULL a commit is a disk flush). When
    `deliver` raises, the messages before it are kept, `last_uid` stops before it,
    and `_NotStored` is raised once they are committed. A raw of None (expunged
    meanwhile) is passed over. The store's help-desk configuration (rules, SLA
    policies, teams, settings, webhook endpoints) is read once for the batch
    (core.batch_cache), and when `deliver` has a `prepare` it is given the
    batch's (raw, external_id) pairs first, to read what they will all ask.
    """
    message_ids = {uid: _message_id(raw) for uid, raw in raws if raw is not None}
    before = _delivered_before(mailbox, uidvalidity, set(message_ids.values()))
    wanted = {
        uid: (raw, external_id(mailbox, uidvalidity, uid))
        for uid, raw in raws
        if raw is not None and message_ids[uid] not in before
    }
    prepare = getattr(deliver, "prepare", None)
    failure = None
    with transaction.atomic(), batch_cache.batch():  # the store's configuration is read once a batch
        if prepare is not None and wanted:
            prepare(list(wanted.values()))
        all_at_once = _deliver_all(deliver, list(wanted.values()))
        last = None
        for uid, raw in raws:
            if uid in wanted and not all_at_once:
                try:
                    with transaction.atomic():  # one by one, with the services' own savepoints and retries
                        deliver(*wanted[uid])
                except Exception as error:  # not the server's failure: told apart from those
                    failure = error
                    break
            if raw is not None:
                if uid in wanted:
                    result.delivered += 1
                else:
                    result.skipped += 1
            last = uid
        if last is not None:
            _advance(mailbox, last)
    if failure is not None:
        raise _NotStored() from failure


def _deliver_all(deliver: Deliver, wanted: list[tuple[bytes, str]]) -> bool:
    """Every wanted message in one savepoint, none of their own (two round trips fewer per mail on
    PostgreSQL); False, with nothing kept, when any of them failed or was refused after writing (a
    flood): the batch then delivers them one by one."""
    if not wanted:
        return True
    try:
        with batch_cache.all_items() as check:
            for raw, delivery_id in wanted:
                deliver(raw, delivery_id)
                check()
    except batch_cache.ItemsRolledBack:
        logger.info("A batch of %d mails is delivered one by one", len(wanted), exc_info=True)
        return False
    return True


def _start_again(mailbox: Mailbox, folder) -> None:
    """A new UIDVALIDITY (or a first poll): choose the first UID to read under it."""
    if mailbox.uidvalidity is None:
        since = timezone.now() - timedelta(days=HISTORY_DAYS)
    else:
        since = (mailbox.last_polled_at or timezone.now()) - timedelta(days=1)
        logger.warning("Mailbox %s: UIDVALIDITY changed, reading again since %s", mailbox.pk, since.date())
    recent = folder.client.search(["SINCE", since.date()])
    if recent:
        first = min(recent)
    else:
        first = folder.uidnext or (max(folder.client.search(["ALL"]) or [0]) + 1)
    with transaction.atomic():
        Mailbox.objects.filter(pk=mailbox.pk).update(uidvalidity=folder.uidvalidity, last_uid=first - 1)
    mailbox.uidvalidity, mailbox.last_uid = folder.uidvalidity, first - 1


def _message_id(raw: bytes) -> str:
    """The mail's Message-ID as the parser stores it (`mail.headers.message_id`), read from the header
    section alone without parsing the mail."""
    end = min((i for i in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if i >= 0), default=len(raw))
    found = MESSAGE_ID_HEADER.search(raw, 0, end)
    return mail_headers.message_id(found.group(1).decode("utf-8", "replace")) if found else ""


def _delivered_before(mailbox: Mailbox, uidvalidity: int, message_ids: set[str]) -> set[str]:
    """The `message_ids` this mailbox delivered under an earlier UIDVALIDITY (a renumbered folder):
    one query for a batch."""
    message_ids.discard("")
    if not message_ids:
        return set()
    prefix = f"imap:{mailbox.pk}:"
    return set(
        Message.objects.filter(
            store_id=mailbox.store_id, message_id__in=message_ids, external_id__startswith=prefix
        )
        .exclude(external_id__startswith=f"{prefix}{uidvalidity}:")
        .values_list("message_id", flat=True)
    )


def _advance(mailbox: Mailbox, uid: int) -> None:
    """Move past `uid` (its own transaction) and renew the claim."""
    Mailbox.objects.filter(pk=mailbox.pk).update(last_uid=uid, claimed_until=timezone.now() + lease())
    mailbox.last_uid = uid


def check_connection(mailbox: Mailbox, *, ssl_context: ssl.SSLContext | None = None) -> tuple[bool, str]:
    """Sign in and open the folder without reading anything; return (worked, what happened in words)."""
    try:
        with open_folder(mailbox, ssl_context=ssl_context) as folder:
            return True, ngettext(
                "Signed in; %(count)s message in %(folder)s.",
                "Signed in; %(count)s messages in %(folder)s.",
                folder.count,
            ) % {"count": folder.count, "folder": mailbox.folder}
    except MailboxUnreachable as error:
        return False, error.message


MAILBOX_FIELDS = ("address", "host", "port", "security", "username", "folder")


def check_mailbox_fields(fields: dict, *, password: str, creating: bool) -> dict:
    """The mailbox's fields cleaned; raise InvalidInput naming the first field at fault."""
    clean = {name: str(fields.get(name, "")).strip() for name in MAILBOX_FIELDS}
    try:
        validate_email(clean["address"])
    except ValidationError:
        raise InvalidInput(_("Enter the support address customers write to."), field="address") from None
    if not clean["host"] or len(clean["host"]) > 255 or any(c.isspace() for c in clean["host"]):
        raise InvalidInput(_("Enter the IMAP server's name, like imap.example.com."), field="host")
    if not clean["port"].isdecimal() or not 1 <= int(clean["port"]) <= 65535:
        raise InvalidInput(
            _("Enter a port between 1 and 65535 (usually 993, or 143 with STARTTLS)."), field="port"
        )
    clean["port"] = int(clean["port"])
    if clean["security"] not in Mailbox.Security.values:
        raise InvalidInput(_("Choose how the connection is secured."), field="security")
    if clean["security"] == Mailbox.Security.NONE and not is_local(clean["host"]):
        raise InvalidInput(
            _("An unencrypted connection is allowed only to this machine; choose SSL/TLS or STARTTLS."),
            field="security",
        )
    if not clean["username"] or len(clean["username"]) > 255:
        raise InvalidInput(_("Enter the user name the server signs in with."), field="username")
    if creating and not password:
        raise InvalidInput(_("Enter the password (or the app password) of the mailbox."), field="password")
    if len(password) > 1000:
        raise InvalidInput(_("The password is too long."), field="password")
    clean["folder"] = clean["folder"] or "INBOX"
    if len(clean["folder"]) > 255:
        raise InvalidInput(_("The folder name is too long."), field="folder")
    return clean


def save_mailbox(
    *, store: Store, fields: dict, password: str = "", mailbox: Mailbox | None = None
) -> Mailbox:
    """Connect a mailbox to the store, or change one; an empty password keeps the stored one.

    Raises InvalidInput (naming the field) and changes nothing for bad input or an address
    already connected. Changing where mail is read (server, user name, folder) starts
    reading that folder afresh; the last error is cleared so the next poll speaks for itself.
    """
    clean = check_mailbox_fields(fields, password=password, creating=mailbox is None)
    mailbox = mailbox or Mailbox(store=store)
    moved = mailbox.pk is not None and any(
        getattr(mailbox, n) != clean[n] for n in ("host", "username", "folder")
    )
    for name, value in clean.items():
        setattr(mailbox, name, value)
    if password:
        mailbox.password = password
    if moved:
        mailbox.uidvalidity, mailbox.last_uid = None, 0
    mailbox.last_error = ""
    try:
        with transaction.atomic():
            mailbox.save()
    except IntegrityError:
        raise InvalidInput(_("This address is already connected."), field="address") from None
    return mailbox


def set_mailbox_enabled(*, mailbox: Mailbox, enabled: bool) -> Mailbox:
    """Turn reading a mailbox on or off."""
    mailbox.enabled = enabled
    mailbox.save(update_fields=["enabled"])
    return mailbox


def poll_enabled_mailboxes(deliver_for: Callable[[Mailbox], Deliver]) -> dict[str, int]:
    """Poll every enabled mailbox of every store; a mailbox another poll holds is left to it.

    A mailbox whose intake fails (its last_error says so) is counted as failed and the
    others are still read; its message is handed over again at the next poll.
    """
    counts = {"polled": 0, "busy": 0, "failed": 0, "delivered": 0}
    for mailbox in Mailbox.objects.filter(enabled=True).select_related("store").order_by("pk"):
        try:
            result = poll_mailbox(mailbox, deliver_for(mailbox))
        except Exception:  # one mailbox's failing intake must not stop the others being read
            logger.exception("Mailbox %s: a message could not be stored", mailbox.pk)
            counts["failed"] += 1
            continue
        if result is None:
            counts["busy"] += 1
            continue
        counts["polled"] += 1
        counts["delivered"] += result.delivered
        counts["failed"] += bool(result.error)
    return counts


__all__ = [
    "PollResult",
    "check_connection",
    "claim_mailbox",
    "poll_enabled_mailboxes",
    "poll_mailbox",
    "save_mailbox",
    "set_mailbox_enabled",
]
