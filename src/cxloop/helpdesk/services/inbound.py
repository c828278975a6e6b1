"""A support mail arrives (by IMAP or a provider's inbound webhook): parse it, thread it, store it once.

    message = receive_email(store=store, raw=raw_bytes, external_id="imap:3:1700000000:42")

`receive_email` is the one door for inbound mail. It parses the bytes
(`mail.parse.parse_email`; a refusal raises `MailRejected` with the reason,
and nothing is stored), refuses a flood (`MailFlood`), finds the conversation
the mail belongs to, and hands it to `intake.take_message`, which stores it
once per `external_id`. Its attachments are written through Django's storage
API under a random name.

Threading, first match wins:

1. a reply address `reply+<token>@<inbound domain>` among To, Cc,
   Delivered-To and the envelope `recipient`, whose token is valid and whose
   conversation belongs to this store (a merged conversation leads to the one
   it was merged into);
2. a message id in In-Reply-To or References naming a message of this store
   whose conversation's contact is the sender (a forged In-Reply-To naming
   another store's or another customer's message threads nowhere);
3. otherwise a new conversation.

The same mail delivered twice is stored once: `external_id` defaults to
"mid:<Message-ID>" (a sha256 of it when long), or "raw:<sha256 of the
bytes>" for a mail without a Message-ID. Mail from the store's own addresses
(its support email, its inbound address, its mailboxes, reply addresses) is
flagged auto_submitted, like auto-replies; such mail and bounces are stored
but do not reopen a conversation (intake).

Flood limit: at most settings.CXLOOP_HELPDESK_FLOOD_LIMIT mails (default 20)
from one sender to one store in the last 10 minutes, counted from the stored
messages themselves (`intake_queries.count_recent_from`, on an index); the rest
raise `MailFlood` and are not stored.
A repeated delivery of a stored mail is answered with the stored message and
counts nothing.

A batch of mails (a mailbox poll's fetch, core.batch_cache) calls
`prepare_batch` first: every mail is parsed, and what each will ask the
database (stored before? the sender's customer record, the sender's recent
count) is read for the whole batch in one query each; the batch then runs
each mail through `receive_email` in a savepoint of its own (`batch_cache.item`).
"""

import functools
import hashlib
import logging
import math
import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _

from cxloop.commerce import queries as commerce_queries
from cxloop.core import batch_cache, prepared, store_config
from cxloop.core.models import Store

from .. import addresses, intake_queries
from ..errors import MailFlood, MailRejected
from ..mail.parse import MailRefused, ParsedEmail, parse_email
from ..models import Attachment, Channel, Conversation, Message
from .intake import Incoming, take_message

logger = logging.getLogger(__name__)

FLOOD_PERIOD = 10 * 60
MAX_EXTERNAL_ID = 300
MAX_MERGE_HOPS = 10
MAX_THREAD_IDS = 100  # message ids of In-Reply-To and References looked up
DELIVERED_TO = re.compile(rb"^delivered-to:[ \t]*([^\r\n]*)", re.IGNORECASE | re.MULTILINE)
ADDRESS = re.compile(r"[^\s<>\"',;]+@[^\s<>\"',;]+")


def receive_email(*, store: Store, raw: bytes, external_id: str = "", recipient: str = "") -> Message:
    """Store one inbound mail for `store` (once); return its message, or the one stored before.

    Raises MailRejected (unreadable, too large, not a mail) or MailFlood (too many from this sender);
    in both cases nothing is stored and the caller decides what to answer.
    """
    with batch_cache.batch():  # a mail alone is a batch of one: the store's configuration is read once
        return _receive(store, raw, external_id, recipient)


def _receive(store: Store, raw: bytes, external_id: str, recipient: str) -> Message:
    mail = _parsed(raw)
    external_id = external_id or default_external_id(mail, raw)
    own = mail.from_email in own_addresses(store) or addresses.read_reply_address(mail.from_email) is not None
    incoming = Incoming(
        text=mail.text,
        reply_text=mail.reply_text,
        html=mail.html,
        subject=mail.subject,
        from_email=mail.from_email,
        from_name=mail.from_name,
        to=mail.to,
        cc=mail.cc,
        message_id=mail.message_id,
        in_reply_to=mail.in_reply_to,
        references=mail.references,
        auto_submitted=mail.auto_submitted or own,
        bounce=mail.bounce,
        problems=(["sent from one of the store's own addresses"] if own else []) + mail.problems,
    )
    conversation = find_conversation(store, mail, raw, recipient)
    saved: list[str] = []
    try:
        with batch_cache.atomic():
            _conversation, message, created = take_message(
                store=store,
                channel=Channel.EMAIL,
                incoming=incoming,
                external_id=external_id,
                conversation=conversation,
            )
            if created:
                # Counted only for a mail not stored before (a retry is free), inside the mail's
                # transaction: over the limit, the message just written is rolled back; with the
                # database cache (the default) the counter's writes commit with the mail, in one commit.
                _check_flood(store, mail.from_email)
                _store_attachments(store, message, mail, saved)
    except BaseException:
        batch_cache.clear()  # a batch's counts and ids included this mail, now rolled back
        for name in saved:  # the rows were rolled back: their files go too
            Attachment.file.field.storage.delete(name)
        raise
    return message


def prepare_batch(store: Store, items: list[tuple[bytes, str]]) -> None:
    """Before a batch of (raw, external_id) runs through `receive_email`: parse each mail and read,
    in one query each, which were stored before, the senders' customers and their recent counts,
    all kept in the open batch's memory (core.batch_cache; nothing is kept outside a batch)."""
    external_ids, senders, mails = [], [], []
    for raw, external_id in items:
        try:
            mail = _parse(raw)
        except MailRefused as refused:
            batch_cache.put(_parsed_key(raw), (raw, refused))
            continue
        batch_cache.put(_parsed_key(raw), (raw, mail))
        external_ids.append(external_id or default_external_id(mail, raw))
        senders.append(mail.from_email)
        mails.append(mail)
    # Threading by In-Reply-To / References, except for a mail naming another of this batch (which is
    # not stored yet: its own lookup, after it, finds it).
    in_batch = {mail.message_id for mail in mails if mail.message_id}
    asked = [
        (ids, mail.from_email)
        for mail in mails
        if (ids := _thread_ids(mail)) and mail.from_email and in_batch.isdisjoint(ids)
    ]
    answers = intake_queries.find_thread_conversation_ids(store.pk, asked)
    for (ids, sender), conversation_id in zip(asked, answers, strict=True):
        batch_cache.put(intake_queries.thread_key(store.pk, ids, sender), conversation_id)
    stored = intake_queries.find_stored_message_ids(store.pk, external_ids)
    for external_id in external_ids:
        batch_cache.put(intake_queries.stored_key(store.pk, external_id), stored.get(external_id))
    commerce_queries.first_customers_by_emails(store, senders)
    # PostgreSQL: ids known before the rows are written, so the rows go together (core.prepared), in
    # one statement for all three tables (a few attachment ids more than needed cost nothing).
    attachments = sum(len(mail.attachments) for mail in mails)
    prepared.reserve_ids(
        [Conversation, Message, *([Attachment] if attachments else [])], max(len(external_ids), attachments)
    )
    since = timezone.now() - timedelta(seconds=FLOOD_PERIOD)
    for sender, recent in intake_queries.count_recent_from_each(store.pk, senders, since).items():
        batch_cache.put(intake_queries.recent_key(store.pk, sender), recent)


def _parse(raw: bytes) -> ParsedEmail:
    return parse_email(
        raw,
        max_bytes=settings.CXLOOP_HELPDESK_MAX_MAIL_BYTES,
        max_attachment_bytes=settings.CXLOOP_HELPDESK_MAX_ATTACHMENT_BYTES,
    )


def _parsed_key(raw: bytes) -> tuple:
    return ("helpdesk.parsed", id(raw))


def _parsed(raw: bytes) -> ParsedEmail:
    """The mail parsed (by `prepare_batch` when this very object was among its batch's)."""
    kept = batch_cache.get(_parsed_key(raw))
    if kept is not None and kept[0] is raw:
        result = kept[1]
    else:
        try:
            result = _parse(raw)
        except MailRefused as refused:
            result = refused
    if isinstance(result, MailRefused):
        raise MailRejected(str(result)) from None
    return result


def default_external_id(mail: ParsedEmail, raw: bytes) -> str:
    """The delivery's id: "mid:<Message-ID>" (hashed when long), or "raw:<sha256>" without one."""
    if mail.message_id:
        external_id = f"mid:{mail.message_id}"
        if len(external_id) <= MAX_EXTERNAL_ID:
            return external_id
        return "mid:sha256:" + hashlib.sha256(mail.message_id.encode("utf-8", "surrogatepass")).hexdigest()
    return "raw:" + hashlib.sha256(raw).hexdigest()


def own_addresses(store: Store) -> set[str]:
    """The addresses mail from the store itself comes from: support email, inbound address, mailboxes."""
    own = {addresses.inbound_address(store).lower()}
    if store.support_email:
        own.add(store.support_email.strip().lower())
    mailboxes = store_config.cached(  # read once while the store's configuration is unchanged
        store.pk, "helpdesk.mailbox_addresses", lambda: intake_queries.list_mailbox_addresses(store.pk)
    )
    own.update(address.strip().lower() for address in mailboxes)
    return own


def find_conversation(
    store: Store, mail: ParsedEmail, raw: bytes, recipient: str = ""
) -> Conversation | None:
    """The conversation of this store the mail answers (see the module's threading rules), or None."""
    for address in [*mail.to, *mail.cc, *delivered_to(raw), recipient]:
        conversation = conversation_for_reply_address(store, address)
        if conversation is not None:
            return conversation
    ids = _thread_ids(mail)
    if not ids or not mail.from_email:
        return None
    conversation_id = intake_queries.find_thread_conversation_id(store.pk, ids, mail.from_email)
    if conversation_id is None:
        return None
    conversation = prepared.first(Conversation, {"store": store.pk, "pk": conversation_id})
    return _followed(store, conversation) if conversation is not None else None


def _thread_ids(mail: ParsedEmail) -> list[str]:
    """The message ids the mail answers, nearest first (In-Reply-To, then References backwards)."""
    return list(dict.fromkeys([*mail.in_reply_to, *reversed(mail.references)]))[:MAX_THREAD_IDS]


def conversation_for_reply_address(store: Store | None, address: str) -> Conversation | None:
    """The conversation a reply address names, if its token is valid (and it is `store`'s, when given)."""
    read = addresses.read_reply_address(address or "")
    if read is None:
        return None
    conversation_id, mac = read
    where = {"pk": conversation_id} if store is None else {"store": store.pk, "pk": conversation_id}
    conversation = prepared.first(Conversation, where)
    if conversation is None or not addresses.token_matches(conversation, mac):
        return None
    return _followed(conversation.store if store is None else store, conversation)


def _followed(store: Store, conversation: Conversation) -> Conversation:
    """A merged conversation continues in the one it was merged into (same store only)."""
    for _hop in range(MAX_MERGE_HOPS):
        if conversation.merged_into_id is None:
            break
        target = prepared.first(Conversation, {"store": store.pk, "pk": conversation.merged_into_id})
        if target is None:
            break
        conversation = target
    return conversation


def delivered_to(raw: bytes) -> list[str]:
    """The addresses of the Delivered-To headers (read from the header section only)."""
    end = min((i for i in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if i >= 0), default=len(raw))
    found = []
    for value in DELIVERED_TO.findall(raw[:end]):
        found.extend(a.lower() for a in ADDRESS.findall(value.decode("ascii", "replace")))
    return found[:10]


def _check_flood(store: Store, sender: str) -> None:
    """Refuse the mail just written if its sender sent more than the limit in the last 10 minutes.

    Counted in the database, inside the mail's transaction: the mail itself counts, a retry of a
    stored mail never gets here, and a refused one is rolled back, so it does not count either.
    Two mails of one sender committing at the same instant may both pass at the limit.
    """
    limit = settings.CXLOOP_HELPDESK_FLOOD_LIMIT
    now = timezone.now()
    key = intake_queries.recent_key(store.pk, sender)
    counted = batch_cache.get(key)  # the batch's count before this mail, if it has one
    if counted is None:
        since = now - timedelta(seconds=FLOOD_PERIOD)
        count, oldest = intake_queries.count_recent_from(store.pk, sender, since)
    else:
        count, oldest = counted[0] + 1, counted[1] or now
    if count <= limit:
        batch_cache.put(key, (count, oldest))  # the next mail of this sender in the batch counts this one
        return
    retry_after = max(1, math.ceil(((oldest or now) + timedelta(seconds=FLOOD_PERIOD) - now).total_seconds()))
    logger.warning("Help desk: flood limit reached for a sender to store %s", store.pk)
    raise MailFlood(
        _("More than %(limit)d mails from %(sender)s in 10 minutes: this one was not taken.")
        % {"limit": limit, "sender": sender or _("an unknown sender")},
        retry_after=retry_after,
    )


def _store_attachments(store: Store, message: Message, mail: ParsedEmail, saved: list[str]) -> None:
    now = timezone.now()
    for parsed in mail.attachments:
        attachment = Attachment(
            pk=prepared.new_id(Attachment),  # reserved by the batch: the row goes with its message's
            store=store,
            message=message,
            key=secrets.token_hex(16),
            filename=parsed.filename[:200],
            content_type=parsed.content_type[:200],
            size=len(parsed.content),
            content_id=parsed.content_id[:300],
            inline=parsed.inline,
            created_at=now,
        )
        attachment.file.save(attachment.key, ContentFile(parsed.content), save=False)
        saved.append(attachment.file.name)
        # A batch of mails rolled back after this one returned: its file goes with its rows.
        batch_cache.on_rollback(functools.partial(Attachment.file.field.storage.delete, attachment.file.name))
        prepared.insert(attachment)


__all__ = ["receive_email", "prepare_batch", "find_conversation", "default_external_id", "own_addresses"]
